"""The price book: layers, overrides, price history, adjustments, and the pricing commands."""

from __future__ import annotations

import http.server
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import slp, write_jsonl
from litecost.pricing.book import PriceBook
from litecost.pricing.litellm_map import snapshot_paths
from litecost.pricing.repricing import install_priced_calls
from litecost.store import Store


def call(request_id, model, provider, prompt, completion, *, cached=0, written=0, text=None, reasoning=0,
         start=1790850000.0, call_type="acompletion", service_tier=None, cache_hit=False, cost=0.0, group=None):
    details = {"cached_tokens": cached}
    if written or text is not None:
        details.update({"cache_creation_tokens": written, "text_tokens": text if text is not None else prompt - cached - written})
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "prompt_tokens_details": details,
             "completion_tokens_details": {"reasoning_tokens": reasoning}}
    record = slp(request_id, model=model, custom_llm_provider=provider, prompt_tokens=prompt, completion_tokens=completion,
                 total_tokens=prompt + completion, startTime=start, call_type=call_type, cache_hit=cache_hit,
                 response_cost=cost, model_group=group or model)
    record["metadata"]["usage_object"] = usage
    record["response"] = {"id": request_id, "model": model}
    if service_tier:
        record["cost_breakdown"] = {"service_tier": service_tier}
    return record


def reprice(cli, db, tmp_path, records, *pricing):
    path = write_jsonl(tmp_path / "calls.jsonl", records)
    run = cli("ingest", path)
    assert run.exit_code == 0, run.stderr
    with Store.open(db, read_only=True) as store:
        install_priced_calls(store.con, PriceBook.load(pricing))
        rows = store.con.execute("SELECT request_id, repriced_cost, priced FROM priced_calls").fetchall()
    return {r[0]: (r[1] if r[2] else None) for r in rows}


def test_reference_worked_examples(cli, db, tmp_path):
    # litellm-formats.md §5.2, each VERIFIED-RUN against LiteLLM 1.110.2.
    got = reprice(cli, db, tmp_path, [
        call("openai-cached", "gpt-4o-mini", "openai", 10000, 300, cached=6000),
        call("anthropic-cache", "claude-sonnet-4-5-20250929", "anthropic", 24200, 500, cached=20000, written=3000, text=1200),
        call("reasoning", "o3-mini", "openai", 1000, 5000, reasoning=4000),
        call("gemini-long", "gemini/gemini-2.5-pro", "gemini", 250000, 2000),
        call("gemini-short", "gemini/gemini-2.5-pro", "gemini", 150000, 2000),
        call("batch", "gpt-4o-mini", "openai", 1000, 100, call_type="aretrieve_batch"),
    ])
    assert got == {
        "openai-cached": Decimal("0.00123"),
        "anthropic-cache": Decimal("0.02835"),
        "reasoning": Decimal("0.0231"),
        "gemini-long": Decimal("0.655"),
        "gemini-short": Decimal("0.2075"),
        "batch": Decimal("0.000105"),
    }


def test_cache_hits_cost_nothing_and_unknown_models_are_unpriced(cli, db, tmp_path):
    got = reprice(cli, db, tmp_path, [
        call("hit", "gpt-4o-mini", "openai", 1000, 100, cache_hit=True),
        call("mystery", "acme-llm-9000", "acme", 1000, 100),
    ])
    assert got == {"hit": Decimal(0), "mystery": None}


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_price_change_mid_month_prices_calls_on_each_side(cli, db, tmp_path):
    overrides = write(tmp_path / "prices.yaml", """
unit: usd_per_1m_tokens
models:
  - model: gpt-4o-mini
    effective_from: 2026-10-15
    prices: {input: 0.30, output: 1.20}
""")
    oct_10, oct_20 = 1791590400.0, 1792454400.0  # 2026-10-10 and 2026-10-20, 00:00 UTC
    got = reprice(cli, db, tmp_path, [
        call("before", "gpt-4o-mini", "openai", 1_000_000, 1_000_000, start=oct_10),
        call("after", "gpt-4o-mini", "openai", 1_000_000, 1_000_000, start=oct_20),
        call("edge", "gpt-4o-mini", "openai", 1_000_000, 0, start=1792022400.0),  # exactly 2026-10-15T00:00Z
    ], overrides)
    assert got["before"] == Decimal("0.75")  # list: 0.15 + 0.60
    assert got["after"] == Decimal("1.50")   # override: 0.30 + 1.20
    assert got["edge"] == Decimal("0.30")    # effective_from is inclusive


