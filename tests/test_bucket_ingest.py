"""A synced LiteLLM bucket (the `s3` / `gcs_bucket` loggers: one StandardLoggingPayload object
per file in date folders) is ingested as one bundle: one read, one ledger row, one stderr line,
and still every file accounted for (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import slp, write_jsonl
from litecost.store import Store


def bucket(root, objects: dict[str, dict | str]) -> list:
    """Write `objects` ({"2026-10-01/id.json": record or raw text}) under `root`, as synced."""
    paths = []
    for name, record in objects.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(record if isinstance(record, str) else json.dumps(record), encoding="utf-8")
        paths.append(path)
    return paths


def stored(db, sql: str) -> list:
    with Store.open(db, read_only=True) as store:
        return store.con.execute(sql).fetchall()


def test_a_bucket_tree_is_one_bundle_with_every_file_accounted_for(cli, db, tmp_path):
    root = tmp_path / "litellm-logs"
    bucket(root, {
        "2026-10-01/call-a.json": slp("call-a"),
        "2026-10-01/call-b.json": slp("call-b", startTime=1790850100.0),
        "2026-10-02/call-c.json": slp("call-c", startTime=1790936400.0),
        "2026-10-02/call-d.json": slp("call-d", prompt_tokens=-5),  # rejected, in its own file
        "2026-10-03/call-e.json": slp("call-e", startTime=1791022800.0),
        "2026-10-03/notes.json": json.dumps({"owner": "finops"}),  # not a log: skipped
    })
    write_jsonl(root / "2026-10-03" / "batch.jsonl", [slp("call-f"), slp("call-g")])  # a small JSONL file joins them

    run = cli("ingest", root, "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    [bundle] = doc["files"]
    assert (bundle["path"], bundle["files"], bundle["description"]) == (
        str(root), 6, "6 files (" + bundle["description"].split("(")[1].split(")")[0] + ") as LiteLLM callback JSON lines")
    assert (bundle["rows_read"], bundle["inserted"], bundle["duplicates"], bundle["rejected"]) == (7, 6, 0, 1)
    assert bundle["first_reject"] == f'{root}/2026-10-02/call-d.json:1: prompt_tokens "-5" is not a whole, non-negative token count'
    assert (doc["rows_read"], doc["inserted"], doc["rejected"]) == (7, 6, 1)

    lines = run.stderr.splitlines()
    assert sum("as LiteLLM callback JSON lines" in line for line in lines) == 1
    assert any(line.startswith(f"litecost: {root}: 6 files (") for line in lines)
    assert f"litecost: {root}: 1 record(s) rejected, first at {root}/2026-10-02/call-d.json:1: prompt_tokens" in run.stderr
    assert "notes.json" in run.stderr  # skipped, and said so

    assert stored(db, "SELECT path, line, reason FROM rejects") == [
        (f"{root}/2026-10-02/call-d.json", 1, 'prompt_tokens "-5" is not a whole, non-negative token count')]
    assert stored(db, "SELECT path, rows_read, inserted, rejected FROM ingests ORDER BY ingest_id") == [(str(root), 7, 6, 1)]
    assert sorted(r[0] for r in stored(db, "SELECT request_id FROM calls")) == [
        "call-a", "call-b", "call-c", "call-e", "call-f", "call-g"]

    unchanged = cli("ingest", root, "--format", "json").json()
    assert [(f["skipped"], f["ingest_id"], f["rows_read"]) for f in unchanged["files"]] == [(True, 1, 0)]
    again = cli("ingest", root, "--reread", "--format", "json").json()
    assert (again["files"][0]["rows_read"], again["files"][0]["duplicates"], again["files"][0]["rejected"]) == (7, 6, 1)
    assert stored(db, "SELECT count(*) FROM rejects") == [(1,)]  # the same content's reject is not stored twice


def test_a_bundle_stores_what_the_same_records_as_one_jsonl_file_store(cli, db, tmp_path):
    records = [slp(f"call-{i}", startTime=1790850000.0 + 3600 * i, prompt_tokens=1000 + i) for i in range(12)]
    bucket(tmp_path / "bucket", {f"2026-10-{1 + i // 5:02d}/call-{i}.json": r for i, r in enumerate(records)})
    assert cli("ingest", tmp_path / "bucket").exit_code == 0
    other = tmp_path / "other.duckdb"
    lines = write_jsonl(tmp_path / "calls.jsonl", [records[i] for i in sorted(range(12), key=lambda i: f"2026-10-{1 + i // 5:02d}/call-{i}.json")])
    assert cli("--db", other, "ingest", lines, use_db=False).exit_code == 0
    query = "SELECT * EXCLUDE (ingest_id) FROM calls ORDER BY request_id"
    assert stored(db, query) == stored(other, query)


def test_one_bucket_object_or_a_named_file_is_an_ordinary_file(cli, db, tmp_path):
    paths = bucket(tmp_path / "b", {"2026-10-01/only.json": slp("only")})
    run = cli("ingest", tmp_path / "b", "--format", "json")
    assert run.json()["files"][0]["path"] == str(paths[0]) and "bucket objects" not in run.stderr
    more = bucket(tmp_path / "c", {"x.json": slp("x"), "y.json": slp("y")})
    run = cli("ingest", *more, "--format", "json")
    assert [f["path"] for f in run.json()["files"]] == [str(p) for p in more]


def test_no_room_to_join_a_bundle_is_a_one_line_error_not_an_internal_one(cli, db, tmp_path, monkeypatch):
    import tempfile

    not_a_folder = tmp_path / "tmp-is-a-file"
    not_a_folder.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder))  # TMPDIR unusable, as when full
    paths = bucket(tmp_path / "b", {"2026-10-01/x.json": slp("x"), "2026-10-01/y.json": slp("y")})
    run = cli("ingest", tmp_path / "b")
    assert run.exit_code == 2, run.stderr
    assert (f"cannot join the bucket objects found with {paths[0]} into a temporary file: Not a directory;"
            " nothing was stored") in run.stderr
    assert "point TMPDIR at a writable directory" in run.stderr
    assert not db.exists()


def test_a_secret_in_a_member_file_name_is_redacted_wherever_the_file_is_named(cli, db, tmp_path):
    secret = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234"
    bucket(tmp_path / "b", {"2026-10-01/ok.json": slp("ok"), f"2026-10-01/{secret}.json": slp("bad", prompt_tokens=-1)})
    run = cli("ingest", tmp_path / "b", "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["files"][0]["first_reject"].startswith(f"{tmp_path}/b/2026-10-01/[REDACTED].json: ")
    assert stored(db, "SELECT path FROM rejects") == [(f"{tmp_path}/b/2026-10-01/[REDACTED].json",)]
    assert secret not in run.stdout + run.stderr




def test_objects_the_quick_look_does_not_take_are_still_read_as_files(cli, db, tmp_path):
    root = tmp_path / "b"
    bucket(root, {"2026-10-01/a.json": slp("a"), "2026-10-01/b.json": slp("b")})
    (root / "2026-10-01" / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(slp("c")).encode())
    (root / "2026-10-01" / "crlf.json").write_bytes(json.dumps(slp("d")).encode().replace(b", ", b",\r ", 1))
    # LiteLLM's json.dumps writes a float NaN as NaN, which orjson refuses: read as a file, not lost.
    (root / "2026-10-01" / "nan.json").write_text(json.dumps(slp("e", saved_cache_cost=float("nan"))))
    run = cli("ingest", root, "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert [(f["files"], f["inserted"]) for f in doc["files"]] == [(2, 2), (1, 1), (1, 1), (1, 1)]  # BOM, CR, NaN
    assert stored(db, "SELECT request_id FROM calls ORDER BY 1") == [("a",), ("b",), ("c",), ("d",), ("e",)]


def test_detection_reports_its_progress_through_the_files(tmp_path, monkeypatch):
    import litecost.sources.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "PROGRESS_EVERY", 2)
    bucket(tmp_path / "b", {f"2026-10-01/call-{i}.json": slp(f"call-{i}") for i in range(5)})
    heard = []
    [bundle] = ingest_module.detect_files([str(tmp_path / "b")], on_progress=lambda done, total: heard.append((done, total)))
    assert heard == [(2, 5), (4, 5), (5, 5)] and len(bundle.members) == 5


def test_gcs_objects_without_an_extension_are_found_and_bundled(cli, db, tmp_path):
    # LiteLLM 1.110's gcs_bucket logger with GCS_USE_BATCHED_LOGGING off: DATE/<response id>
    # and DATE/failure-<hex>, no extension; batched (the default): DATE/batch-<ms>-<hex>.ndjson.
    root = tmp_path / "gcs"
    bucket(root, {
        "2026-10-01/chatcmpl-a": slp("chatcmpl-a"),
        "2026-10-01/chatcmpl-b": slp("chatcmpl-b"),
        "2026-10-01/failure-0123abcd": slp("chatcmpl-f", status="failure", response_cost=0.0),
        "2026-10-01/NOTES": "kept by the team, not a log",
    })
    (root / "2026-10-02").mkdir()
    (root / "2026-10-02" / "batch-1790900000000-a1b2c3d4.ndjson").write_text(
        json.dumps(slp("chatcmpl-c")) + "\n" + json.dumps(slp("chatcmpl-d")))  # "\n".join: no last newline
    run = cli("ingest", root, "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert [(f["files"], f["rows_read"], f["inserted"]) for f in doc["files"]] == [(4, 5, 5)]  # the batch joins them
    assert "NOTES" in run.stderr and "skipped" in run.stderr
    assert stored(db, "SELECT count(*) FROM calls") == [(5,)]


def test_names_without_an_extension_are_not_looked_for_in_hidden_folders(tmp_path):
    from litecost.sources.detect import expand_path_texts

    bucket(tmp_path / "logs", {"2026-10-01/chatcmpl-a": slp("chatcmpl-a"), ".git/HEAD": "ref: refs/heads/main",
                               ".git/objects/ab/cdef": "x", ".cache/kept.json": slp("chatcmpl-k")})
    root = tmp_path / "logs"
    found = sorted(str(Path(path).relative_to(root)) for path, _named in expand_path_texts([str(root)]))
    assert found == [".cache/kept.json", "2026-10-01/chatcmpl-a"]
