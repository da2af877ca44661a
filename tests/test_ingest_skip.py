"""A cron job ingests a growing set of files every night: a file unchanged since an earlier
ingest is skipped without being read, and anything else is read as before (issue 15)."""

from __future__ import annotations

import json
import os

import duckdb

from conftest import slp, write_jsonl
from test_bucket_ingest import bucket


def ledger(db) -> list:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT ingest_id, rows_read, inserted, duplicates FROM ingests ORDER BY ingest_id").fetchall()
    finally:
        con.close()


def query(db, sql: str) -> list:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def stored_calls(db) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM calls").fetchone()[0]
    finally:
        con.close()


def month(path, calls: int = 300):
    """A JSON lines file well over twice the fingerprint's 64 KiB ends."""
    return write_jsonl(path, [slp(f"call-{i:04d}", startTime=1790850000.0 + 60 * i) for i in range(calls)])


def test_an_unchanged_file_is_skipped_and_said_so(cli, db, tmp_path):
    path = month(tmp_path / "callbacks.jsonl")
    first = cli("ingest", path, "--format", "json").json()
    assert (first["inserted"], first["skipped"]) == (300, 0)

    again = cli("ingest", path, "--format", "json")
    assert again.exit_code == 0, again.stderr
    doc = again.json()
    assert (doc["rows_read"], doc["inserted"], doc["duplicates"], doc["skipped"]) == (0, 0, 0, 1)
    [skipped] = doc["files"]
    assert (skipped["skipped"], skipped["ingest_id"], skipped["reader"], skipped["blake3"]) == (
        True, 1, "none", first["files"][0]["blake3"])
    assert f"litecost: skipped: already ingested: {path} is unchanged since ingest 1; --reread reads it again" in again.stderr
    assert ledger(db) == [(1, 300, 300, 0)]  # a skip stores nothing

    table = cli("ingest", path, "--format", "table")
    assert "(unchanged, skipped)" in table.stdout

    reread = cli("ingest", path, "--reread", "--format", "json").json()
    assert (reread["rows_read"], reread["duplicates"], reread["skipped"]) == (300, 300, 0)
    assert ledger(db) == [(1, 300, 300, 0), (2, 300, 0, 300)]


def test_a_touched_file_or_a_copy_elsewhere_is_recognised_by_its_content(cli, db, tmp_path):
    path = month(tmp_path / "callbacks.jsonl")
    assert cli("ingest", path).exit_code == 0
    os.utime(path, ns=(1_800_000_000_000_000_000, 1_800_000_000_000_000_000))  # synced again: a new time
    copy = tmp_path / "archive" / "callbacks-copy.jsonl"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    doc = cli("ingest", path, copy, "--format", "json").json()
    assert [(f["skipped"], f["ingest_id"]) for f in doc["files"]] == [(True, 1), (True, 1)]
    assert ledger(db) == [(1, 300, 300, 0)]


def append(path, records: list, raw: str = "") -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in records) + raw)


