"""`litecost ingest` end to end through the CLI, on small inputs shaped like LiteLLM's."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import duckdb
import pytest

from conftest import DATA, slp, write_jsonl


def calls(db, columns="*", where="true"):
    con = duckdb.connect(str(db), read_only=True)
    try:
        cursor = con.execute(f"SELECT {columns} FROM calls WHERE {where} ORDER BY request_id")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def count(db, table="calls"):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_callback_payload_is_mapped_to_canonical_call(cli, db, tmp_path):
    path = write_jsonl(tmp_path / "cb.jsonl", [slp("chatcmpl-1")])
    run = cli("ingest", path, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert "LiteLLM callback payloads as JSON lines" in run.stderr
    [call] = calls(db)
    assert call["start_time"].isoformat() == "2026-10-01T10:20:00.250000+00:00"
    assert (call["provider"], call["model"], call["model_resolved"]) == ("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18")
    assert (call["key_alias"], call["team_id"], call["team_alias"], call["org_id"], call["user_id"]) == (
        "support-bot", "team-support", "Support", "org-1", "user-alice")
    assert call["api_key_hash"] == "ab" * 32
    assert call["tags"] == ["env:prod"]
    assert call["user_agent_tags"] == ["User-Agent: python-requests"]
    assert (call["input_tokens"], call["cache_read_tokens"], call["output_tokens"]) == (4000, 6000, 300)
    assert call["logged_cost"] == Decimal("0.00123")
    assert (call["status"], call["cache_hit"], call["service_tier"]) == ("success", False, "standard")
    assert call["end_user"] is None  # LiteLLM writes "" for none


def test_summary_json_document(cli, tmp_path):
    path = write_jsonl(tmp_path / "cb.jsonl", [slp("a"), slp("b")])
    doc = cli("ingest", path, "--format", "json").json()
    assert doc["schema_version"] == 1
    assert doc["kind"] == "callbacks"
    assert (doc["rows_read"], doc["inserted"], doc["duplicates"], doc["rejected"]) == (2, 2, 0, 0)
    [entry] = doc["files"]
    assert entry["path"] == str(path)
    assert (entry["rows_read"], entry["inserted"], entry["format"]) == (2, 2, "jsonl")


def test_reingest_inserts_nothing(cli, db, tmp_path):
    path = write_jsonl(tmp_path / "cb.jsonl", [slp("a"), slp("b"), slp("c")])
    assert cli("ingest", path).exit_code == 0
    again = cli("ingest", path, "--reread", "--format", "json").json()
    assert (again["rows_read"], again["inserted"], again["duplicates"], again["rejected"]) == (3, 0, 3, 0)
    assert count(db) == 3


def test_duplicates_within_and_across_files_are_stored_once(cli, db, tmp_path):
    first = write_jsonl(tmp_path / "one.jsonl", [slp("a"), slp("a"), slp("b")])
    second = write_jsonl(tmp_path / "two.jsonl", [slp("b"), slp("c")])
    doc = cli("ingest", first, second, "--format", "json").json()
    assert [(f["inserted"], f["duplicates"]) for f in doc["files"]] == [(2, 1), (1, 1)]
    assert count(db) == 3


def test_conflicting_duplicate_keeps_first_version_and_is_reported(cli, db, tmp_path):
    write_jsonl(tmp_path / "one.jsonl", [slp("a")])
    write_jsonl(tmp_path / "two.jsonl", [slp("a", completion_tokens=999, response_cost=0.5)])
    assert cli("ingest", tmp_path / "one.jsonl").exit_code == 0
    run = cli("ingest", tmp_path / "two.jsonl", "--format", "json")
    assert run.exit_code == 0
    assert (run.json()["duplicates"], run.json()["conflicts"]) == (1, 1)
    assert "differ from the stored call" in run.stderr
    [call] = calls(db)
    assert call["completion_tokens"] == 300
    listing = cli("db", "conflicts", "--format", "json").json()["conflicts"]
    assert listing[0]["request_id"] == "a"
    assert "completion_tokens 999 vs 300" in listing[0]["differences"]


def test_bad_records_are_rejected_with_line_and_reason(cli, db, tmp_path):
    path = write_jsonl(
        tmp_path / "cb.jsonl",
        [
            slp("good-1"),
            slp("", trace_id=None),  # line 2: no id, nor any other identity
            slp("neg", prompt_tokens=-5),  # line 3
            slp("frac", completion_tokens=2.5),  # line 4
            slp("nan", response_cost="NaN"),  # line 5
            slp("when", startTime="not a time"),  # line 6
            slp("good-2", prompt_tokens="10000"),  # numbers as strings are fine
        ],
        raw_lines={8: '{"id": "cut-off", "model": "gpt-4o', 9: "[1, 2]"},
    )
    run = cli("ingest", path, "--format", "json")
    assert run.exit_code == 0
    doc = run.json()
    assert (doc["rows_read"], doc["inserted"], doc["rejected"]) == (9, 2, 7)
    assert doc["rows_read"] == doc["inserted"] + doc["duplicates"] + doc["rejected"]
    rejects = {r["line"]: r["reason"] for r in cli("db", "rejects", "--format", "json").json()["rejects"]}
    assert rejects == {
        2: "missing request id",
        3: 'prompt_tokens "-5" is not a whole, non-negative token count',
        4: 'completion_tokens "2.5" is not a whole, non-negative token count',
        5: 'cost "NaN" is not a non-negative USD amount',
        6: 'start time "not a time" is not a timestamp',
        8: "not valid JSON",
        9: "a JSON array, expected an object (one LiteLLM record per line)",
    }
    assert sorted(c["request_id"] for c in calls(db, "request_id")) == ["good-1", "good-2"]


def test_blank_lines_crlf_and_bom_are_tolerated(cli, db, tmp_path):
    path = tmp_path / "cb.jsonl"
    body = "\ufeff" + json.dumps(slp("a")) + "\r\n\r\n" + json.dumps(slp("b")) + "\r\n"
    path.write_bytes(body.encode("utf-8"))
    doc = cli("ingest", path, "--format", "json").json()
    assert (doc["rows_read"], doc["inserted"], doc["rejected"]) == (2, 2, 0)


def test_invalid_utf8_line_is_rejected_and_later_lines_keep_their_numbers(cli, db, tmp_path):
    path = tmp_path / "cb.jsonl"
    lines = [json.dumps(slp("a")).encode(), b'{"id": "x\xff\xfe"}', json.dumps(slp("b", startTime="bad")).encode()]
    path.write_bytes(b"\n".join(lines) + b"\n")
    doc = cli("ingest", path, "--format", "json").json()
    assert (doc["rows_read"], doc["inserted"], doc["rejected"]) == (3, 1, 2)
    rejects = {r["line"]: r["reason"] for r in cli("db", "rejects", "--format", "json").json()["rejects"]}
    assert set(rejects) == {2, 3}
    assert rejects[2] == "not valid UTF-8; re-export the file as UTF-8"
    assert rejects[3].startswith("start time")


def test_strict_rejects_roll_back_everything(cli, db, tmp_path):
    keep = write_jsonl(tmp_path / "keep.jsonl", [slp("kept")])
    assert cli("ingest", keep).exit_code == 0
    good = write_jsonl(tmp_path / "good.jsonl", [slp("g1")])
    bad = write_jsonl(tmp_path / "bad.jsonl", [slp("g2"), slp("", trace_id=None)])
    run = cli("ingest", good, bad, "--strict")
    assert run.exit_code == 3
    assert run.stdout == ""
    assert run.stderr.splitlines()[-1].startswith(f"litecost: error: {bad}:2: missing request id;")
    assert "nothing was stored (--strict)" in run.stderr
    assert [c["request_id"] for c in calls(db, "request_id")] == ["kept"]
    assert count(db, "ingests") == 1


@pytest.mark.parametrize(
    "name, expected",
    [
        ("billing/openai_dashboard_costs_synthetic.csv", "looks like a billing export"),
        ("billing/anthropic_cost_report_synthetic.json", "not a LiteLLM log"),
    ],
)
def test_an_invoice_is_not_a_log(cli, db, tmp_path, name, expected):
    keep = write_jsonl(tmp_path / "keep.jsonl", [slp("kept")])
    assert cli("ingest", keep).exit_code == 0
    run = cli("ingest", DATA / name)
    assert run.exit_code == 3
    assert run.stderr.count("\n") == 1 and expected in run.stderr
    assert "litecost invoices import" in run.stderr
    assert count(db) == 1 and count(db, "ingests") == 1


def test_binary_file_is_refused(cli, db, tmp_path):
    path = tmp_path / "dump.bin"
    path.write_bytes(bytes(range(256)) * 10)
    run = cli("ingest", path)
    assert run.exit_code == 3
    assert run.stderr == f"litecost: error: {path}: binary data, not a LiteLLM log; pass a SpendLogs export (CSV/JSON/Parquet) or callback JSON lines\n"
    assert not db.exists()


def test_binary_without_zero_bytes_is_refused_too(cli, db, tmp_path):
    # Random bytes rarely hold a NUL; mostly undecodable text is binary all the same,
    # and the error names no garbage.
    import random

    path = tmp_path / "noise.jsonl"
    rng = random.Random(7)
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4000)))
    run = cli("ingest", path)
    assert run.exit_code == 3
    assert run.stderr == f"litecost: error: {path}: binary data, not a LiteLLM log; pass a SpendLogs export (CSV/JSON/Parquet) or callback JSON lines\n"


def test_an_early_error_does_not_wait_for_fingerprints(tmp_path):
    # Files are fingerprinted (sha256) on a worker thread; a run that stops early must
    # exit at once, not after hashing the big file it had queued.
    import subprocess
    import sys
    import time

    from litecost.files import sha256_of

    big = tmp_path / "big.jsonl"
    line = (json.dumps(slp("x")) + "\n").encode()
    with open(big, "wb") as fh:
        for _ in range(24):
            fh.write(line * 25_000)  # ~600 MB: hashing it takes long enough to tell
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(bytes(range(1, 256)) * 20)

    def seconds(*args: str) -> tuple[float, subprocess.CompletedProcess]:
        started = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "litecost", *args], capture_output=True, text=True)
        return time.monotonic() - started, run

    alone = min(seconds("--db", str(tmp_path / "t.duckdb"), "ingest", str(bad))[0] for _ in range(2))
    elapsed, run = seconds("--db", str(tmp_path / "t.duckdb"), "ingest", str(big), str(bad))
    began = time.monotonic()
    sha256_of(big)
    hashing = time.monotonic() - began
    assert run.returncode == 3 and "binary data" in run.stderr
    # Waiting for the hash would add all of `hashing`; allow half of it for noise.
    assert elapsed < alone + 0.5 * hashing, (elapsed, alone, hashing)


def test_truncated_gzip_stores_nothing(cli, db, tmp_path):
    keep = write_jsonl(tmp_path / "keep.jsonl", [slp("kept")])
    assert cli("ingest", keep).exit_code == 0
    blob = gzip.compress("\n".join(json.dumps(slp(f"id-{i}")) for i in range(2000)).encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(blob[: len(blob) // 2])
    run = cli("ingest", cut)
    assert run.exit_code == 3
    assert "cut short" in run.stderr or "damaged" in run.stderr
    assert count(db) == 1


def test_gzip_is_read_transparently(cli, db, tmp_path):
    path = tmp_path / "cb.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps(slp("a")) + "\n" + json.dumps(slp("b")) + "\n").encode()))
    doc = cli("ingest", path, "--format", "json").json()
    assert doc["inserted"] == 2


def test_a_bad_file_among_good_ones_stores_nothing(cli, db, tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", [slp("g1")])
    bad = tmp_path / "bad.csv"
    bad.write_text("date,amount\n2026-10-01,5\n")
    run = cli("ingest", good, bad)
    assert run.exit_code == 3
    assert not db.exists() or count(db) == 0


def test_source_tz_applies_to_naive_timestamps_only(cli, db, tmp_path):
    path = write_jsonl(
        tmp_path / "cb.jsonl",
        [slp("naive", startTime="2026-10-01 12:00:00"), slp("zoned", startTime="2026-10-01T12:00:00+00:00"),
         slp("epoch", startTime=1790850000)],
    )
    assert cli("ingest", path, "--source-tz", "Europe/Berlin").exit_code == 0
    got = {c["request_id"]: c["start_time"].isoformat() for c in calls(db, "request_id, start_time")}
    assert got == {
        "naive": "2026-10-01T10:00:00+00:00",
        "zoned": "2026-10-01T12:00:00+00:00",
        "epoch": "2026-10-01T10:20:00+00:00",
    }


def test_unknown_source_tz_is_a_usage_error(cli, db, tmp_path):
    path = write_jsonl(tmp_path / "cb.jsonl", [slp("a")])
    run = cli("ingest", path, "--source-tz", "Mars/Olympus")
    assert run.exit_code == 2
    assert "unknown time zone 'Mars/Olympus'" in run.stderr


def test_minimal_custom_dicts_get_a_deterministic_id(cli, db, tmp_path):
    record = {"model": "gpt-4o", "cost": 0.0025, "cache_hit": False, "start_time": "2026-10-03T08:00:00Z",
              "usage": {"prompt_tokens": 600, "completion_tokens": 100, "total_tokens": 700},
              "metadata": {"user_api_key_alias": "etl", "tags": ["job:nightly"]}}
    path = write_jsonl(tmp_path / "minimal.jsonl", [record])
    assert cli("ingest", path).exit_code == 0
    [first] = calls(db)
    assert first["request_id"].startswith("lc-") and len(first["request_id"]) == 35
    assert (first["key_alias"], first["tags"], first["input_tokens"], first["output_tokens"]) == ("etl", ["job:nightly"], 600, 100)
    # The same record written again (another file, read again) is recognised as the same call.
    again = write_jsonl(tmp_path / "again.jsonl", [record])
    assert cli("ingest", again, "--reread", "--format", "json").json()["duplicates"] == 1


def test_kwargs_dump_uses_its_standard_logging_object(cli, db, tmp_path):
    kwargs = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "litellm_call_id": "c-1",
              "litellm_params": {"metadata": {"headers": {"authorization": "Bearer sk-live-abcdefghijkl"}}},
              "response_cost": 0.00123, "cache_hit": False, "standard_logging_object": slp("chatcmpl-kw")}
    path = write_jsonl(tmp_path / "kwargs.jsonl", [kwargs])
    assert cli("ingest", path).exit_code == 0
    [call] = calls(db)
    assert (call["request_id"], call["key_alias"], call["cache_read_tokens"]) == ("chatcmpl-kw", "support-bot", 6000)


def test_prompts_and_secrets_are_not_stored(cli, db, tmp_path):
    record = slp("chatcmpl-canary", messages=[{"role": "user", "content": "CANARY-PROMPT-7f3a"}])
    record["metadata"]["requester_custom_headers"] = {"authorization": "Bearer sk-canary-SECRET-0000"}
    record["metadata"]["spend_logs_metadata"] = {"note": "key sk-canary-SECRET-0000"}
    bad = slp("", trace_id=None, messages=[{"role": "user", "content": "CANARY-PROMPT-7f3a"}], api_key="sk-canary-SECRET-0000")
    path = write_jsonl(tmp_path / "cb.jsonl", [record, bad], raw_lines={3: '{"id": "x", "messages": "CANARY-PROMPT-7f3a sk-canary-SECRET-0000'})
    run = cli("ingest", path)
    assert run.exit_code == 0
    outputs = run.stdout + run.stderr + cli("db", "rejects").stdout + cli("db", "rejects", "--format", "json").stdout
    blob = db.read_bytes() + outputs.encode()
    wal = db.with_name(db.name + ".wal")
    if wal.exists():
        blob += wal.read_bytes()
    assert b"CANARY-PROMPT-7f3a" not in blob
    assert b"sk-canary-SECRET-0000" not in blob


def test_directory_search_skips_files_that_are_not_logs(cli, db, tmp_path):
    folder = tmp_path / "exports"
    (folder / "nested").mkdir(parents=True)
    write_jsonl(folder / "day1.jsonl", [slp("a")])
    write_jsonl(folder / "nested" / "day2.jsonl", [slp("b")])
    (folder / "notes.json").write_text('{"owner": "finops"}')
    run = cli("ingest", folder, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["inserted"] == 2
    assert f"litecost: warning: skipped {folder / 'notes.json'}: not a LiteLLM log" in run.stderr
    named = cli("ingest", folder / "notes.json")
    assert named.exit_code == 3  # a file named on the command line must be a log


def test_a_cache_hit_logged_by_both_sources_is_stored_once_and_said_in_conflicts(cli, db, tmp_path):
    # LiteLLM suffixes a cache hit's id with `_cache_hit<time.time()>` separately for the
    # callback payload and for the SpendLogs row: the ids differ, litellm_call_id does not.
    spendlog = json.loads((DATA / "spendlogs.jsonl").read_text().splitlines()[0])
    stem = spendlog["request_id"]
    hits = {  # litellm_call_id: (callback id, SpendLogs id)
        "call-first-hit": (f"{stem}_cache_hit1790863331.123456", f"{stem}_cache_hit1790863331.123789"),
        "call-second-hit": (f"{stem}_cache_hit1790863399.5", f"{stem}_cache_hit1790863399.500211"),
    }
    payloads = [
        slp(callback_id, litellm_call_id=call_id, cache_hit=True, response_cost=0.0)
        for call_id, (callback_id, _) in hits.items()
    ]
    rows = [
        {**spendlog, "request_id": row_id, "litellm_call_id": call_id, "cache_hit": "True", "spend": 0.0}
        for call_id, (_, row_id) in hits.items()
    ]
    write_jsonl(tmp_path / "callbacks.jsonl", payloads)
    write_jsonl(tmp_path / "spendlogs.jsonl", rows + [{**spendlog, "request_id": "not-a-hit"}])
    first = cli("ingest", tmp_path / "callbacks.jsonl", "--format", "json")
    assert first.exit_code == 0, first.stderr
    run = cli("ingest", tmp_path / "spendlogs.jsonl", "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert (run.json()["inserted"], run.json()["duplicates"], run.json()["conflicts"]) == (1, 2, 2)
    assert sorted(c["request_id"] for c in calls(db)) == sorted([hits[k][0] for k in hits] + ["not-a-hit"])
    listing = cli("db", "conflicts", "--format", "json").json()["conflicts"]
    assert [(c["line"], c["request_id"]) for c in listing] == [(1, hits["call-first-hit"][1]), (2, hits["call-second-hit"][1])]
    assert all(c["differences"].startswith("the same cache hit as stored ") for c in listing)
    assert hits["call-first-hit"][0] in listing[0]["differences"]
    # Ingesting the same files again stores nothing more, in either order.
    again = cli("ingest", tmp_path / "spendlogs.jsonl", tmp_path / "callbacks.jsonl", "--reread", "--format", "json")
    assert (again.json()["inserted"], again.json()["duplicates"]) == (0, 5)
    assert count(db) == 3
    assert count(db, "duplicate_conflicts") == 2


def test_cache_hit_twins_within_one_file_are_kept_once(cli, db, tmp_path):
    stem = "chatcmpl-cached"
    write_jsonl(tmp_path / "cb.jsonl", [
        slp(f"{stem}_cache_hit1790863331.1", litellm_call_id="call-1", cache_hit=True),
        slp(f"{stem}_cache_hit1790863331.2", litellm_call_id="call-1", cache_hit=True),
        slp(f"{stem}_cache_hit1790863331.3", litellm_call_id=None, cache_hit=True),
        slp(f"{stem}_cache_hit1790863331.4", litellm_call_id=None, cache_hit=True),
    ])
    doc = cli("ingest", tmp_path / "cb.jsonl", "--format", "json").json()
    # Without a litellm_call_id two hits of one cached response cannot be told apart from
    # one hit logged twice: both are kept.
    assert (doc["inserted"], doc["duplicates"], doc["conflicts"]) == (3, 1, 1)


def test_pretty_printed_payloads_are_read_as_objects_not_rejected_as_lines(cli, db, tmp_path):
    # A payload saved with an indent (json.dump(..., indent=2), `jq .`) was read as JSON lines,
    # every line of it rejected.
    records = [slp("pretty-1"), slp("pretty-2", prompt_tokens=-1), slp("pretty-3", completion_tokens=7)]
    pretty = tmp_path / "saved.json"
    pretty.write_text("".join(json.dumps(r, indent=2) + "\n" for r in records))
    run = cli("ingest", pretty, "--format", "json")
    assert run.exit_code == 0, run.stderr
    [f] = run.json()["files"]
    assert (f["format"], f["rows_read"], f["inserted"], f["rejected"]) == ("json_objects", 3, 2, 1)
    assert f["first_reject"].startswith("2: prompt_tokens")
    other = tmp_path / "other.duckdb"
    assert cli("--db", other, "ingest", write_jsonl(tmp_path / "lines.jsonl", records), use_db=False).exit_code == 0
    query = "SELECT * EXCLUDE (ingest_id, source_line) FROM calls ORDER BY request_id"
    with duckdb.connect(str(db), read_only=True) as a, duckdb.connect(str(other), read_only=True) as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
