"""`litecost ingest postgresql://…`: the proxy's LiteLLM_SpendLogs table read straight from a
real PostgreSQL server (see `pg_server.py`), its schema made by LiteLLM's own migrations."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import assert_one_line_error
from pg_server import BASELINE

psycopg = pytest.importorskip("psycopg")
pytest.importorskip("litellm_proxy_extras")

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "spendlogs_2026-10.csv"


def load_sample(dsn: str) -> int:
    """The sample month's SpendLogs rows into LiteLLM_SpendLogs, column by column as the CSV
    has them (NULL and "" kept apart), for whichever of its columns the table has."""
    header = SAMPLE.read_text().split("\n", 1)[0].split(",")
    with psycopg.connect(dsn, autocommit=True) as conn:
        types = dict(conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = '\"LiteLLM_SpendLogs\"'::regclass AND attnum > 0 AND NOT attisdropped").fetchall())
        conn.execute("CREATE TEMP TABLE raw_rows (" + ", ".join(f'"{c}" text' for c in header) + ")")
        with conn.cursor().copy("COPY raw_rows FROM STDIN (FORMAT csv, HEADER)") as copy:
            copy.write(SAMPLE.read_bytes())
        present = [c for c in header if c in types]
        conn.execute(
            'INSERT INTO "LiteLLM_SpendLogs" (' + ", ".join(f'"{c}"' for c in present) + ") SELECT "
            + ", ".join(f'"{c}"::{types[c]}' for c in present) + " FROM raw_rows")
        return conn.execute('SELECT count(*) FROM "LiteLLM_SpendLogs"').fetchone()[0]


@pytest.fixture
def proxy_db(server):
    dsn = server.database()
    load_sample(dsn)
    yield dsn
    server.drop(dsn)


def calls_of(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * EXCLUDE (ingest_id, source_line) FROM calls ORDER BY request_id").fetchall()
    finally:
        con.close()


def export_csv(dsn: str, target: Path) -> Path:
    """The table as `psql -c "\\copy … TO … CSV HEADER"` writes it (psycopg's COPY where
    there is no psql: the same server-side COPY)."""
    if shutil.which("psql"):
        subprocess.run(["psql", dsn, "-qc", f'\\copy "LiteLLM_SpendLogs" TO \'{target}\' CSV HEADER'], check=True)
    else:  # pragma: no cover - psql is installed with the server
        with psycopg.connect(dsn) as conn, conn.cursor().copy(
                'COPY "LiteLLM_SpendLogs" TO STDOUT (FORMAT csv, HEADER)') as copy, open(target, "wb") as out:
            for block in copy:
                out.write(block)
    return target


def test_the_table_ingests_as_its_csv_export_does(cli, db, proxy_db, tmp_path):
    done = cli("ingest", proxy_db, "--format", "json")
    assert done.exit_code == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["rows_read"], doc["inserted"], doc["duplicates"], doc["rejected"]) == (2500, 2500, 0, 0)
    [file] = doc["files"]
    assert file["path"] == f"{proxy_db} (LiteLLM_SpendLogs)" and file["kind"] == "spendlogs"
    assert "2,500 row(s) with startTime from the first to the newest" in done.stderr

    exported = tmp_path / "other.duckdb"
    csv = export_csv(proxy_db, tmp_path / "spendlogs.csv")
    assert cli("--db", exported, "ingest", csv, use_db=False).exit_code == 0
    from_table, from_export = calls_of(db), calls_of(exported)
    assert len(from_table) == 2500 and from_table == from_export


def test_a_rerun_reads_only_the_overlap_and_then_exactly_the_new_rows(cli, db, proxy_db):
    assert cli("ingest", proxy_db, "--format", "json").exit_code == 0
    again = json.loads(cli("ingest", proxy_db, "--format", "json").stdout)
    # The calls that started in the hour before the newest one read: read again, stored once.
    with psycopg.connect(proxy_db) as conn:
        in_last_hour = conn.execute(
            'SELECT count(*) FROM "LiteLLM_SpendLogs" WHERE "startTime" >= '
            '(SELECT max("startTime") FROM "LiteLLM_SpendLogs") - interval \'1 hour\'').fetchone()[0]
        assert 0 < in_last_hour < 20
    assert (again["rows_read"], again["inserted"], again["duplicates"]) == (in_last_hour, 0, in_last_hour)

    with psycopg.connect(proxy_db, autocommit=True) as conn:  # 100 calls logged since, a day later
        conn.execute('CREATE TEMP TABLE later AS SELECT * FROM "LiteLLM_SpendLogs" ORDER BY request_id LIMIT 100')
        conn.execute("UPDATE later SET request_id = request_id || '-later', \"startTime\" = \"startTime\" + interval '31 days',"
                     " \"endTime\" = \"endTime\" + interval '31 days'")
        conn.execute('INSERT INTO "LiteLLM_SpendLogs" SELECT * FROM later')
    third = json.loads(cli("ingest", proxy_db, "--format", "json").stdout)
    assert third["inserted"] == 100 and third["rejected"] == 0 and third["conflicts"] == 0


def test_since_and_until_bound_a_backfill(cli, db, proxy_db):
    with psycopg.connect(proxy_db) as conn:
        expected = conn.execute(
            'SELECT count(*) FROM "LiteLLM_SpendLogs" WHERE "startTime" >= \'2026-10-10\' AND "startTime" < \'2026-10-12\''
        ).fetchone()[0]
    done = cli("ingest", proxy_db, "--since", "2026-10-10", "--until", "2026-10-12", "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["inserted"] == expected > 0
    assert "from 2026-10-10 00:00:00 UTC before 2026-10-12 00:00:00 UTC" in done.stderr
    # The next run without bounds goes on from the newest call read (less the overlap):
    # it does not read the month again.
    rest = json.loads(cli("ingest", proxy_db, "--format", "json").stdout)
    assert rest["rows_read"] < 2500 - expected + 20


def test_an_older_litellm_schema_is_read_with_the_columns_it_has(cli, db, server):
    dsn = server.database(upto=BASELINE)
    try:
        assert load_sample(dsn) == 2500
        done = cli("ingest", dsn, "--format", "json")
        assert done.exit_code == 0, done.stderr
        assert json.loads(done.stdout)["inserted"] == 2500
    finally:
        server.drop(dsn)


def test_the_password_never_leaves_the_command_line(db, proxy_db, tmp_path):
    """Real process: a password in the URL (trust auth accepts it) is in no output, ledger
    row or byte of the database."""
    canary = "pw-canary-51c0ffee"
    user, rest = proxy_db.split("://", 1)[1].split("@", 1)
    dsn = f"postgresql://{user}:{canary}@{rest}"
    done = subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), "ingest", dsn, "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert canary not in done.stdout + done.stderr
    assert json.loads(done.stdout)["files"][0]["path"] == f"{proxy_db} (LiteLLM_SpendLogs)"
    assert canary.encode() not in db.read_bytes()


def test_a_server_that_does_not_answer_is_exit_7_and_one_line(db, tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), "ingest",
                           f"postgresql://litellm:hunter2-secret@127.0.0.1:{port}/litellm"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PGCONNECT_TIMEOUT": "3"})
    assert_one_line_error(done, 7, f"postgresql://litellm@127.0.0.1:{port}/litellm", "cannot connect")
    assert "hunter2" not in done.stderr and not db.exists()


def test_a_missing_table_or_database_is_a_one_line_error(db, proxy_db):
    done = subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), "ingest", proxy_db, "--table", "Nope"],
                          capture_output=True, text=True, timeout=60)
    assert_one_line_error(done, 3, "no table 'Nope'")
    missing = proxy_db.rsplit("/", 1)[0] + "/no_such_db"
    done = subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), "ingest", missing],
                          capture_output=True, text=True, timeout=60)
    assert_one_line_error(done, 2, "no_such_db")


def test_since_without_a_live_source_is_a_usage_error(cli, tmp_path):
    done = cli("ingest", str(SAMPLE), "--since", "2026-10-01")
    assert done.exit_code == 2 and "live source" in done.stderr


def test_the_python_api_reads_the_same_source(proxy_db, tmp_path):
    from datetime import datetime, timezone

    import litecost

    lc = litecost.open(tmp_path / "api.duckdb")
    first = lc.ingest(proxy_db, since=datetime(2026, 10, 20, tzinfo=timezone.utc))
    assert first.total("inserted") > 0 and first.files[0].path.endswith("(LiteLLM_SpendLogs)")
    assert lc.ingest(proxy_db).total("inserted") == 0  # goes on from the newest call read