def test_a_grown_file_is_read_from_where_its_last_ingest_stopped(cli, db, tmp_path):
    path = month(tmp_path / "callbacks.jsonl")
    size_then = path.stat().st_size
    assert cli("ingest", path).exit_code == 0
    append(path, [slp("call-new-1"), slp("call-new-2", prompt_tokens=-5), slp("call-new-3")])
    run = cli("ingest", path, "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert (doc["rows_read"], doc["inserted"], doc["duplicates"], doc["rejected"]) == (3, 2, 0, 1)
    [grown] = doc["files"]
    assert (grown["first_byte"], grown["appended_since"], grown["first_reject"]) == (
        size_then, 1, '302: prompt_tokens "-5" is not a whole, non-negative token count')
    assert f"litecost: {path}: read the 3 line(s) appended since ingest 1, from line 301 (byte {size_then:,})" in run.stderr
    assert query(db, "SELECT request_id, source_line FROM calls WHERE ingest_id = 2 ORDER BY 2") == [
        ("call-new-1", 301), ("call-new-3", 303)]
    assert query(db, "SELECT line FROM rejects") == [(302,)]
    # And again: the next part follows this one.
    append(path, [slp("call-new-4")])
    again = cli("ingest", path, "--format", "json").json()
    assert (again["rows_read"], again["inserted"], again["files"][0]["appended_since"]) == (1, 1, 2)
    assert query(db, "SELECT source_line FROM calls WHERE request_id = 'call-new-4'") == [(304,)]
    assert stored_calls(db) == 303


def test_a_last_line_being_written_is_read_again_once_whole(cli, db, tmp_path):
    path = write_jsonl(tmp_path / "callbacks.jsonl", [slp("a"), slp("b")])
    whole = json.dumps(slp("c"))
    append(path, [], raw=whole[:40])  # LiteLLM is writing line 3
    first = cli("ingest", path, "--format", "json").json()
    assert (first["rows_read"], first["inserted"], first["rejected"]) == (3, 2, 1)
    append(path, [], raw=whole[40:60])  # still not whole: nothing to read yet
    waiting = cli("ingest", path, "--format", "json").json()
    assert (waiting["rows_read"], waiting["skipped"], waiting["files"][0]["appended_since"]) == (0, 0, 1)
    append(path, [], raw=whole[60:] + "\n")
    append(path, [slp("d")])
    done = cli("ingest", path, "--format", "json").json()
    assert (done["rows_read"], done["inserted"], done["rejected"]) == (2, 2, 0)
    assert query(db, "SELECT request_id, source_line FROM calls ORDER BY 2") == [("a", 1), ("b", 2), ("c", 3), ("d", 4)]


def test_a_file_rewritten_or_read_with_reread_is_read_in_full(cli, db, tmp_path):
    path = month(tmp_path / "callbacks.jsonl")
    assert cli("ingest", path).exit_code == 0
    append(path, [slp("call-new-1")])
    reread = cli("ingest", path, "--reread", "--format", "json").json()
    assert (reread["rows_read"], reread["inserted"], reread["files"][0]["first_byte"]) == (301, 1, 0)
    rewritten = [slp("call-first")] + [slp(f"call-{i:04d}", startTime=1790850000.0 + 60 * i) for i in range(300)]
    write_jsonl(path, rewritten + [slp("call-new-1"), slp("call-new-2")])  # grown, but not by appending
    doc = cli("ingest", path, "--format", "json").json()
    assert (doc["rows_read"], doc["inserted"], doc["duplicates"], doc["files"][0]["first_byte"]) == (303, 2, 301, 0)


def test_a_file_changed_in_place_is_read_again(cli, db, tmp_path):
    path = month(tmp_path / "callbacks.jsonl")
    assert cli("ingest", path).exit_code == 0
    append(path, [slp("call-new-1"), slp("call-new-2")])
    grown = cli("ingest", path, "--format", "json").json()
    assert (grown["rows_read"], grown["inserted"], grown["duplicates"], grown["skipped"]) == (2, 2, 0, 0)
    # Changed in place, the same size, a new time: its middle differs, which its digest tells.
    text = path.read_text()
    changed = text.replace('"call-0150"', '"call-9150"', 1)
    assert len(changed) == len(text)
    path.write_text(changed)
    doc = cli("ingest", path, "--format", "json").json()
    assert (doc["rows_read"], doc["inserted"], doc["duplicates"], doc["skipped"]) == (302, 1, 301, 0)
    assert stored_calls(db) == 303


def test_another_reading_of_the_same_file_is_not_skipped(cli, db, tmp_path):
    path = month(tmp_path / "callbacks.jsonl", calls=3)
    assert cli("ingest", path).exit_code == 0
    other_zone = cli("ingest", path, "--source-tz", "Europe/Berlin", "--format", "json").json()
    assert (other_zone["rows_read"], other_zone["skipped"]) == (3, 0)


def test_strict_reads_again_a_file_whose_earlier_ingest_had_rejects(cli, db, tmp_path):
    path = write_jsonl(tmp_path / "callbacks.jsonl", [slp("a"), slp("b", prompt_tokens=-5)])
    assert cli("ingest", path).exit_code == 0
    assert cli("ingest", path, "--format", "json").json()["skipped"] == 1
    strict = cli("ingest", path, "--strict")
    assert strict.exit_code == 3, strict.stderr
    assert "--strict" in strict.stderr


def test_a_bucket_with_a_new_day_is_read_again_and_stores_only_the_new_calls(cli, db, tmp_path):
    root = tmp_path / "bucket"
    bucket(root, {f"2026-10-01/call-{i}.json": slp(f"call-{i}") for i in range(4)})
    assert cli("ingest", root).exit_code == 0
    assert cli("ingest", root, "--format", "json").json()["skipped"] == 1
    bucket(root, {"2026-10-02/call-9.json": slp("call-9")})
    doc = cli("ingest", root, "--format", "json").json()
    assert (doc["rows_read"], doc["inserted"], doc["duplicates"], doc["skipped"]) == (5, 1, 4, 0)


def test_neither_a_skipped_nor_a_grown_file_is_hashed_whole(cli, db, tmp_path, monkeypatch):
    from litecost import files

    path = month(tmp_path / "callbacks.jsonl")
    assert cli("ingest", path).exit_code == 0
    hashed = []
    real = files.digest_of
    monkeypatch.setattr(files, "digest_of", lambda p, *a, **k: hashed.append(p) or real(p, *a, **k))
    assert cli("ingest", path, "--format", "json").json()["skipped"] == 1
    append(path, [slp("call-new-1")])
    assert cli("ingest", path, "--format", "json").json()["rows_read"] == 1
    assert hashed == []
    assert cli("ingest", path, "--reread", "--format", "json").json()["rows_read"] == 301
    assert hashed == [path]


def test_every_layout_is_skipped_when_unchanged_and_read_in_full_when_grown_unless_jsonl(cli, db, tmp_path):
    import gzip
    import shutil

    from conftest import DATA

    csv = tmp_path / "spendlogs.csv"
    shutil.copyfile(DATA / "spendlogs_v1110.csv", csv)
    gz = tmp_path / "callbacks.jsonl.gz"
    gz.write_bytes(gzip.compress(write_jsonl(tmp_path / "plain.jsonl", [slp("g1"), slp("g2")]).read_bytes()))
    inputs = [csv, gz, DATA / "spendlogs.parquet", DATA / "spendlogs_v2_page.json"]
    first = cli("ingest", *inputs, "--format", "json").json()
    assert first["skipped"] == 0 and first["inserted"] > 0
    again = cli("ingest", *inputs, "--format", "json").json()
    assert [(f["skipped"], f["ingest_id"]) for f in again["files"]] == [(True, i) for i in range(1, 5)]
    assert again["rows_read"] == 0
    # A grown CSV or gzip file has no place to resume from: read in full, its old rows duplicates.
    rows = csv.read_text().splitlines()
    with csv.open("a") as fh:
        fh.write(rows[1].replace(rows[1].split(",")[0], "chatcmpl-appended-row", 1) + "\n")
    gz.write_bytes(gzip.compress((tmp_path / "plain.jsonl").read_bytes() + (json.dumps(slp("g3")) + "\n").encode()))
    grown = cli("ingest", csv, gz, "--format", "json")
    assert grown.exit_code == 0, grown.stderr
    by_path = {f["path"]: f for f in grown.json()["files"]}
    assert (by_path[str(csv)]["first_byte"], by_path[str(csv)]["inserted"]) == (0, 1)
    assert by_path[str(csv)]["duplicates"] == len(rows) - 1
    assert (by_path[str(gz)]["first_byte"], by_path[str(gz)]["inserted"], by_path[str(gz)]["duplicates"]) == (0, 1, 2)
