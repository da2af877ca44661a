"""What litecost makes of calls the real LiteLLM 1.110.2 made and logged (tests/data/litellm_corpus).

The oracle is LiteLLM itself: its `response_cost` per call, its call count, and the attribution
the generator passed in. Each ingestible form of the same calls must agree with it.
"""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import DATA
from litecost.cli.main import app
from litecost.pricing.book import PriceBook
from litecost.pricing.repricing import install_priced_calls
from litecost.store import Store

CORPUS = DATA / "litellm_corpus"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text())
CALLBACK_FORMS = ["callbacks_slp.jsonl", "callbacks_kwargs.jsonl"]
# The proxy's LiteLLM_SpendLogs rows of the same calls, from a table built by LiteLLM's migrations.
SPENDLOGS_FORMS = ["spendlogs.csv", "spendlogs_psql.jsonl", "spendlogs_copy.txt", "spendlogs_agg.json",
                   "spend_logs_v2_page.json", "spendlogs.parquet"]
FORMS = CALLBACK_FORMS + SPENDLOGS_FORMS
# The same forms from calls made through the proxy (generate_proxy.py), with their own oracle.
PROXY_EXPECTED: dict[str, dict] = json.loads((CORPUS / "proxy_expected.json").read_text())
PROXY_FORMS = ["proxy_" + form for form in FORMS]
# Every form gzipped: checked by the cost test only (which finds each call by its id).
GZIPPED = [form + ".gz" for form in FORMS + PROXY_FORMS if not form.endswith(".parquet")]
ORACLE = {form: EXPECTED for form in FORMS} | {form: PROXY_EXPECTED for form in PROXY_FORMS}
ORACLE |= {form: ORACLE[form[:-3]] for form in GZIPPED}
EVERY_FORM = FORMS + PROXY_FORMS


def _corpus_file(tmp_path, name: str) -> str:
    """A corpus file; `*.parquet` is made from the CSV export as a user would:
    `duckdb -c "COPY (FROM 'spendlogs.csv') TO 'spendlogs.parquet'"` (JSON columns stay text)."""
    if name.endswith(".gz"):  # any form, gzipped
        target = tmp_path / name
        if not target.exists():
            target.write_bytes(gzip.compress(Path(_corpus_file(tmp_path, name[:-3])).read_bytes()))
        return str(target)
    if not name.endswith(".parquet"):
        return str(CORPUS / name)
    target = tmp_path / name
    if not target.exists():
        csv = CORPUS / name.replace(".parquet", ".csv")
        with duckdb.connect() as con:
            con.execute("SET VARIABLE src = ?", [str(csv)])
            con.execute(f"COPY (SELECT * FROM read_csv(getvariable('src'))) TO '{target}' (FORMAT parquet)")
    return str(target)