def test_override_keeps_prices_it_does_not_name_and_adjustments_apply(cli, db, tmp_path):
    overrides = write(tmp_path / "prices.yaml", """
models:
  - model: gpt-4o-mini
    unit: usd_per_token
    prices: {input: 0.0000003}
adjustments:
  - provider: openai
    discount_percent: 10
    note: commit discount
""")
    got = reprice(cli, db, tmp_path, [call("c", "gpt-4o-mini", "openai", 10000, 300, cached=6000)], overrides)
    # input from the override, cache read and output from the LiteLLM snapshot, then -10%.
    assert got["c"] == (Decimal(4000) * Decimal("0.0000003") + 6000 * Decimal("7.5e-8") + 300 * Decimal("6e-7")) * Decimal("0.9")


def test_glob_regex_tiers_batch_multiplier_and_price_as(cli, db, tmp_path):
    overrides = write(tmp_path / "prices.yaml", """
unit: usd_per_1m_tokens
models:
  - regex: "^acme-llm-[0-9]+$"
    prices: {input: 1, output: 2}
    tiers:
      - above_tokens: 100000
        prices: {input: 3, output: 6}
    service_tiers:
      batch: {multiplier: 0.25}
  - glob: "corp-*"
    price_as: gpt-4o-mini
""")
    got = reprice(cli, db, tmp_path, [
        call("small", "acme-llm-9000", "acme", 1_000_000 // 10, 1_000_000),      # 100k: not above the tier
        call("large", "acme-llm-9000", "acme", 100_001, 0),
        call("batched", "acme-llm-9000", "acme", 1_000_000 // 10, 0, call_type="aretrieve_batch"),
        call("aliased", "corp-assistant", "openai", 1_000_000, 0),
    ], overrides)
    assert got["small"] == Decimal("0.1") + Decimal(2)
    assert got["large"] == Decimal("100001") * Decimal(3) / Decimal(1_000_000)
    assert got["batched"] == Decimal("0.1") * Decimal("0.25")
    assert got["aliased"] == Decimal("0.15")


@pytest.mark.parametrize(
    "text, message",
    [
        ("models:\n  - model: x\n    unit: usd_per_token\n    prices: {inptu: 1}\n", "prices.yaml:4:14: unknown key 'inptu' in prices"),
        ("models:\n  - model: x\n    prise: {input: 1}\n", "prices.yaml:3:5: unknown key 'prise' in a model rule"),
        ("models:\n  - model: x\n    prices: {input: 1}\n", "prices.yaml:2:5: no unit for these prices"),
        ("models:\n  - model: x\n    unit: usd_per_token\n    prices: {input: -1}\n", "prices.yaml:4:21: price of input must be a number ≥ 0"),
        ("models:\n  - regex: '('\n    price_as: y\n", "prices.yaml:2:12: invalid regex '('"),
        ("models: [\n", "prices.yaml:2:1: invalid YAML"),
        ("models:\n  - model: x\n    effective_from: last tuesday\n    price_as: y\n", "prices.yaml:3:21: effective_from 'last tuesday' is not a date"),
    ],
)
def test_bad_override_files_are_one_line_errors_with_file_line_and_key(cli, tmp_path, text, message):
    path = write(tmp_path / "prices.yaml", text)
    run = cli("pricing", "show", "gpt-4o-mini", "--pricing", path)
    assert run.exit_code == 3
    assert run.stderr.count("\n") == 1
    assert message in run.stderr, run.stderr


def test_pricing_show_names_the_layer_of_each_price(cli, tmp_path):
    overrides = write(tmp_path / "prices.yaml", "unit: usd_per_1m_tokens\nmodels:\n  - model: gpt-4o-mini\n    prices: {input: 0.12}\n")
    doc = cli("pricing", "show", "gpt-4o-mini", "--pricing", overrides, "--format", "json").json()
    standard = {r["category"]: r for r in doc["prices"] if r["service_tier"] == "standard"}
    assert standard["input"]["usd_per_1m_tokens"] == "0.12" and standard["input"]["layer"] == "prices.yaml"
    assert standard["output"]["usd_per_1m_tokens"] == "0.6" and standard["output"]["layer"].startswith("litellm snapshot")
    assert standard["cache_read"]["source"] == "cache_read_input_token_cost"


def test_pricing_check_and_strict(cli, db, tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [call("a", "acme-llm-9000", "acme", 10, 10), call("b", "gpt-4o-mini", "openai", 10, 10)])
    assert cli("ingest", tmp_path / "c.jsonl").exit_code == 0
    run = cli("pricing", "check", "--format", "json")
    assert run.exit_code == 0
    assert [(r["model"], r["calls"]) for r in run.json()["unpriced"]] == [("acme-llm-9000", 1)]
    assert "never as $0" in run.stderr
    strict = cli("pricing", "check", "--strict")
    assert strict.exit_code == 4
    assert strict.stderr.strip().endswith("1 model(s) in 1 call(s) have no price; add them to a --pricing override file")


def test_pricing_diff_gives_a_stable_code_beside_every_reason(cli, db, tmp_path):
    from litecost.pricing.diff import OTHER, REASONS

    write_jsonl(tmp_path / "c.jsonl", [
        call("zero", "gpt-4o-mini", "openai", 10000, 300, cached=6000, cost=0.0),
        call("right", "gpt-4o-mini", "openai", 10000, 300, cached=6000, cost=0.00123),
        call("unknown", "no-such-model-xyz", "openai", 1000, 100, cost=0.5),
        call("hit", "gpt-4o-mini", "openai", 1000, 100, cache_hit=True, cost=0.0001),
        call("tiered", "gpt-4o-mini", "openai", 1000, 100, cost=0.1, service_tier="flex"),
    ])
    assert cli("ingest", tmp_path / "c.jsonl").exit_code == 0
    doc = cli("pricing", "diff", "--format", "json").json()
    codes = {c["request_id"]: c["reason_code"] for c in doc["largest_differences"]}
    assert codes == {"zero": "litellm_logged_zero_cost", "unknown": "unpriced_model", "hit": "cache_hit",
                     "tiered": "service_tier"}
    known = {reason.code: reason for reason in (*REASONS, OTHER)}
    assert {(r["reason_code"], r["likely_reason"], r["litellm_issue"], r["calls"]) for r in doc["reasons"]} == {
        (code, known[code].label, known[code].litellm_issue, 1) for code in codes.values()}
    assert {c["request_id"]: c["litellm_issue"] for c in doc["largest_differences"]}["zero"] == 21023
    assert len(known) == len(REASONS) + 1  # codes are unique
    table = cli("pricing", "diff", "--format", "markdown").stdout
    assert "litellm_logged_zero_cost" in table and "unpriced_model" in table


def test_pricing_diff_explains_the_gaps(cli, db, tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [
        call("zero", "gpt-4o-mini", "openai", 10000, 300, cached=6000, cost=0.0),
        call("right", "gpt-4o-mini", "openai", 10000, 300, cached=6000, cost=0.00123),
        call("stale", "o3-mini", "openai", 1000, 5000, reasoning=4000, cost=0.05),
    ])
    assert cli("ingest", tmp_path / "c.jsonl").exit_code == 0
    doc = cli("pricing", "diff", "--format", "json").json()
    reasons = {c["request_id"]: c["likely_reason"] for c in doc["largest_differences"]}
    assert reasons["zero"] == "zero logged cost (LiteLLM #21023, #35691)"
    assert "right" not in reasons
    by_model = {g["model"]: g for g in doc["groups"]}
    assert Decimal(by_model["gpt-4o-mini"]["repriced_cost"]) == Decimal("0.00246")
    assert Decimal(by_model["gpt-4o-mini"]["logged_cost"]) == Decimal("0.00123")


def test_import_config_turns_custom_prices_into_an_override_layer(cli, db, tmp_path):
    config = write(tmp_path / "config.yaml", """
model_list:
  - model_name: azure-model
    litellm_params:
      model: azure/my-deployment
      api_key: os.environ/AZURE_API_KEY
    model_info:
      input_cost_per_token: 0.000421
      output_cost_per_token: 0.000520
  - model_name: eu-gpt
    litellm_params: {model: azure/eu-deploy}
    model_info: {base_model: azure/gpt-4o}
  - model_name: sagemaker-model
    litellm_params: {model: sagemaker/x}
    model_info: {input_cost_per_second: 0.00042}
""")
    run = cli("pricing", "import-config", config, "-o", tmp_path / "imported.yaml")
    assert run.exit_code == 0, run.stderr
    assert "input_cost_per_second is not a per-token price; not imported" in run.stderr
    got = reprice(cli, db, tmp_path, [
        call("custom", "azure/my-deployment", "azure", 1000, 1000, group="azure-model"),
        call("based", "azure/eu-deploy", "azure", 1000, 0, group="eu-gpt"),
    ], tmp_path / "imported.yaml")
    # model_group (the config's model_name) carries the custom price.
    assert got["custom"] == Decimal("0.421") + Decimal("0.52")
    assert got["based"] == Decimal("0.0025")


class _MapHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    status = 200
    hits = 0

    def do_GET(self):  # noqa: N802
        type(self).hits += 1
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def map_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _MapHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _MapHandler.hits = 0
    yield server, f"http://127.0.0.1:{server.server_port}/prices.json"
    server.shutdown()


@pytest.fixture
def snapshot_dir(tmp_path, monkeypatch):
    directory = tmp_path / "snapshot"
    directory.mkdir()
    real = json.loads(snapshot_paths()[0].read_text())
    small = dict(list(real.items())[:80]) | {"gpt-4o-mini": real["gpt-4o-mini"]}
    (directory / "litellm_model_prices.json").write_text(json.dumps(small))
    monkeypatch.setenv("LITECOST_SNAPSHOT_DIR", str(directory))
    return directory, small


def test_sync_downloads_validates_and_records_provenance(cli, map_server, snapshot_dir):
    server, url = map_server
    directory, small = snapshot_dir
    new_map = dict(small)
    new_map["gpt-4o-mini"] = dict(small["gpt-4o-mini"], input_cost_per_token=2e-07)
    _MapHandler.body, _MapHandler.status = json.dumps(new_map).encode(), 200
    run = cli("pricing", "sync", "--url", url, "--format", "json")
    assert run.exit_code == 0, run.stderr
    record = run.json()
    assert record["source"] == url and record["entries"] == len(new_map) - ("sample_spec" in new_map)
    assert json.loads((directory / "litellm_model_prices.provenance.json").read_text())["sha256"] == record["sha256"]
    shown = cli("pricing", "show", "gpt-4o-mini", "--format", "json").json()
    assert [r["usd_per_1m_tokens"] for r in shown["prices"] if (r["service_tier"], r["category"]) == ("standard", "input")] == ["0.2"]


def test_sync_refuses_a_bad_download_and_keeps_the_old_snapshot(cli, map_server, snapshot_dir):
    server, url = map_server
    directory, _ = snapshot_dir
    before = (directory / "litellm_model_prices.json").read_bytes()
    _MapHandler.body, _MapHandler.status = b'{"just": {"one": 1}}', 200
    run = cli("pricing", "sync", "--url", url)
    assert run.exit_code == 3
    assert "does not look like LiteLLM's price map" in run.stderr
    _MapHandler.status = 503
    run = cli("pricing", "sync", "--url", url)
    assert run.exit_code == 3 and "HTTP 503" in run.stderr
    assert _MapHandler.hits == 1 + 3  # retried the server error
    assert (directory / "litellm_model_prices.json").read_bytes() == before


def test_sync_offline_is_a_clear_error(cli, snapshot_dir):
    run = cli("pricing", "sync", "--url", "http://127.0.0.1:9/prices.json")
    assert run.exit_code == 3
    assert run.stderr.startswith("litecost: error: could not download the price map from http://127.0.0.1:9/prices.json (ConnectError")
    assert "--from-file" in run.stderr


def test_a_call_that_logged_no_usage_is_unpriced_with_that_reason_never_zero(cli, db, tmp_path):
    # The seed article's callback dict: model, cost, cache hit and metadata, no token counts.
    no_usage = {"model": "gpt-4o-mini", "cost": 0.00123, "cache_hit": False, "start_time": "2026-10-01T14:05:00",
                "metadata": {"user_api_key_alias": "support-bot"}}
    with_usage = {**no_usage, "cost": 0.0000045, "start_time": "2026-10-01T14:06:00",
                  "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
    write_jsonl(tmp_path / "c.jsonl", [no_usage, with_usage])
    assert cli("ingest", tmp_path / "c.jsonl").exit_code == 0
    report = cli("report", "--by", "model", "--format", "json").json()
    [row] = report["rows"]
    assert (row["requests"], row["unpriced_requests"]) == (2, 1)
    assert Decimal(row["repriced_cost"]) == Decimal("0.0000045")  # the call with usage only
    diff = cli("pricing", "diff", "--format", "json").json()
    [gap] = diff["largest_differences"]
    assert gap["likely_reason"] == "no usage logged (no token counts): not re-priced"
    assert gap["repriced_cost"] is None
    check = cli("pricing", "check", "--format", "json")
    assert check.exit_code == 0 and check.json()["unpriced"] == []
    assert "1 call(s) logged no token counts" in check.stderr


def test_provider_and_bedrock_routes_are_priced_the_way_litellm_looks_them_up(cli, db, tmp_path):
    """Issue 12 items 1 and 2. Expected costs are LiteLLM 1.110.2's own `cost_per_token` for
    the same model, provider and tokens (its bundled map, which pricing/ ships):
    a provider with a bare key is looked up as `provider/key` first (Azure's embedding
    price is 2.2e-8, OpenAI's 2e-8); Bedrock drops route prefixes (`converse/`, `invoke/`)
    and a region path, and falls back from a cross-region id (`us.`) to the base model."""
    embedding = call("azure-embed", "text-embedding-3-small", "azure", 1000, 0, call_type="aembedding")
    embedding["model_map_information"] = {"model_map_key": "text-embedding-3-small", "model_map_value": None}
    converse = "bedrock/converse/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    records = [
        embedding,
        call("bedrock-converse", converse, "bedrock", 1000, 100),
        call("bedrock-region-path", "bedrock/us-east-1/eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", 1000, 100),
        call("bedrock-invoke", "bedrock/invoke/anthropic.claude-3-5-sonnet-20240620-v1:0", "bedrock", 1000, 100),
        call("bedrock-base", "bedrock/converse/global.anthropic.claude-sonnet-4-5-20250929-v1:0:51k", "bedrock", 1000, 100),
    ]
    for record in records[1:]:
        record["model_map_information"] = {"model_map_key": record["model"], "model_map_value": None}
    got = reprice(cli, db, tmp_path, records)
    assert got == {
        "azure-embed": Decimal("0.000022"),
        "bedrock-converse": Decimal("0.00495"),
        "bedrock-region-path": Decimal("0.00495"),
        "bedrock-invoke": Decimal("0.0045"),
        "bedrock-base": Decimal("0.0045"),
    }
