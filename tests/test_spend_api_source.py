"""`litecost ingest https://proxy/spend/logs/v2`: the proxy's spend API, read through real
sockets from a loopback server (`spend_api_server.py`) that serves a real PostgreSQL table
with LiteLLM's schema, as LiteLLM 1.110's endpoint does."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from conftest import assert_one_line_error
from spend_api_server import KEY, SpendApi
from test_postgres_source import calls_of, load_sample

pytest.importorskip("psycopg")
pytest.importorskip("litellm_proxy_extras")


@pytest.fixture(scope="module")
def proxy(server):
    dsn = server.database()
    load_sample(dsn)
    api = SpendApi(dsn)
    yield api
    api.close()
    server.drop(dsn)


@pytest.fixture(autouse=True)
def _key(monkeypatch, proxy):
    monkeypatch.setenv("LITECOST_PROXY_KEY", KEY)
    proxy.faults.clear()
    proxy.requests.clear()


def test_the_api_gives_the_same_calls_as_the_database(cli, db, proxy, tmp_path):
    done = cli("ingest", proxy.url, "--format", "json")
    assert done.exit_code == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["rows_read"] - doc["duplicates"], doc["inserted"], doc["rejected"]) == (2500, 2500, 0)
    assert doc["files"][0]["path"] == proxy.url
    # 2,500 calls, at most 1,000 a page: the window was cut in time, never paged by offset
    assert all(q["page"] == ["1"] and q["page_size"] == ["1000"] for q in proxy.requests)
    from_db = tmp_path / "from-db.duckdb"
    assert cli("--db", from_db, "ingest", proxy.dsn, use_db=False).exit_code == 0
    assert calls_of(db) == calls_of(from_db)


def test_a_rerun_reads_the_overlap_and_stores_nothing(cli, proxy):
    assert cli("ingest", proxy.url).exit_code == 0
    proxy.requests.clear()
    again = json.loads(cli("ingest", proxy.url, "--format", "json").stdout)
    assert again["inserted"] == 0 and 0 < again["rows_read"] < 20
    assert len(proxy.requests) == 1


def test_429_with_retry_after_and_a_500_are_retried(cli, proxy):
    proxy.faults[:] = [(429, "1"), (500, None)]
    began = time.monotonic()
    done = cli("ingest", proxy.url, "--since", "2026-10-05", "--until", "2026-10-06", "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert time.monotonic() - began >= 1.0  # the Retry-After was honoured
    assert json.loads(done.stdout)["inserted"] > 0 and len(proxy.requests) == 3


def test_a_refused_key_is_exit_2_and_the_key_is_not_shown(db, proxy, monkeypatch):
    done = subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), "ingest", proxy.url],
                          capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, "LITECOST_PROXY_KEY": "sk-wrong-key-123456"})
    assert_one_line_error(done, 2, "refused the key", "HTTP 401", "LITECOST_PROXY_KEY")
    assert "sk-wrong" not in done.stderr and not db.exists()


def test_no_key_is_a_usage_error(cli, proxy, monkeypatch):
    monkeypatch.delenv("LITECOST_PROXY_KEY")
    monkeypatch.delenv("LITELLM_API_KEY", raising=False)
    done = cli("ingest", proxy.url)
    assert done.exit_code == 2 and "LITECOST_PROXY_KEY" in done.stderr


def test_a_read_that_breaks_off_keeps_what_it_read_and_the_next_run_goes_on(cli, db, proxy, tmp_path):
    window = ("--since", "2026-10-01", "--until", "2026-11-01")
    assert cli("--db", tmp_path / "probe.duckdb", "ingest", proxy.url, *window, use_db=False).exit_code == 0
    requests = len(proxy.requests)  # what the whole month takes; the last one is its newest part
    assert requests > 3
    # Every request but the last is served; the last part fails every attempt (Retry-After 0).
    proxy.faults[:] = [None] * (requests - 1) + [(503, "0")] * 5
    done = cli("ingest", proxy.url, *window, "--format", "json")
    assert done.exit_code == 7, done.stderr
    stored = json.loads(done.stdout)["inserted"]
    assert 0 < stored < 2500
    assert "HTTP 503 after 5 attempts" in done.stderr.splitlines()[-1]
    assert "were read and stored" in done.stderr.splitlines()[-1]
    rest = cli("ingest", proxy.url, "--until", "2026-11-01", "--format", "json")  # goes on from the newest call read
    assert rest.exit_code == 0, rest.stderr
    assert json.loads(rest.stdout)["inserted"] == 2500 - stored


@pytest.mark.parametrize("url", ["https://h:notaport/spend/logs/v2", "https://u:secret-pw@h:99999/spend/logs/v2",
                                 "https://example.com/other", "http://"])
def test_a_malformed_url_is_a_usage_error_without_its_password(cli, url):
    done = cli("ingest", url)
    assert done.exit_code == 2 and "is not a LiteLLM spend-logs URL" in done.stderr
    assert "secret-pw" not in done.stderr