def _ingest(tmp_path, *files: str) -> list[dict]:
    db = tmp_path / "corpus.duckdb"
    paths = [_corpus_file(tmp_path, f) for f in files]
    run = CliRunner().invoke(app, ["--db", str(db), "ingest", *paths, "--format", "json"])
    assert run.exit_code == 0, run.stderr
    with Store.open(db, read_only=True) as store:
        install_priced_calls(store.con, PriceBook.load())
        cursor = store.con.execute(
            "SELECT litellm_call_id, request_id, status, cache_hit, priced, repriced_cost, logged_cost, usage_logged,"
            " api_key_hash, key_alias, team_id, user_id, end_user, list_sort(tags) AS tags,"
            " list_sort(user_agent_tags) AS user_agent_tags, model, provider"
            " FROM priced_calls ORDER BY litellm_call_id, request_id"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def _by_call(rows: list[dict]) -> dict[str, dict]:
    by_call = {r["litellm_call_id"]: r for r in rows}
    assert len(by_call) == len(rows), "two stored calls share a litellm_call_id"
    return by_call


@pytest.mark.parametrize("form", EVERY_FORM)
def test_every_call_is_stored_once(tmp_path, form):
    rows = _ingest(tmp_path, form)
    assert sorted(_by_call(rows)) == sorted(ORACLE[form])


@pytest.mark.parametrize("form", EVERY_FORM + GZIPPED)
def test_repriced_cost_is_litellms_response_cost(tmp_path, form):
    stored = _by_call(_ingest(tmp_path, form))
    wrong = {}
    for call_id, want in ORACLE[form].items():
        got = stored[call_id]
        logged = Decimal(repr(want["response_cost"]))
        assert abs(got["logged_cost"] - logged) < Decimal("1e-17"), call_id  # stored as DECIMAL(38,18)
        if want["status"] == "failure" and not want["provider"]:
            # A request for a model the proxy does not know: no provider, LiteLLM logs $0, and
            # litecost reports it unpriced like any unknown model.
            ok = not got["priced"] and logged == 0
        elif want["status"] == "failure" or want["cache_hit"]:
            # Nothing reached the provider's bill: LiteLLM logs $0, litecost re-prices $0.
            ok = got["repriced_cost"] == 0
        elif logged == 0:
            ok = not got["priced"]  # LiteLLM logged $0 for a model missing from its map
        else:
            ok = got["priced"] and abs(got["repriced_cost"] - logged) / logged < Decimal("1e-9")
        if not ok:
            wrong[call_id] = (got["priced"], got["repriced_cost"], logged, got["model"], got["provider"])
    assert not wrong, wrong


@pytest.mark.parametrize("form", EVERY_FORM)
def test_attribution_is_what_the_proxy_metadata_said(tmp_path, form):
    stored = _by_call(_ingest(tmp_path, form))
    wrong = {}
    for call_id, want in ORACLE[form].items():
        got = stored[call_id]
        # LiteLLM's automatic "User-Agent: …" request tags are kept apart from the user's (README).
        user_agent = [t for t in want["tags"] if t.startswith("User-Agent:")]
        tags = [t for t in want["tags"] if t not in user_agent]
        expected = (want["key_hash"], want["key_alias"], want["team_id"], want["user_id"], want["end_user"], tags,
                    user_agent)
        actual = (got["api_key_hash"], got["key_alias"], got["team_id"], got["user_id"], got["end_user"], got["tags"],
                  got["user_agent_tags"] or [])
        if actual != expected:
            wrong[call_id] = (actual, expected)
    assert not wrong, wrong


def test_minimal_dicts_keep_litellms_cost_and_are_unpriced_for_want_of_usage(tmp_path):
    rows = _ingest(tmp_path, "callbacks_minimal.jsonl")
    assert len(rows) == len(EXPECTED)
    logged = sorted(r["logged_cost"] for r in rows)
    want = sorted(Decimal(repr(w["response_cost"])) for w in EXPECTED.values())
    assert all(abs(a - b) < Decimal("1e-17") for a, b in zip(logged, want))
    assert not any(r["usage_logged"] for r in rows)
    # The dict has no provider: the Bedrock call's `converse/…` model names a route, not a provider.
    assert {r["provider"] for r in rows if r["model"].startswith("converse/")} == {"bedrock"}
    assert not any(r["priced"] for r in rows)


def test_all_callback_forms_together_store_each_call_once(tmp_path):
    rows = _ingest(tmp_path, *CALLBACK_FORMS)
    assert sorted(_by_call(rows)) == sorted(EXPECTED)


def test_callbacks_and_spendlogs_of_the_same_calls_store_each_call_once(tmp_path):
    """A proxy logs each call to SpendLogs and to its callbacks; the cache hit's two ids differ in
    their `_cache_hit<time>` suffix, and still make one call."""
    rows = _ingest(tmp_path, *FORMS)
    assert sorted(_by_call(rows)) == sorted(EXPECTED)


def test_proxy_callbacks_and_spendlogs_of_the_same_calls_store_each_call_once(tmp_path):
    rows = _ingest(tmp_path, *PROXY_FORMS)
    assert sorted(_by_call(rows)) == sorted(PROXY_EXPECTED)


def _priced(db, book: PriceBook) -> dict[str, dict]:
    with Store.open(db, read_only=True) as store:
        install_priced_calls(store.con, book)
        cursor = store.con.execute("SELECT request_id, priced, price_model, repriced_cost FROM priced_calls")
        return {r[0]: {"priced": r[1], "price_model": r[2], "cost": r[3]} for r in cursor.fetchall()}


def _house_model_lines() -> list[dict]:
    """The proxy call to `house-model`, a deployment priced in the proxy config (1e-6 in, 4e-6 out)."""
    lines = [json.loads(line) for line in (CORPUS / "proxy_callbacks_slp.jsonl").read_text().splitlines()]
    return [line for line in lines if line["model_group"] == "house-model"]


def test_a_deployment_priced_in_the_proxy_config_is_repriced_at_its_logged_prices(tmp_path):
    (call,) = _house_model_lines()
    # A second call to the same deployment a day later, after its price was raised.
    later = json.loads(json.dumps(call))
    later["id"] = later["litellm_call_id"] = "house-model-after-the-change"
    later["startTime"] += 86400
    later["endTime"] += 86400
    later["model_map_information"]["model_map_value"]["input_cost_per_token"] = 2e-6
    source = tmp_path / "house.jsonl"
    source.write_text(json.dumps(call) + "\n" + json.dumps(later) + "\n")
    db = tmp_path / "house.duckdb"
    assert CliRunner().invoke(app, ["--db", str(db), "ingest", str(source)]).exit_code == 0
    priced = _priced(db, PriceBook.load())
    deployment = call["model_map_information"]["model_map_value"]["key"]
    assert priced[call["id"]] == {"priced": True, "price_model": f"deployment:{deployment}",
                                  "cost": Decimal("1200") * Decimal("1e-6") + Decimal("300") * Decimal("4e-6")}
    assert priced[later["id"]]["cost"] == Decimal("1200") * Decimal("2e-6") + Decimal("300") * Decimal("4e-6")


def test_a_price_file_overrides_the_deployments_logged_prices(tmp_path):
    (call,) = _house_model_lines()
    source = tmp_path / "house.jsonl"
    source.write_text(json.dumps(call) + "\n")
    db = tmp_path / "house.duckdb"
    assert CliRunner().invoke(app, ["--db", str(db), "ingest", str(source)]).exit_code == 0
    overrides = tmp_path / "house.yaml"
    overrides.write_text("unit: usd_per_1m_tokens\nmodels:\n  - model: openai/house-model\n    prices: {input: 0.5}\n")
    priced = _priced(db, PriceBook.load([overrides]))
    # input from the price file, output still the deployment's own
    assert priced[call["id"]]["cost"] == Decimal("1200") * Decimal("0.5e-6") + Decimal("300") * Decimal("4e-6")


def test_every_form_of_both_runs_together_stores_each_call_once(tmp_path):
    rows = _ingest(tmp_path, *EVERY_FORM)
    assert sorted(_by_call(rows)) == sorted(EXPECTED | PROXY_EXPECTED)
    assert len(rows) == 30
