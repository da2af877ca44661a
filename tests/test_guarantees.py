"""What litecost promises about bad input, privacy and outputs (README "Guarantees").

Every case in tests/data/bad/ runs through the CLI against a database that already
holds data: the exit code, the one-line message and the untouched prior data are
all asserted.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, slp, write_jsonl

BAD = DATA / "bad"


def snapshot(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT * EXCLUDE (ingest_id) FROM calls ORDER BY request_id").fetchall()


@pytest.fixture
def seeded(cli, db, tmp_path):
    path = write_jsonl(tmp_path / "seed.jsonl", [slp("seed-1"), slp("seed-2", startTime=1790900000.0)])
    assert cli("ingest", path).exit_code == 0
    return snapshot(db)


# file → (exit code, rows_read, inserted, duplicates, rejected, {line: reason fragment})
RECORD_LEVEL = {
    "truncated.jsonl": (2 + 1, 2, 0, 1, {3: "not valid JSON"}),
    "malformed.jsonl": (3, 2, 0, 1, {2: "not valid JSON"}),
    "invalid_utf8.jsonl": (3, 2, 0, 1, {2: "not valid UTF-8"}),
    "bom_crlf.jsonl": (2, 2, 0, 0, {}),
    "empty.jsonl": (0, 0, 0, 0, {}),
    "header_only.csv": (0, 0, 0, 0, {}),
    "numbers_as_strings.jsonl": (1, 1, 0, 0, {}),
    "bad_counts.jsonl": (6, 1, 0, 5, {1: 'prompt_tokens "-1" is not a whole', 2: 'completion_tokens "NaN"',
                                        3: 'prompt_tokens "1000000000000000"', 4: 'prompt_tokens "12.5"',
                                        5: 'cost "12,50 EUR" is not a non-negative USD amount'}),
    "missing_id.jsonl": (2, 1, 0, 1, {1: "missing request id"}),
    "timestamps.jsonl": (9, 7, 0, 2, {8: 'start time "next tuesday" is not a timestamp', 9: "is out of range"}),
    "conflicting_duplicates.jsonl": (3, 1, 2, 0, {}),
    "extra_and_missing_columns.csv": (3, 2, 0, 1, {3: "too few columns: expected 37, found 5"}),
    "not_an_object.jsonl": (4, 1, 0, 3, {2: "a JSON array", 3: "a JSON number", 4: "a JSON string"}),
}


@pytest.mark.parametrize("name", sorted(RECORD_LEVEL))
def test_record_level_damage_is_rejected_line_by_line(cli, db, seeded, name):
    read, inserted, duplicates, rejected, reasons = RECORD_LEVEL[name]
    run = cli("ingest", BAD / name, "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert (doc["rows_read"], doc["inserted"], doc["duplicates"], doc["rejected"]) == (read, inserted, duplicates, rejected)
    assert doc["rows_read"] == doc["inserted"] + doc["duplicates"] + doc["rejected"]
    stored = {r["line"]: r for r in cli("db", "rejects", "--format", "json").json()["rejects"]}
    assert set(stored) == set(reasons)
    for line, fragment in reasons.items():
        assert fragment in stored[line]["reason"]
        assert stored[line]["path"] == str(BAD / name)
    if rejected:
        assert f"see `litecost db rejects --ingest {doc['files'][0]['ingest_id']}`" in run.stderr
    assert [row for row in snapshot(db) if row[0].startswith("seed-")] == seeded  # prior calls untouched


def test_strict_turns_any_reject_into_exit_3_and_stores_nothing(cli, db, seeded):
    run = cli("ingest", BAD / "bad_counts.jsonl", "--strict")
    assert run.exit_code == 3
    assert run.stderr.splitlines()[-1].startswith(f"litecost: error: {BAD / 'bad_counts.jsonl'}:1: prompt_tokens \"-1\"")
    assert snapshot(db) == seeded
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("binary.bin", "binary data, not a LiteLLM log"),
        ("invoice_as_log.csv", "looks like a billing export"),
        ("cut.jsonl.gz", "the gzip stream is damaged or cut short"),
    ],
)
def test_file_level_damage_is_one_line_exit_3_and_nothing_stored(cli, db, seeded, name, fragment):
    run = cli("ingest", BAD / name)
    assert run.exit_code == 3
    error_lines = [line for line in run.stderr.splitlines() if line.startswith("litecost: error:")]
    assert len(error_lines) == 1 and fragment in error_lines[0] and str(BAD / name) in error_lines[0]
    assert run.stdout == ""
    assert snapshot(db) == seeded


def test_conflicting_duplicates_keep_the_first_version(cli, db, seeded):
    cli("ingest", BAD / "conflicting_duplicates.jsonl")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT completion_tokens FROM calls WHERE request_id = 'dup'").fetchone()[0] == 300
    conflicts = cli("db", "conflicts", "--format", "json").json()["conflicts"]
    assert [(c["line"], c["request_id"]) for c in conflicts] == [(2, "dup")]


def test_timestamp_forms_all_land_on_the_same_instant(cli, db):
    cli("ingest", BAD / "timestamps.jsonl")
    with duckdb.connect(str(db), read_only=True) as con:
        got = dict(con.execute("SELECT request_id, start_time FROM calls").fetchall())
    assert {k: v.isoformat() for k, v in got.items()} == {
        "epoch-s": "2026-10-01T10:20:00+00:00", "epoch-ms": "2026-10-01T10:20:00.123000+00:00",
        "iso-z": "2026-10-01T10:20:00+00:00", "iso-offset": "2026-10-01T10:20:00+00:00",
        "naive-space": "2026-10-01T10:20:00.500000+00:00", "naive-t": "2026-10-01T10:20:00+00:00",
        "utc-suffix": "2026-10-01T10:20:00+00:00",
    }


# -- privacy -----------------------------------------------------------------------------------

SECRET = "sk-canary-SECRET-0000"
PROMPT = "CANARY-PROMPT-7f3a"


def test_secrets_in_rejected_values_are_redacted_everywhere(cli, db, tmp_path):
    path = write_jsonl(tmp_path / "leak.jsonl", [slp("x", startTime=f"{SECRET}"), slp("y", api_key=SECRET, prompt_tokens="Bearer " + SECRET),
                                                 slp("good")])
    run = cli("ingest", path, "--strict")
    assert run.exit_code == 3
    assert SECRET not in run.stderr
    run = cli("ingest", path)
    listing = cli("db", "rejects", "--format", "json").stdout + cli("db", "rejects").stdout
    assert "[REDACTED]" in listing and SECRET not in listing and SECRET not in run.stderr
    assert SECRET.encode() not in db.read_bytes()


def test_keep_payloads_is_opt_in_and_still_redacts_secrets(cli, db, tmp_path):
    fixture = DATA / "callbacks_slp.jsonl"
    assert cli("ingest", fixture).exit_code == 0
    assert PROMPT.encode() not in db.read_bytes()
    other = tmp_path / "kept.duckdb"
    leaky = write_jsonl(tmp_path / "leaky.jsonl", [slp("leaky", messages=[{"role": "user", "content": f"my key is {SECRET}"}])])
    run = cli("--db", other, "ingest", fixture, leaky, "--keep-payloads", use_db=False)
    assert run.exit_code == 0, run.stderr
    with duckdb.connect(str(other), read_only=True) as con:
        messages = con.execute("SELECT string_agg(messages, '') FROM call_payloads").fetchone()[0]
        count = con.execute("SELECT count(*) FROM call_payloads").fetchone()[0]
    assert count == 6 and PROMPT in messages and "my key is [REDACTED]" in messages
    assert SECRET.encode() not in other.read_bytes()


# -- outputs ----------------------------------------------------------------------------------


def test_interrupted_output_leaves_the_old_file(tmp_path, monkeypatch):
    import os

    from litecost.cli import common

    target = tmp_path / "report.csv"
    target.write_text("yesterday's report\n")

    def broken_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(KeyboardInterrupt):
        common.write_output("a,b\n1,2\n" * 1000, target)
    assert target.read_text() == "yesterday's report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


# -- fuzzing every parser ------------------------------------------------------------------------

_FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(string.ascii_letters + "_", max_size=12), children, max_size=6),
    max_leaves=20,
)
litellm_keys = st.sampled_from(["id", "request_id", "startTime", "spend", "model", "cost", "response_cost", "prompt_tokens",
                                "completion_tokens", "metadata", "request_tags", "standard_logging_object", "cache_hit"])
records = st.dictionaries(litellm_keys, json_values, min_size=1, max_size=8)


def _assert_clean(run) -> None:
    assert run.exit_code in (0, 2, 3), run.stderr
    if run.exit_code:
        errors = [line for line in run.stderr.splitlines() if line.startswith("litecost: error:")]
        assert len(errors) == 1 and "internal error" not in errors[0], run.stderr
    else:
        doc = run.json()
        assert doc["rows_read"] == doc["inserted"] + doc["duplicates"] + doc["rejected"]


@pytest.mark.slow
@_FUZZ
@given(blob=st.binary(max_size=600))
def test_random_bytes_never_crash_ingest(cli, tmp_path, blob):
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(blob)
    _assert_clean(cli("ingest", path, "--format", "json"))


@pytest.mark.slow
@_FUZZ
@given(lines=st.lists(records | json_values, min_size=1, max_size=6))
def test_random_json_lines_never_crash_ingest(cli, tmp_path, lines):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    _assert_clean(cli("ingest", path, "--format", "json"))


@pytest.mark.slow
@_FUZZ
@given(rows=st.lists(st.lists(st.text(string.printable, max_size=15), min_size=1, max_size=5), max_size=5))
def test_random_spendlogs_csv_never_crashes_ingest(cli, tmp_path, rows):
    import csv

    path = tmp_path / "fuzz.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["request_id", "startTime", "spend", "prompt_tokens", "metadata"])
        writer.writerows(rows)
    _assert_clean(cli("ingest", path, "--format", "json"))


@pytest.mark.slow
@_FUZZ
@given(document=json_values | st.dictionaries(st.sampled_from(["models", "adjustments", "unit", "version"]), json_values))
def test_random_price_files_never_crash(cli, tmp_path, document):
    import yaml

    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(document))
    run = cli("pricing", "show", "gpt-4o-mini", "--pricing", path, "--format", "json")
    assert run.exit_code in (0, 2, 3), run.stderr
    assert "internal error" not in run.stderr
