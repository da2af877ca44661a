"""Every supported LiteLLM layout, shaped exactly as LiteLLM writes it (tests/data/README.md)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from conftest import DATA, slp, write_jsonl

# Canonical values of the fixture calls (tests/data/README.md, "Expected canonical values").
# (request id, start UTC, provider, model, key alias, team alias, user tags, status,
#  input, cache_read, cache_write_5m, cache_write_1h, output, reasoning, logged cost)
F = {
    "F1": ("msg_01Remv3n50wRA44rcuNSYhFg", "2026-10-01T14:02:11.120000+00:00", "anthropic", "claude-sonnet-4-5-20250929",
           "support-bot", "Support", ["app:support", "env:prod", "feature:summarize"], "success",
           1200, 20000, 2000, 1000, 500, 0, "0.030600000000000002"),
    "F2": ("chatcmpl-8B6ROakNp1HsJakzqH2bAnbJ85j9s", "2026-10-01T14:05:00+00:00", "openai", "gpt-4o-mini",
           "support-bot", "Support", ["app:support", "env:prod"], "success", 4000, 6000, 0, 0, 300, 0, "0.00123"),
    "F3": ("chatcmpl-lVPa1pAYhpx13WXGCkhGr1iZc2vAQ", "2026-10-02T09:30:15.005000+00:00", "openai", "o3-mini",
           "eval-harness", "Platform", ["env:staging", "feature:eval"], "success", 1000, 0, 0, 0, 5000, 4000, "0.023100000000000002"),
    "F4": ("mHbA2J7C2oh5vqDY6tzDkf-", "2026-10-03T02:11:47.999000+00:00", "gemini", "gemini-2.5-pro",
           "batch-etl", "Platform", ["env:prod", "feature:extract"], "success", 230000, 20000, 0, 0, 2000, 1200, "0.6100000000000001"),
    "F5": ("49EKIjqDK2DybE7d9CQnb3u", "2026-10-03T02:15:03.400000+00:00", "vertex_ai", "gemini-2.5-pro",
           "batch-etl", "Platform", ["env:prod", "feature:summarize"], "success", 40000, 0, 0, 0, 1500, 600, "0.06175"),
    "F6": ("chatcmpl-b8b28d62-d1b7-48b7-b3f3-ae899b4141f3", "2026-10-05T10:20:30.250000+00:00", "bedrock",
           "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "code-assistant", "Platform", ["app:code-assistant", "env:prod"],
           "success", 350, 48000, 2500, 0, 1800, 0, "0.051824999999999996"),
    "F7": ("chatcmpl-HQcUl1DgciQweIyqT5sDrfo4JTKWM", "2026-10-06T16:45:01.007000+00:00", "azure", "gpt-4o",
           "search-backend", "Search", ["app:search", "env:prod", "feature:rerank", "team:search"], "success",
           3072, 2048, 0, 0, 220, 0, "0.012440000000000001"),
    "F8": ("d771f3bd-8096-4c31-9938-d993f6510da6", "2026-10-07T18:00:00.500000+00:00", "anthropic", "claude-sonnet-4-5-20250929",
           "growth-experiments", "Growth", ["app:growth", "env:staging"], "failure", 0, 0, 0, 0, 0, 0, "0"),
    "F9": ("chatcmpl-8B6ROakNp1HsJakzqH2bAnbJ85j9s_cache_hit1790867564.098851", "2026-10-01T15:12:44.080000+00:00", "openai",
           "gpt-4o-mini", "support-bot", "Support", ["app:support", "env:prod"], "success", 4000, 6000, 0, 0, 300, 0, "0"),
    "F10": ("chatcmpl-FkwKQvpsbIWZdiDxo8PJKtVJTYdfo", "2026-10-08T11:59:59.999000+00:00", "openai", "gpt-4o-mini",
            None, None, [], "success", 900, 0, 0, 0, 120, 0, "0.000207"),
    # LiteLLM 1.74.0 rows: Anthropic prompt_tokens exclude cache writes.
    "L1": ("msg_01beQneP6X8bWCBhwNHvAaQE", "2025-07-21T09:14:02.310000+00:00", "anthropic", "claude-sonnet-4-20250514",
           "support-bot", "Support", ["app:support", "env:prod"], "success", 1500, 18000, 4000, 0, 600, 0, "0.0339"),
    "L2": ("msg_01vhVTXAl6HZXsi2nn8FH0dY", "2025-07-21T09:14:40+00:00", "anthropic", "claude-sonnet-4-20250514",
           "support-bot", "Support", ["app:support", "env:prod"], "success", 800, 0, 6000, 0, 300, 0, "0.0294"),
    "L4": ("Xv2EQD5_q_nNYR15UBKPgGm", "2025-07-22T02:30:00.045000+00:00", "vertex_ai", "gemini-2.5-pro",
           "batch-etl", "Platform", ["env:prod", "feature:summarize"], "success", 17232, 32768, 0, 0, 1200, 800, "0.03354"),
}
FILES = {
    "spendlogs_v1110.csv": ["F1", "F2", "F3", "F4", "F5"],
    "spendlogs_v1110.csv.gz": [f"F{i}" for i in range(1, 11)],
    "spendlogs_v174.csv": ["L1", "L2", "L4"],
    "spendlogs_list.json": ["F1", "F2", "F6", "F7", "F8", "F9"],
    "spendlogs_v2_page.json": ["F6", "F5", "F4", "F3", "F10"],
    "spendlogs.jsonl": ["F2", "F5", "F7", "F8", "F10"],
    "spendlogs.parquet": [f"F{i}" for i in range(1, 11)],
    "callbacks_slp.jsonl": ["F1", "F2", "F3", "F4", "F5"],
    "callbacks_kwargs.jsonl": ["F1", "F6", "F7", "F8", "F9"],
}
COLUMNS = ("request_id", "start_time", "provider", "model", "key_alias", "team_alias", "tags", "status",
           "input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens",
           "reasoning_tokens", "logged_cost")


def stored(db, request_id):
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(f"SELECT {', '.join(COLUMNS)}, cache_hit FROM calls WHERE request_id = ?", [request_id]).fetchone()
    finally:
        con.close()
    assert row is not None, f"{request_id} not stored"
    values = list(row)
    values[1] = values[1].isoformat()
    values[-2] = Decimal(values[-2])
    return tuple(values[:-1]), values[-1]


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_layout_maps_to_the_same_canonical_calls(cli, db, name):
    run = cli("ingest", DATA / name, "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert doc["rejected"] == 0
    assert doc["inserted"] == len(FILES[name]) or name == "spendlogs_v174.csv"
    for call in FILES[name]:
        expected = list(F[call])
        expected[-1] = Decimal(expected[-1])
        got, cache_hit = stored(db, expected[0])
        assert got == tuple(expected), call
        assert cache_hit == (call == "F9")


def test_every_layout_together_stores_each_call_once_without_conflicts(cli, db):
    paths = [DATA / name for name in sorted(FILES)]
    doc = cli("ingest", *paths, "--format", "json").json()
    assert (doc["rejected"], doc["conflicts"]) == (0, 0)
    # 10 F calls and 5 L calls; everything else is a duplicate.
    assert doc["inserted"] == 15
    assert doc["rows_read"] == doc["inserted"] + doc["duplicates"]


def test_minimal_records_get_content_ids_and_no_cache_split(cli, db):
    doc = cli("ingest", DATA / "callbacks_minimal.jsonl", "--format", "json").json()
    assert doc["inserted"] == 4
    again = cli("ingest", DATA / "callbacks_minimal.jsonl", "--reread", "--format", "json").json()
    assert (again["inserted"], again["duplicates"]) == (0, 4)


def test_old_schema_without_optional_columns(cli, db):
    run = cli("ingest", DATA / "spendlogs_v174.csv")
    assert run.exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        # organization_id and litellm_call_id are absent in 1.74: NULL, not an error.
        assert con.execute("SELECT count(*) FROM calls WHERE litellm_call_id IS NOT NULL").fetchone()[0] == 0
    finally:
        con.close()


def test_privacy_canary_from_the_fixture_never_reaches_the_database(cli, db):
    run = cli("ingest", DATA / "callbacks_slp.jsonl", "--format", "json")
    assert run.exit_code == 0
    blob = db.read_bytes() + run.stdout.encode() + run.stderr.encode()
    assert b"CANARY-PROMPT-7f3a" not in blob and b"sk-canary-SECRET-0000" not in blob


def test_lines_are_counted_only_for_the_reader_that_needs_them(tmp_path):
    from litecost.sources.detect import sniff

    sample = sniff(DATA.parent.parent / "sample_data" / "spendlogs_2026-10.csv")
    assert sample.format == "csv" and len(sample.blake3) == 64
    assert sample.line_count is None  # a CSV record may span lines: its reader counts records
    lines = write_jsonl(tmp_path / "cb.jsonl", [slp("a"), slp("b")], raw_lines={3: ""})
    assert sniff(lines).format == "jsonl"
    assert sniff(lines).line_count == 3


def test_blank_metadata_in_a_spendlogs_csv_is_no_metadata(cli, db, tmp_path):
    source = (DATA.parent.parent / "sample_data" / "spendlogs_2026-10.csv").read_text(encoding="utf-8").splitlines()
    header, row = source[0], next(line for line in source[1:] if ',"{""status"": ""success""' in line)
    start = row.index(',"{""status""') + 1
    end = row.index('}",', start) + 2
    path = tmp_path / "blank.csv"
    path.write_text(header + "\n" + row[:start] + '"   "' + row[end:] + "\n", encoding="utf-8")
    run = cli("ingest", path, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert (run.json()["inserted"], run.json()["rejected"]) == (1, 0)


@pytest.mark.parametrize("name", ["spendlogs_v2_page.json", "spendlogs_list.json"])
@pytest.mark.parametrize("suffix", [".gz", ""])  # detection goes by the bytes, not the name
def test_a_gzipped_json_document_ingests_like_the_plain_one(cli, db, tmp_path, name, suffix):
    import gzip

    packed = tmp_path / f"{name}{suffix}"
    # Repeated whitespace makes the document far larger than its gzip file.
    text = (DATA / name).read_text(encoding="utf-8").replace("\n", "\n" + " " * 4096)
    packed.write_bytes(gzip.compress(text.encode()))
    doc = cli("ingest", packed, "--format", "json").json()
    assert (doc["inserted"], doc["rejected"]) == (len(FILES[name]), 0)
    for call in FILES[name]:
        expected = list(F[call])
        expected[-1] = Decimal(expected[-1])
        assert stored(db, expected[0])[0] == tuple(expected), call


def test_the_request_user_parameter_is_the_end_user_never_the_internal_user(cli, db, tmp_path):
    """LiteLLM's `user` request parameter names the customer (end user); the internal user
    comes only from the key's metadata (issue 12, item 4)."""
    import json

    kwargs = json.loads((DATA / "callbacks_kwargs.jsonl").read_text(encoding="utf-8").splitlines()[0])
    slo = kwargs["standard_logging_object"]
    no_key_user = {**kwargs, "user": "cust-kw", "standard_logging_object": {
        **slo, "id": "kw-no-user", "end_user": "", "metadata": {**slo["metadata"], "user_api_key_user_id": None,
                                                                  "user_api_key_end_user_id": None}}}
    payload = {**slo, "id": "slp-param-user", "end_user": "", "model_parameters": {"user": "cust-param"},
               "metadata": {**slo["metadata"], "user_api_key_end_user_id": None}}
    named = {**slo, "id": "slp-named", "end_user": "cust-named", "model_parameters": {"user": "cust-param"}}
    path = tmp_path / "users.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (no_key_user, payload, named)) + "\n", encoding="utf-8")
    assert cli("ingest", path).exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = dict((r[0], r[1:]) for r in con.execute("SELECT request_id, user_id, end_user FROM calls").fetchall())
    finally:
        con.close()
    assert got == {
        "kw-no-user": (None, "cust-kw"),
        "slp-param-user": (slo["metadata"]["user_api_key_user_id"], "cust-param"),
        "slp-named": (slo["metadata"]["user_api_key_user_id"], "cust-named"),
    }


