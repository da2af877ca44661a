"""The store: migrations, version checks, transactions, locking."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from litecost import store as store_module
from litecost.errors import DatabaseBusyError, DatabaseError
from litecost.store import SCHEMA_VERSION, Store


def test_new_database_gets_every_migration(db):
    with Store.open(db) as store:
        assert store.applied_version() == SCHEMA_VERSION
        assert {"calls", "ingests", "rejects", "duplicate_conflicts", "_litecost_migrations"} <= set(store.table_counts())


def test_opening_an_older_database_upgrades_it(db, monkeypatch):
    later = (SCHEMA_VERSION + 1, "a later change", ["CREATE TABLE later_table (x INTEGER)"])
    with Store.open(db) as store:
        store.con.execute("INSERT INTO ingests SELECT 1, 'f', 'spendlogs', 'csv', 'x', 0, 0, 0, 0, 0, 0, 'UTC', now(), now(), '0', NULL, NULL, NULL, NULL, NULL, NULL, NULL")
    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, later])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", later[0])
    with Store.open(db) as store:
        assert store.applied_version() == later[0]
        assert store.table_counts()["later_table"] == 0
        assert store.table_counts()["ingests"] == 1  # data from before survives


def test_a_read_only_open_upgrades_an_older_database_first(db, monkeypatch):
    later = (SCHEMA_VERSION + 1, "a later change", ["CREATE TABLE later_table (x INTEGER)"])
    Store.open(db).close()
    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, later])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", later[0])
    with Store.open(db, read_only=True) as store:
        assert store.read_only
        assert store.applied_version() == later[0]
        assert store.table_counts()["later_table"] == 0


def test_upgrading_drops_the_scratch_table_older_versions_left(db, monkeypatch):
    with monkeypatch.context() as before:  # a version-3 file that ingested a JSON list
        before.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:3])
        before.setattr(store_module, "SCHEMA_VERSION", 3)
        with Store.open(db) as store:
            store.con.execute("CREATE TABLE lc_read_rejects (line BIGINT, error_type VARCHAR)")
    with Store.open(db, read_only=True) as store:
        assert "lc_read_rejects" not in store.table_counts()
        assert store.applied_version() == SCHEMA_VERSION


def test_a_database_from_a_newer_litecost_is_refused(db):
    with Store.open(db) as store:
        store.con.execute("INSERT INTO _litecost_migrations VALUES (999, 'future', now(), '9.9')")
    with pytest.raises(DatabaseError, match="newer than this litecost"):
        Store.open(db)


def test_a_file_that_is_not_duckdb_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("hello, not a database\n")
    with pytest.raises(DatabaseError, match="is not a DuckDB database; litecost left it untouched"):
        Store.open(path)


def test_failed_transaction_leaves_nothing(db):
    with Store.open(db) as store:
        with pytest.raises(duckdb.Error):
            with store.transaction() as con:
                con.execute("INSERT INTO rejects VALUES (1, 'f', 1, 'r', 'e')")
                con.execute("SELECT * FROM no_such_table")
        assert store.table_counts()["rejects"] == 0


def test_an_ingest_commit_checkpoints_without_logging_the_calls_first(db, tmp_path):
    # The direct ingest numbers the calls it wrote (an UPDATE), after which DuckDB would
    # write every one of them to the WAL at commit, only to checkpoint them at close.
    from conftest import slp, write_jsonl

    from litecost.sources.ingest import detect_files, ingest

    path = write_jsonl(tmp_path / "cb.jsonl", [slp(f"chatcmpl-{i}", metadata={"note": "x" * 200}) for i in range(3000)])
    wal = db.with_name(db.name + ".wal")
    with Store.open(db) as store:
        result = ingest(store, detect_files([str(path)], "auto"))
        assert (result.total("inserted"), result.files[0].reader) == (3000, "typed")
        assert not wal.exists() or wal.stat().st_size < 64 * 1024, wal.stat().st_size
        assert store.con.execute("SELECT min(source_line), max(source_line) FROM calls").fetchone() == (1, 3000)
    with duckdb.connect(str(db), read_only=True) as con:  # and it is all there, from the file alone
        assert con.execute("SELECT count(*), max(source_line) FROM calls").fetchone() == (3000, 3000)


def _hold_lock(db, seconds: float) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(db)!r})
        print("ready", flush=True)
        time.sleep({seconds})
        con.close()
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    return holder


def test_second_writer_gets_busy_error(db):
    Store.open(db).close()
    holder = _hold_lock(db, 30)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusyError, match="in use by another litecost process"):
            Store.open(db)
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()


def test_writer_waits_for_the_lock_when_asked(db):
    Store.open(db).close()
    holder = _hold_lock(db, 1.0)
    try:
        with Store.open(db, wait_seconds=20) as store:
            assert store.applied_version() == SCHEMA_VERSION
    finally:
        holder.wait()


def test_upgrading_rebuilds_calls_without_the_key_index_and_keeps_every_call(cli, db, tmp_path, monkeypatch):
    from conftest import slp, write_jsonl

    path = write_jsonl(tmp_path / "cb.jsonl", [slp("chatcmpl-1"), slp("chatcmpl-2")])
    current = tmp_path / "current.duckdb"
    assert cli("--db", current, "ingest", path, "--format", "json", use_db=False).exit_code == 0
    with monkeypatch.context() as before:  # a store of version 4, whose calls had a primary-key index
        before.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:4])
        before.setattr(store_module, "SCHEMA_VERSION", 4)
        with Store.open(db) as store:
            store.con.execute("ATTACH ? AS current (READ_ONLY)", [str(current)])
            store.con.execute("INSERT INTO ingests SELECT * EXCLUDE (mtime_ns, head_sha256, tail_sha256, first_byte, next_byte, next_line, blake3) REPLACE (coalesce(sha256, repeat('0', 64)) AS sha256) FROM current.ingests")
            store.con.execute("INSERT INTO calls BY NAME SELECT * EXCLUDE (usage_logged, vertex_location, litellm_cost_failure, placeholder_id) FROM current.calls")
            store.con.execute("DETACH current")

    def key_constraints() -> list:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute(
                "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'calls'"
                " AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
            ).fetchall()
        finally:
            con.close()

    assert key_constraints() == [("PRIMARY KEY",)]
    again = cli("ingest", path, "--format", "json")  # upgrades, then finds both stored
    assert again.exit_code == 0, again.stderr
    assert key_constraints() == []
    with Store.open(db, read_only=True) as store:
        assert store.applied_version() == SCHEMA_VERSION
        assert store.con.execute("SELECT list(request_id ORDER BY request_id) FROM calls").fetchone()[0] == [
            "chatcmpl-1",
            "chatcmpl-2",
        ]


def test_a_ledger_from_before_blake3_keeps_its_sha256_and_still_skips_an_unchanged_file(cli, db, tmp_path, monkeypatch):
    import json

    from conftest import slp, write_jsonl

    from litecost.files import sha256_of

    path = write_jsonl(tmp_path / "cb.jsonl", [slp("chatcmpl-1"), slp("chatcmpl-2")])
    current = tmp_path / "current.duckdb"
    assert cli("--db", current, "ingest", path, "--format", "json", use_db=False).exit_code == 0
    with monkeypatch.context() as before:  # a store of version 12, whose ledger had only sha256
        before.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:12])
        before.setattr(store_module, "SCHEMA_VERSION", 12)
        with Store.open(db) as store:
            store.con.execute("ATTACH ? AS current (READ_ONLY)", [str(current)])
            store.con.execute("INSERT INTO ingests SELECT * EXCLUDE (blake3) REPLACE (? AS sha256) FROM current.ingests",
                              [sha256_of(path)])
            store.con.execute("INSERT INTO calls SELECT * FROM current.calls")
            store.con.execute("DETACH current")
    again = cli("ingest", path, "--format", "json")  # upgrades; the file is unchanged since
    assert again.exit_code == 0, again.stderr
    skipped = json.loads(again.stdout)["files"][0]
    assert (skipped["skipped"], skipped["ingest_id"], skipped["blake3"]) == (True, 1, None)
    ledger = json.loads(cli("db", "ingests", "--format", "json").stdout)["ingests"]
    assert [(i["ingest_id"], i["sha256"], i["blake3"]) for i in ledger] == [(1, sha256_of(path), None)]

    os.utime(path, ns=(1, 1))  # touched: only the whole content could tell, and the old row has no BLAKE3
    reread = json.loads(cli("ingest", path, "--format", "json").stdout)["files"][0]
    assert (reread["skipped"], reread["inserted"], reread["duplicates"], len(reread["blake3"])) == (False, 0, 2, 64)


# -- the schema, frozen ------------------------------------------------------------

SCHEMA_SNAPSHOT = Path(__file__).parent / "data" / "schema.txt"


def _schema(con) -> str:
    """Every table's columns (type, nullability, default) and every sequence, one per line."""
    columns = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns()"
        " WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name, column_index"
    ).fetchall()
    sequences = con.execute(
        "SELECT sequence_name FROM duckdb_sequences() WHERE database_name = current_database() ORDER BY 1"
    ).fetchall()
    lines = [f"{t}.{c} {ty}{'' if nullable else ' NOT NULL'}{f' DEFAULT {d}' if d else ''}" for t, c, ty, nullable, d in columns]
    return "\n".join(lines + [f"sequence {s}" for (s,) in sequences]) + "\n"


