"""A folder of many small callback JSON lines files (a logger rotating hourly, one file per
worker or per day) is read as one bundle: ~0.2 s of statements per file made 300 files of
five lines take over a minute (issue 21), where one read takes under a second. Every line is
still accounted for at its own file and line."""

from __future__ import annotations

import json
import time

from conftest import slp, write_jsonl
from litecost.store import Store


def stored(db, sql: str) -> list:
    with Store.open(db, read_only=True) as store:
        return store.con.execute(sql).fetchall()


def hourly_files(root, files: int, lines: int, prefix: str = "call") -> list:
    """`files` JSON lines files of `lines` calls each, one per hour of October."""
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for f in range(files):
        records = [slp(f"{prefix}-{f}-{i}", startTime=1790812800.0 + 3600 * f + i, prompt_tokens=1000 + i) for i in range(lines)]
        written.append(write_jsonl(root / f"litellm-{f:04d}.jsonl", records))
    return written


def test_many_small_files_are_one_read_with_every_line_at_its_own_file_and_line(cli, db, tmp_path):
    paths = hourly_files(tmp_path / "logs", 40, 5)
    bad = paths[17].read_text().splitlines()
    bad[2] = json.dumps(slp("call-17-2", completion_tokens="lots"))  # line 3 of the 18th file
    paths[17].write_text("\n".join(bad) + "\n")
    twin = json.loads(paths[3].read_text().splitlines()[0])  # logged again, 36 files later, costing more
    paths[39].write_text(paths[39].read_text() + json.dumps({**twin, "response_cost": 9.99}) + "\n")

    run = cli("ingest", tmp_path / "logs", "--format", "json")
    assert run.exit_code == 0, run.stderr
    [bundle] = run.json()["files"]
    assert (bundle["files"], bundle["rows_read"], bundle["inserted"], bundle["duplicates"], bundle["rejected"],
            bundle["conflicts"]) == (40, 201, 199, 1, 1, 1)
    assert bundle["description"].startswith("40 files (") and bundle["description"].endswith("as LiteLLM callback JSON lines")
    assert bundle["first_reject"].startswith(f"{paths[17]}:3: completion_tokens")
    assert stored(db, "SELECT path, line FROM rejects") == [(str(paths[17]), 3)]
    assert stored(db, "SELECT path, line, request_id FROM duplicate_conflicts") == [(str(paths[39]), 6, "call-3-0")]
    assert stored(db, "SELECT count(*) FROM ingests") == [(1,)]

    # The same calls as one file of the same lines stores.
    one = tmp_path / "all.jsonl"
    one.write_text("".join(p.read_text() for p in paths))
    other = tmp_path / "other.duckdb"
    assert cli("--db", other, "ingest", one, use_db=False).exit_code == 0
    query = "SELECT * EXCLUDE (ingest_id) FROM calls ORDER BY request_id"
    assert stored(db, query) == stored(other, query)

    unchanged = cli("ingest", tmp_path / "logs", "--format", "json").json()
    assert [(f["skipped"], f["rows_read"]) for f in unchanged["files"]] == [(True, 0)]
    hourly_files(tmp_path / "logs" / "later", 1, 3, prefix="later")  # one more hour: the folder is read again
    grown = cli("ingest", tmp_path / "logs", "--format", "json").json()
    assert [(f["files"], f["rows_read"], f["inserted"], f["rejected"]) for f in grown["files"]] == [(41, 204, 3, 1)]
    assert stored(db, "SELECT count(*) FROM rejects") == [(1,)]  # the same file's reject is not stored twice


def test_three_hundred_small_files_take_seconds_not_minutes(cli, db, tmp_path):
    hourly_files(tmp_path / "logs", 300, 5)
    started = time.monotonic()
    run = cli("ingest", tmp_path / "logs", "--format", "json")
    took = time.monotonic() - started
    assert run.exit_code == 0, run.stderr
    assert [(f["files"], f["inserted"]) for f in run.json()["files"]] == [(300, 1500)]
    assert took < 20, f"{took:.1f} s"  # 68 s when each file was read on its own; ~1 s as one


def test_a_file_that_is_not_plain_lines_or_named_is_read_on_its_own(cli, db, tmp_path):
    paths = hourly_files(tmp_path / "logs", 3, 2)
    cut = tmp_path / "logs" / "litellm-0003.jsonl"  # the logger died mid-line
    cut.write_text(json.dumps(slp("call-3-0")) + "\n" + json.dumps(slp("call-3-1"))[:40])
    big = write_jsonl(tmp_path / "logs" / "litellm-0004.jsonl", [slp(f"big-{i}", messages=[{"content": "x" * 1000}])
                                                               for i in range(1100)])  # over 1 MiB
    run = cli("ingest", tmp_path / "logs", "--format", "json")
    assert run.exit_code == 0, run.stderr
    files = run.json()["files"]
    assert [(f["path"], f["files"], f["rows_read"], f["rejected"]) for f in files] == [
        (str(tmp_path / "logs"), 3, 6, 0), (str(cut), 1, 2, 1), (str(big), 1, 1100, 0)]
    named = cli("ingest", *paths, "--reread", "--format", "json").json()["files"]
    assert [f["path"] for f in named] == [str(p) for p in paths]


def test_a_shell_glob_of_many_small_files_is_one_read_too(cli, db, tmp_path):
    # `litecost ingest logs/*.jsonl`: the shell names every file. Fifteen stay files of their
    # own, each a ledger row; sixteen or more small ones join a bundle, as a folder's would.
    few = hourly_files(tmp_path / "few", 15, 2)
    run = cli("ingest", *few, "--format", "json")
    assert [f["files"] for f in run.json()["files"]] == [1] * 15
    many = hourly_files(tmp_path / "many", 16, 2, prefix="many")
    [bundle] = cli("ingest", *many, "--format", "json").json()["files"]
    assert (bundle["path"], bundle["files"], bundle["inserted"]) == (str(tmp_path / "many"), 16, 32)


def test_a_folder_read_again_stores_its_rejects_and_conflicts_once(cli, db, tmp_path):
    paths = hourly_files(tmp_path / "logs", 3, 2)
    paths[1].write_text(paths[1].read_text() + '{"id": "broken", "prompt_tokens": -1}\n')
    paths[2].write_text(paths[2].read_text() + json.dumps(slp("call-0-0", response_cost=5.0)) + "\n")
    first = cli("ingest", tmp_path / "logs", "--format", "json").json()["files"][0]
    assert (first["rejected"], first["conflicts"]) == (1, 1)
    hourly_files(tmp_path / "logs" / "later", 1, 1, prefix="later")
    again = cli("ingest", tmp_path / "logs", "--format", "json").json()["files"][0]
    assert (again["files"], again["inserted"], again["rejected"], again["conflicts"]) == (4, 1, 1, 1)
    assert stored(db, "SELECT ingest_id, path, line FROM rejects") == [(1, str(paths[1]), 3)]
    assert stored(db, "SELECT ingest_id, path, line FROM duplicate_conflicts") == [(1, str(paths[2]), 3)]