def test_psql_copy_text_output_loses_no_row(cli, db, tmp_path):
    """`COPY (SELECT row_to_json(t) ...) TO STDOUT` writes COPY's text format, which doubles
    every backslash: a failed call's traceback (escaped quotes) is then not valid JSON.
    spendlogs_copy_text.jsonl is real PostgreSQL 15 output of spendlogs.jsonl (see
    tests/data/README.md); both must store the same calls (issue 12, item 5)."""
    copied = cli("ingest", DATA / "spendlogs_copy_text.jsonl", "--format", "json").json()
    assert (copied["inserted"], copied["rejected"]) == (5, 0)
    con = duckdb.connect(str(db), read_only=True)
    try:
        from_copy = con.execute("SELECT * EXCLUDE (ingest_id, source_line) FROM calls ORDER BY request_id").fetchall()
    finally:
        con.close()
    plain_db = tmp_path / "plain.duckdb"
    assert cli("--db", plain_db, "ingest", DATA / "spendlogs.jsonl", use_db=False).exit_code == 0
    con = duckdb.connect(str(plain_db), read_only=True)
    try:
        from_plain = con.execute("SELECT * EXCLUDE (ingest_id, source_line) FROM calls ORDER BY request_id").fetchall()
    finally:
        con.close()
    assert from_copy == from_plain
