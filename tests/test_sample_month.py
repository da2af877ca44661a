"""The bundled sample month: both LiteLLM representations give the same calls."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

SAMPLE = Path(__file__).parent.parent / "sample_data"
EXPECTED = json.loads((SAMPLE / "expected_totals.json").read_text())
PROVENANCE = ("source_kind", "ingest_id", "source_line")
# Only callback payloads carry the provider's response (and so its snapshot model name).
ONLY_IN_CALLBACKS = ("model_resolved",)


@pytest.fixture(scope="module")
def two_stores(tmp_path_factory):
    from typer.testing import CliRunner

    from litecost.cli.main import app

    base = tmp_path_factory.mktemp("sample")
    runner = CliRunner()
    results = {}
    for name, path in (("spendlogs", SAMPLE / "spendlogs_2026-10.csv"), ("callbacks", SAMPLE / "callbacks_2026-10.jsonl")):
        db = base / f"{name}.duckdb"
        run = runner.invoke(app, ["--db", str(db), "ingest", str(path), "--format", "json"], catch_exceptions=False)
        assert run.exit_code == 0, run.stderr
        results[name] = (db, json.loads(run.stdout))
    return base, results


def test_every_record_is_stored(two_stores):
    _, results = two_stores
    for _, summary in results.values():
        assert (summary["rows_read"], summary["inserted"], summary["duplicates"], summary["rejected"]) == (
            EXPECTED["calls"], EXPECTED["calls"], 0, 0)


def test_both_representations_give_identical_calls(two_stores):
    base, results = two_stores
    con = duckdb.connect()
    con.execute(f"ATTACH '{results['spendlogs'][0]}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{results['callbacks'][0]}' AS b (READ_ONLY)")
    columns = [
        r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'a' AND table_name = 'calls'"
        ).fetchall() if r[0] not in PROVENANCE + ONLY_IN_CALLBACKS
    ]
    assert len(columns) > 40
    select = ", ".join(f'"{c}"' for c in columns)
    only_a = con.execute(f"SELECT count(*) FROM (SELECT {select} FROM a.calls EXCEPT SELECT {select} FROM b.calls)").fetchone()[0]
    only_b = con.execute(f"SELECT count(*) FROM (SELECT {select} FROM b.calls EXCEPT SELECT {select} FROM a.calls)").fetchone()[0]
    con.close()
    assert (only_a, only_b) == (0, 0)


def test_totals_match_the_generator(two_stores):
    _, results = two_stores
    with duckdb.connect(str(results["spendlogs"][0]), read_only=True) as con:
        calls, failures, cache_hits, spend = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'failure'), count(*) FILTER (WHERE cache_hit),"
            " sum(logged_cost) FROM calls"
        ).fetchone()
        assert (calls, failures, cache_hits) == (EXPECTED["calls"], EXPECTED["failures"], EXPECTED["cache_hits"])
        # Each logged spend is stored with 18 decimals; the generator summed the exact strings.
        assert abs(spend - Decimal(EXPECTED["spend"])) < Decimal("1e-14")
        for category, total in EXPECTED["tokens"].items():
            assert con.execute(f"SELECT sum({category}_tokens) FROM calls").fetchone()[0] == total, category


def test_reingesting_either_file_into_the_other_store_adds_nothing(two_stores):
    _, results = two_stores
    db, _ = results["spendlogs"]
    from typer.testing import CliRunner

    from litecost.cli.main import app

    run = CliRunner().invoke(app, ["--db", str(db), "ingest", str(SAMPLE / "callbacks_2026-10.jsonl"),
                                   str(SAMPLE / "spendlogs_2026-10.csv"), "--reread", "--format", "json"])
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["inserted"], doc["duplicates"], doc["conflicts"]) == (0, 2 * EXPECTED["calls"], 0)
