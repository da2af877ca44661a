"""Price parity with LiteLLM across its whole map (tests/data/litellm_parity).

One call per token-priced chat key of LiteLLM 1.110.2's bundled map and usage profile its entry
prices, and per Responses API, embedding and text-completion key, priced by LiteLLM's own
logging path; its `response_cost` is the oracle. Every call LiteLLM priced above $0 must re-price
to it within 1e-9 relative, except the gaps listed by cause in `known_gaps.json` — a ratchet:
a new gap fails, and so does a listed gap that is now exact (take it off the list).
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from conftest import DATA
from litecost.cli.main import app
from litecost.pricing.book import PriceBook
from litecost.pricing.litellm_map import litellm_lookup_names
from litecost.pricing.repricing import install_priced_calls
from litecost.store import Store

PARITY = DATA / "litellm_parity"
KEYS: dict[str, str] = json.loads((PARITY / "calls.json").read_text())
KNOWN: dict[str, list[str]] = {c: keys for c, keys in json.loads((PARITY / "known_gaps.json").read_text()).items()
                               if c != "_"}


@pytest.fixture(scope="module")
def repriced(tmp_path_factory) -> dict[str, tuple]:
    db = tmp_path_factory.mktemp("parity") / "parity.duckdb"
    run = CliRunner().invoke(app, ["--db", str(db), "ingest", str(PARITY / "callbacks.jsonl.gz"), "--format", "json"])
    assert run.exit_code == 0, run.stderr
    with Store.open(db, read_only=True) as store:
        install_priced_calls(store.con, PriceBook.load())
        rows = store.con.execute("SELECT request_id, priced, logged_cost, repriced_cost FROM priced_calls").fetchall()
    return {KEYS[r[0]]: r[1:] for r in rows}


def _gaps(repriced: dict[str, tuple]) -> set[str]:
    return {
        key for key, (priced, logged, cost) in repriced.items()
        if logged > 0 and (not priced or abs(cost - logged) / logged > Decimal("1e-9"))
    }


def test_every_logged_call_is_stored(repriced):
    assert len(repriced) == len(KEYS) > 3000


def test_every_call_litellm_priced_is_repriced_exactly_or_is_a_known_gap(repriced):
    gaps = _gaps(repriced)
    known = {key for keys in KNOWN.values() for key in keys}
    new = sorted(gaps - known)
    assert not new, f"{len(new)} key(s) re-price differently from LiteLLM: " + ", ".join(
        f"{k} ({repriced[k][2]} vs LiteLLM's {repriced[k][1]})" for k in new[:20])
    fixed = sorted(known - gaps)
    assert not fixed, f"now exact, take them off known_gaps.json: {fixed}"


def test_the_known_gaps_stay_few(repriced):
    """The figure the README states: exact on all but these, out of every call LiteLLM priced."""
    priced_by_litellm = sum(1 for _, logged, _ in repriced.values() if logged > 0)
    assert priced_by_litellm == 8253
    assert sum(len(keys) for keys in KNOWN.values()) <= 5


def test_every_usage_profile_a_key_prices_is_in_the_corpus():
    """Cache reads and writes, reasoning, audio and each long-context tier, beside the plain
    call: a regenerated corpus that lost a profile would hide its rules from the ratchet."""
    profiles = Counter(label.split(" [")[1].rstrip("]") if " [" in label else "plain" for label in KEYS.values())
    assert profiles["plain"] > 3300
    for profile in ("cache_read", "cache_write_5m", "cache_write_1h", "reasoning"):
        assert profiles[profile] > 200, profile
    for profile in ("audio", "above_128000", "above_200000", "above_272000"):
        assert profiles[profile] > 10, profile
    # over HTTP, each in its provider's format (see generate.py)
    assert profiles["responses"] > 150 and profiles["embedding"] > 120 and profiles["completion"] > 20


def test_a_doubled_provider_prefix_is_looked_up_last_as_litellm_does():
    """Perplexity's Agent API keys are `perplexity/perplexity/<model>`; a call logs
    `perplexity/<model>`, and LiteLLM tries the doubled prefix after every other name."""
    assert litellm_lookup_names("perplexity/glm-5.2", "perplexity")[-1] == "perplexity/perplexity/glm-5.2"
    assert litellm_lookup_names("perplexity/sonar", "perplexity")[0] == "perplexity/sonar"  # its chat entry first
    assert "perplexity/perplexity/glm-5.2" not in litellm_lookup_names("glm-5.2", "perplexity")


def test_the_vertex_location_litellm_billed_is_stored_from_callbacks_and_spendlogs(tmp_path):
    """LiteLLM prices a non-global Vertex location with the entry's regional uplift, and says
    which location in cost_breakdown.vertex_location: each call keeps it."""
    row = json.loads((DATA / "litellm_corpus" / "spendlogs_psql.jsonl").read_text().splitlines()[0])
    row["request_id"] = "vertex-row"
    row["metadata"]["cost_breakdown"]["vertex_location"] = "europe-west4"
    spendlogs = tmp_path / "spendlogs.jsonl"
    spendlogs.write_text(json.dumps(row) + "\n")
    db = tmp_path / "vertex.duckdb"
    run = CliRunner().invoke(app, ["--db", str(db), "ingest", str(PARITY / "callbacks.jsonl.gz"), str(spendlogs)])
    assert run.exit_code == 0, run.stderr
    with Store.open(db, read_only=True) as store:
        located = dict(store.con.execute(
            "SELECT provider, (count(*) - count(vertex_location), list_distinct(list(vertex_location))) FROM calls"
            " WHERE request_id <> 'vertex-row' GROUP BY ALL").fetchall())
        spendlogs_row = store.con.execute("SELECT vertex_location FROM calls WHERE request_id = 'vertex-row'").fetchone()
    without, locations = located["vertex_ai"]
    assert without == 0 and "us-central1" in locations  # every Vertex call names where it ran
    assert located["openai"][1] == []  # and no other provider's call has one
    assert spendlogs_row == ("europe-west4",)


def _vertex_call() -> dict:
    """A Vertex AI call LiteLLM priced at its us-central1 endpoint, uplift included."""
    for line in gzip.open(PARITY / "callbacks.jsonl.gz", "rt"):
        call = json.loads(line)
        if KEYS[call["id"]] == "vertex_ai/gemini-3.5-flash":
            assert call["cost_breakdown"]["vertex_location"] == "us-central1"
            return call
    raise AssertionError("no vertex_ai/gemini-3.5-flash call in the corpus")


def test_a_regional_vertex_call_costs_the_uplift_and_a_global_one_does_not(tmp_path):
    regional = _vertex_call()
    served_globally = json.loads(json.dumps(regional))
    served_globally["id"] = served_globally["litellm_call_id"] = "served-globally"
    served_globally["cost_breakdown"]["vertex_location"] = "global"
    source = tmp_path / "vertex.jsonl"
    source.write_text(json.dumps(regional) + "\n" + json.dumps(served_globally) + "\n")
    db = tmp_path / "vertex.duckdb"
    assert CliRunner().invoke(app, ["--db", str(db), "ingest", str(source)]).exit_code == 0
    with Store.open(db, read_only=True) as store:
        install_priced_calls(store.con, PriceBook.load())
        cost = dict(store.con.execute("SELECT request_id, (repriced_cost, price_adjustments) FROM priced_calls").fetchall())
    logged = Decimal(repr(regional["response_cost"]))
    assert abs(cost[regional["id"]][0] - logged) / logged < Decimal("1e-9")
    assert cost[regional["id"]][1] == "Vertex AI regional endpoint (us-central1) x1.1"
    assert abs(cost["served-globally"][0] * Decimal("1.1") - logged) / logged < Decimal("1e-9")
    assert cost["served-globally"][1] is None

    # Reports price summed calls: the same rule holds there.
    month = datetime.fromtimestamp(regional["startTime"], timezone.utc).strftime("%Y-%m")
    run = CliRunner().invoke(app, ["--db", str(db), "report", "--period", month, "--by", "provider", "--format", "json"])
    assert run.exit_code == 0, run.stderr
    [row] = json.loads(run.stdout)["rows"]
    assert abs(Decimal(str(row["repriced_cost"])) - logged * (1 + 1 / Decimal("1.1"))) < Decimal("1e-12")


def test_a_regional_uplift_that_is_not_a_multiplier_is_a_one_line_error(tmp_path):
    price_map = tmp_path / "map.json"
    price_map.write_text(json.dumps({"vertex_ai/x": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
                                                     "regional_endpoint_uplift_multiplier": -1}}))
    run = CliRunner().invoke(app, ["pricing", "show", "vertex_ai/x", "--pricing", str(price_map)])
    assert run.exit_code == 3
    assert "regional_endpoint_uplift_multiplier is -1, not a multiplier" in run.stderr


def test_a_call_litellm_failed_to_price_is_repriced_and_pricing_diff_says_why(tmp_path):
    """LiteLLM routes `jamba-*` keys to `ai21_chat`, which its map does not list: the cost
    calculation raises, the call is logged at $0 with the error in
    `response_cost_failure_debug_info`. litecost prices it from the map and names the failure."""
    failed = {label: call for line in gzip.open(PARITY / "callbacks.jsonl.gz", "rt")
              if (label := KEYS[(call := json.loads(line))["id"]]) in ("jamba-1.5", "azure/mistral-large-latest")}
    assert all(call["response_cost"] == 0 for call in failed.values())
    source = tmp_path / "failed.jsonl"
    source.write_text("".join(json.dumps(call) + "\n" for call in failed.values()))
    db = tmp_path / "failed.duckdb"
    assert CliRunner().invoke(app, ["--db", str(db), "ingest", str(source)]).exit_code == 0
    run = CliRunner().invoke(app, ["--db", str(db), "pricing", "diff", "--since", "2026-11-01", "--until", "2027-03-01",
                                   "--format", "json"])
    assert run.exit_code == 0, run.stderr
    document = json.loads(run.stdout)
    reasons = {row["model"]: (Decimal(str(row["repriced_cost"])), row["likely_reason"])
               for row in document["largest_differences"]}
    assert reasons["jamba-1.5"] == (
        Decimal("0.0004"),
        "LiteLLM's cost calculation failed, so it logged $0: This model isn't mapped yet. model=jamba-1.5,"
        " custom_llm_provider=ai21_chat.")
    assert [(r["likely_reason"], r["calls"]) for r in document["reasons"]] == [
        ("LiteLLM's cost calculation failed, so it logged $0", 2)]
