"""Re-pricing reproduces LiteLLM's own response_cost on calls LiteLLM 1.110.2 priced itself.

tests/data/litellm_generated/ holds StandardLoggingPayloads made by the real LiteLLM with
its bundled price map, which is byte-identical to pricing/litellm_model_prices.json.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from conftest import DATA
from litecost.pricing.book import PriceBook
from litecost.pricing.repricing import install_priced_calls
from litecost.store import Store

GENERATED = DATA / "litellm_generated"
EXPECTED = json.loads((GENERATED / "expected_costs.json").read_text())


@pytest.fixture(scope="module")
def priced(tmp_path_factory):
    from typer.testing import CliRunner

    from litecost.cli.main import app

    db = tmp_path_factory.mktemp("litellm") / "t.duckdb"
    run = CliRunner().invoke(app, ["--db", str(db), "ingest", str(GENERATED / "callbacks.jsonl"), "--format", "json"])
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["inserted"] == len(EXPECTED)
    with Store.open(db, read_only=True) as store:
        install_priced_calls(store.con, PriceBook.load())
        cursor = store.con.execute("SELECT request_id, priced, repriced_cost, service_tier, price_model FROM priced_calls")
        yield {r[0]: r[1:] for r in cursor.fetchall()}


@pytest.mark.parametrize("request_id", sorted(EXPECTED))
def test_matches_litellm_response_cost(priced, request_id):
    expected = Decimal(repr(EXPECTED[request_id]["response_cost"]))
    is_priced, repriced, service_tier, price_model = priced[request_id]
    assert is_priced, f"{request_id} unpriced"
    if expected == 0:
        assert repriced == 0
    else:
        assert abs(repriced - expected) / expected < Decimal("1e-9"), (request_id, repriced, expected, price_model)


def test_cases_cover_the_rules_that_matter(priced):
    cases = {v["case"] for v in EXPECTED.values()}
    assert {"a", "b", "c", "d", "e", "f", "g"} <= cases
    tiers = {priced[k][2] for k in EXPECTED}
    assert {"standard", "batch", "priority"} <= tiers
