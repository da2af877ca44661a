"""`litecost invoices fetch openai`: the Costs API read through real sockets from a loopback
server that pages recorded, real-shaped buckets with cursors, as the API does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from loopback import LoopbackJson

BILLING = Path(__file__).parent / "data" / "billing"
KEY = "sk-admin-test-key-000111"


class CostsApi(LoopbackJson):
    """GET /v1/organization/costs over the buckets of a recorded export: `start_time` ≤ a
    bucket's start < `end_time`, at most `per_page` buckets a page (fewer than `limit`
    is the server's right), cursors `next_page`."""

    def __init__(self, buckets: list[dict], per_page: int = 1) -> None:
        super().__init__()
        self.buckets, self.per_page = buckets, per_page
        self.base_url = self.origin

    def handle(self, handler, path: str, query: dict[str, list[str]], fault) -> None:  # noqa: ANN001
        if path != "/v1/organization/costs":
            return self.send(handler, 404, {"error": {"message": "not found"}})
        if handler.headers.get("Authorization") != f"Bearer {KEY}":
            return self.send(handler, 401, {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error"}})
        if fault is not None:
            return self.send_fault(handler, fault)
        start, end = int(query["start_time"][0]), int(query.get("end_time", [2**62])[0])
        inside = [b for b in self.buckets if start <= b["start_time"] < end]
        first = int(query.get("page", ["page_0"])[0].removeprefix("page_"))
        page = inside[first:first + min(self.per_page, int(query.get("limit", [7])[0]))]
        more = first + len(page) < len(inside)
        self.send(handler, 200, {"object": "page", "data": page, "has_more": more,
                                 "next_page": f"page_{first + len(page)}" if more else None})


@pytest.fixture
def api(monkeypatch):
    pages = json.loads((BILLING / "openai_costs_api_extra_pages.json").read_text())
    server = CostsApi([bucket for page in pages for bucket in page["data"]])
    monkeypatch.setenv("OPENAI_ADMIN_KEY", KEY)
    yield server
    server.close()


def lines(db: Path) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * EXCLUDE (invoice_file_id) FROM invoice_lines ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_fetched_pages_import_as_the_same_export_does(cli, db, api, tmp_path):
    done = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path / "bills",
               "--base-url", api.base_url, "--format", "json")
    assert done.exit_code == 0, done.stderr
    [imported] = json.loads(done.stdout)["files"]
    assert imported["layout"] == "openai_costs_json" and str(imported["total_amount"]) == "9.49"
    assert len(api.requests) == 2 and api.requests[1]["page"] == ["page_1"]  # two pages, by cursor
    first = api.requests[0]
    assert first["start_time"] == ["1748736000"] and first["end_time"] == ["1751328000"]  # June 2025, UTC
    assert first["bucket_width"] == ["1d"] and first["group_by"] == ["line_item", "project_id"]
    saved = tmp_path / "bills" / "openai-costs-2025-06.json"
    sidecar = json.loads((tmp_path / "bills" / "openai-costs-2025-06.fetch.json").read_text())
    assert sidecar["pages"] == 2 and sidecar["params"]["start_time"] == 1748736000
    assert KEY not in saved.read_text() + json.dumps(sidecar) + done.stderr

    direct = tmp_path / "direct.duckdb"
    assert cli("--db", direct, "invoices", "import", BILLING / "openai_costs_api_extra_pages.json", use_db=False).exit_code == 0
    assert lines(db) == lines(direct) and len(lines(db)) == 11


def test_429_and_a_500_are_retried(cli, api, tmp_path):
    api.faults[:] = [(429, "1"), (500, None)]
    done = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url)
    assert done.exit_code == 0, done.stderr
    assert len(api.requests) == 4 and "2 page(s) fetched in 4 request(s)" in done.stderr


def test_a_refused_key_is_exit_2_and_saves_nothing(db, api, tmp_path):
    done = subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), "invoices", "fetch", "openai",
                           "--period", "2025-06", "--dir", str(tmp_path / "bills"), "--base-url", api.base_url],
                          capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, "OPENAI_ADMIN_KEY": "sk-proj-not-an-admin-key"})
    assert_one_line_error(done, 2, "refused the key", "HTTP 401", "OPENAI_ADMIN_KEY", "admin key")
    assert "sk-proj-not" not in done.stderr and not (tmp_path / "bills").exists() and not db.exists()


def test_no_key_is_a_usage_error(cli, api, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_ADMIN_KEY")
    done = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url)
    assert done.exit_code == 2 and "OPENAI_ADMIN_KEY" in done.stderr and not api.requests


def test_an_empty_period_is_fetched_and_imported_as_no_lines(cli, api, tmp_path):
    done = cli("invoices", "fetch", "openai", "--period", "2025-07", "--dir", tmp_path, "--base-url", api.base_url,
               "--format", "json")
    assert done.exit_code == 0, done.stderr
    [imported] = json.loads(done.stdout)["files"]
    assert imported["rows_read"] == 0 and imported["lines"] == 0
    assert (tmp_path / "openai-costs-2025-07.json").is_file() and len(api.requests) == 1


def test_a_later_fetch_of_the_period_supersedes_the_earlier(cli, api, tmp_path):
    everything = api.buckets
    api.buckets = everything[:1]  # mid-month: the first day billed so far
    first = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url,
                "--format", "json")
    api.buckets = everything
    second = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url,
                 "--format", "json")
    assert first.exit_code == second.exit_code == 0, second.stderr
    [earlier], [later] = json.loads(first.stdout)["files"], json.loads(second.stdout)["files"]
    assert later["supersedes"] == [earlier["invoice_file_id"]] and str(later["total_amount"]) == "9.49"
    listed = cli("invoices", "list", "--format", "json").stdout
    assert [f["invoice_file_id"] for f in json.loads(listed)["invoice_files"]] == [later["invoice_file_id"]]