def test_a_new_database_has_the_snapshot_schema(db):
    """A change to the schema is a new migration and a new snapshot line, on purpose:
    regenerate with LITECOST_UPDATE_SCHEMA=1 and read the diff."""
    with Store.open(db) as store:
        actual = _schema(store.con)
    if os.environ.get("LITECOST_UPDATE_SCHEMA"):
        SCHEMA_SNAPSHOT.write_text(actual)
    assert actual == SCHEMA_SNAPSHOT.read_text()


@pytest.mark.parametrize("stopped_at", range(1, SCHEMA_VERSION))
def test_a_database_from_any_earlier_version_upgrades_to_the_same_schema(tmp_path, monkeypatch, stopped_at):
    older = tmp_path / "older.duckdb"
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:stopped_at])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", stopped_at)
    Store.open(older).close()
    monkeypatch.undo()
    with Store.open(older) as store:
        assert store.applied_version() == SCHEMA_VERSION
        assert _schema(store.con) == SCHEMA_SNAPSHOT.read_text()


def test_migrations_are_literal_text():
    """No migration may take a name or a type from today's code: its module imports nothing."""
    import ast

    import litecost.store.migrations as migrations

    tree = ast.parse(Path(migrations.__file__).read_text())
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and n.module != "__future__"]
    assert imports == []
    assert not any(isinstance(n, ast.JoinedStr) for n in ast.walk(tree))
    assert [number for number, _, _ in migrations.MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))
