"""LiteLLM's price-map aliases: `alias_of` rows (98 in the 1.110.2 map, e.g.
`bedrock/claude-opus-latest`) and `aliases` lists, served as the row they name."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

from typer.testing import CliRunner

from conftest import DATA
from litecost.cli.main import app
from litecost.pricing.book import PriceBook
from litecost.pricing.repricing import install_priced_calls
from litecost.store import Store

PARITY = DATA / "litellm_parity"


def _show(model: str, *pricing: str) -> dict:
    args = ["pricing", "show", model, "--format", "json"]
    for path in pricing:
        args += ["--pricing", path]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.stderr
    document = json.loads(run.stdout)
    rates = {p["category"]: Decimal(str(p["usd_per_token"])) for p in document["prices"] if p["service_tier"] == "standard"}
    return {"price_model": document["price_model"], "input": rates["input"], "output": rates["output"]}


def test_an_alias_of_the_shipped_map_is_priced_as_the_row_it_names():
    assert _show("bedrock/claude-opus-latest") == {
        "price_model": "global.anthropic.claude-opus-5-5", "input": Decimal("4e-6"), "output": Decimal("2e-5")}
    # The bare alias names another row than the Bedrock one: the earliest name's alias wins.
    assert _show("claude-opus-latest")["price_model"] == "claude-opus-5-5"


def test_alias_rules_follow_litellm(tmp_path):
    price_map = tmp_path / "map.json"
    price_map.write_text(json.dumps({
        "acme/large": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "aliases": ["acme/big", "acme/small"]},
        "acme/small": {"input_cost_per_token": 1e-7, "output_cost_per_token": 2e-7},
        "acme/latest": {"alias_of": "acme/large"},
        "acme/newest": {"alias_of": "acme/latest"},  # an alias of an alias: LiteLLM drops it
    }))
    assert _show("acme/big", str(price_map))["price_model"] == "acme/large"
    assert _show("acme/latest", str(price_map))["price_model"] == "acme/large"
    assert _show("acme/small", str(price_map))["input"] == Decimal("1e-7")  # a row's own name is never an alias
    run = CliRunner().invoke(app, ["pricing", "show", "acme/newest", "--pricing", str(price_map)])
    assert run.exit_code != 0 and "no price for 'acme/newest'" in run.stderr

    # An override of the row the alias names prices the alias too.
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("models:\n  - model: acme/large\n    unit: usd_per_1m_tokens\n    prices: {input: 5}\n")
    assert _show("acme/latest", str(price_map), str(overrides))["input"] == Decimal("5e-6")


def test_a_call_logged_under_an_alias_alone_is_priced_as_litellm_priced_it(tmp_path):
    keys = json.loads((PARITY / "calls.json").read_text())
    for line in gzip.open(PARITY / "callbacks.jsonl.gz", "rt"):
        call = json.loads(line)
        if keys[call["id"]] == "azure_ai/gpt-astra-latest":
            break
    # As a log without LiteLLM's price key would carry it: the alias as the model.
    call["model"] = "azure_ai/gpt-astra-latest"
    call.pop("model_map_information")
    source = tmp_path / "alias.jsonl"
    source.write_text(json.dumps(call) + "\n")
    db = tmp_path / "a.duckdb"
    assert CliRunner().invoke(app, ["--db", str(db), "ingest", str(source)]).exit_code == 0
    with Store.open(db, read_only=True) as store:
        install_priced_calls(store.con, PriceBook.load())
        [(model, cost)] = store.con.execute("SELECT price_model, repriced_cost FROM priced_calls").fetchall()
    assert model == "azure_ai/gpt-6-astra"
    assert abs(cost - Decimal(repr(call["response_cost"]))) < Decimal("1e-15")
