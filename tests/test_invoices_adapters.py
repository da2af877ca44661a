"""Every adapter on its fixture: exact totals (reference §11), token quantities per category,
every non-token row kept under its own kind, and agreement across files of one scenario."""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pytest

from invoices_support import BILLING, D, amounts_by, lines_of, tokens_by, total
from litecost.invoices.importer import import_invoices
from litecost.store import Store

DAY = (datetime(2025, 6, 2, tzinfo=timezone.utc), datetime(2025, 6, 3, tzinfo=timezone.utc))
HOUR = (datetime(2025, 6, 2, 14, tzinfo=timezone.utc), datetime(2025, 6, 2, 15, tzinfo=timezone.utc))

# The OpenAI scenario (reference §1.6): billed tokens per (model, category).
OPENAI_TOKENS = {
    ("gpt-4o-mini", "input"): 9_500_000, ("gpt-4o-mini", "cache_read"): 4_000_000, ("gpt-4o-mini", "output"): 2_100_000,
    ("gpt-4o", "input"): 1_500_000, ("gpt-4o", "cache_read"): 500_000, ("gpt-4o", "output"): 300_000,
}


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "invoices.duckdb") as opened:
        yield opened


def load(store, name, **kwargs):  # noqa: ANN001, ANN201
    [imported] = import_invoices(store, [BILLING / name], **kwargs).files
    return imported, lines_of(store, imported.invoice_file_id)


def assert_every_row_lands(imported, lines, one_line_per_row=True) -> None:  # noqa: ANN001
    rows = {line["source_row"] for line in lines}
    assert len(rows) == imported.rows_read
    if one_line_per_row:
        assert imported.lines == imported.rows_read == len(lines)


# -- OpenAI ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name, layout", [
    ("openai_dashboard_costs_synthetic.csv", "openai_costs_csv"),
    ("openai_costs_api_synthetic.json", "openai_costs_json"),
])
def test_openai_costs(store, name, layout):
    imported, lines = load(store, name)
    assert imported.layout == layout and imported.provider == "openai"
    assert_every_row_lands(imported, lines)
    assert imported.total_amount == D("10.475") and imported.currency == "USD"
    assert total(lines) == D("10.475")
    assert tokens_by(lines, "model", "category") == OPENAI_TOKENS
    assert amounts_by(lines, "kind") == {("token",): D("10.225"), ("web_search",): D("0.25")}
    [search] = [line for line in lines if line["kind"] == "web_search"]
    assert (search["category"], search["model"], search["description"]) == ("web_search", None, "web search tool calls")
    assert {line["service_tier"] for line in lines} == {"standard"}  # batch folds into line items (§1.3)
    assert {(line["period_start"], line["period_end"]) for line in lines} == {DAY}
    assert {line["account"] for line in lines} == {"proj_Q7mK2xL9aTzR4vB1"}
    assert {line["model_raw"] for line in lines if line["kind"] == "token"} == {"gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"}


def test_openai_cost_csv_and_api_json_give_the_same_lines(store):
    # (source_row differs: a CSV line number vs the n-th API result)
    _, csv_lines = load(store, "openai_dashboard_costs_synthetic.csv")
    _, json_lines = load(store, "openai_costs_api_synthetic.json")
    fields = ("period_start", "period_end", "provider", "account", "kind", "model", "category",
              "service_tier", "quantity", "unit", "amount", "currency", "description")
    assert [tuple(line[f] for f in fields) for line in csv_lines] == [tuple(line[f] for f in fields) for line in json_lines]


@pytest.mark.parametrize("name, layout", [
    ("openai_dashboard_completions_usage_synthetic.csv", "openai_usage_csv"),
    ("openai_usage_completions_api_synthetic.json", "openai_usage_json"),
])
def test_openai_usage(store, name, layout):
    imported, lines = load(store, name)
    assert imported.layout == layout
    assert_every_row_lands(imported, lines, one_line_per_row=False)
    assert (imported.rows_read, imported.lines) == (3, 8)
    assert imported.total_amount is None and imported.currency is None  # a usage layout: tokens only
    assert {line["amount"] for line in lines} == {D(0)}
    # input = uncached: 15.5M input of which 4.5M cached (reference §11).
    assert tokens_by(lines, "category") == {("input",): 11_000_000, ("cache_read",): 4_500_000, ("output",): 2_400_000}
    assert tokens_by(lines, "model", "category", "service_tier") == {
        ("gpt-4o-mini", "input", "standard"): 8_500_000, ("gpt-4o-mini", "cache_read", "standard"): 4_000_000,
        ("gpt-4o-mini", "output", "standard"): 1_900_000, ("gpt-4o-mini", "input", "batch"): 1_000_000,
        ("gpt-4o-mini", "output", "batch"): 200_000, ("gpt-4o", "input", "standard"): 1_500_000,
        ("gpt-4o", "cache_read", "standard"): 500_000, ("gpt-4o", "output", "standard"): 300_000,
    }
    requests = {int(line["description"].split(" · ")[1].split()[0]) for line in lines}
    assert sum(requests) == 8530


def test_openai_usage_quantities_equal_the_cost_export(store):
    _, costs = load(store, "openai_dashboard_costs_synthetic.csv")
    _, usage = load(store, "openai_usage_completions_api_synthetic.json")
    assert tokens_by(usage, "model", "category") == tokens_by(costs, "model", "category") == OPENAI_TOKENS


def test_openai_line_item_grammar_and_non_token_items(store):
    imported, lines = load(store, "openai_costs_api_extra_pages.json")
    assert imported.layout == "openai_costs_json"
    assert_every_row_lands(imported, lines)
    assert imported.total_amount == D("9.49")
    got = [(line["kind"], line["model"], line["category"], line["service_tier"], line["context_tier"],
            line["quantity"], line["unit"], line["amount"].normalize()) for line in lines]
    assert got == [
        ("token", "gpt-5", "input", "priority", None, D(1_000_000), "tokens", D("2.5")),
        ("token", "gpt-5", "cache_write_5m", "standard", None, D(200_000), "tokens", D("0.5")),  # 1000_tokens unit
        ("token", "gpt-4.1", "input", "standard", "long", D(250_000), "tokens", D("1")),
        ("token", "gpt-audio-mini", "audio_input", "standard", None, D(30_000), "tokens", D("0.3")),
        ("storage", None, None, "standard", None, D(5), "gibibyte_hours", D("0.1")),
        ("tool", None, None, "standard", None, D(100), None, D("0.25")),
        ("tool", None, None, "standard", None, D(1), None, D("0.03")),
        ("fee", None, None, "standard", None, None, None, D("3")),
        ("other", None, None, "standard", None, None, None, D("0.01")),
        ("token", "o3", "output", "flex", None, D(200_000), "tokens", D("0.8")),
        ("other", None, None, "standard", None, None, None, D("1")),
    ]
    # The second page is the next UTC day; a line without line_item is kept and explained.
    assert lines[9]["period_start"] == datetime(2025, 6, 3, tzinfo=timezone.utc)
    assert lines[10]["description"] == "all line items (export not grouped by line item)"
    assert any("kept as kind 'other'" in n and "mystery item" in n for n in imported.notes)


# -- Anthropic ------------------------------------------------------------------------------

ANTHROPIC_AMOUNTS = {
    ("claude-sonnet-4", "input"): D("9.6"), ("claude-sonnet-4", "cache_write_5m"): D("3.375"),
    ("claude-sonnet-4", "cache_write_1h"): D("0.6"), ("claude-sonnet-4", "cache_read"): D("5.4"),
    ("claude-sonnet-4", "output"): D("6.15"), ("claude-3-5-haiku", "input"): D("2"),
    ("claude-3-5-haiku", "output"): D("1.2"),
}


def test_anthropic_cost_report_amounts_are_cents(store):
    imported, lines = load(store, "anthropic_cost_report_synthetic.json")
    assert imported.layout == "anthropic_cost_report_json"
    assert_every_row_lands(imported, lines)
    assert imported.total_amount == D("29.525")  # 2952.50 cents
    token_lines = [line for line in lines if line["kind"] == "token"]
    assert amounts_by(token_lines, "model", "category") == ANTHROPIC_AMOUNTS
    [search] = [line for line in lines if line["kind"] == "web_search"]
    assert (search["amount"], search["category"], search["model"]) == (D("1.2"), "web_search", None)
    assert {line["service_tier"] for line in lines if line["model"] == "claude-3-5-haiku"} == {"batch"}
    assert {line["service_tier"] for line in lines if line["model"] == "claude-sonnet-4"} == {"standard"}
    assert {line["context_tier"] for line in lines} == {None}  # 0-200k
    assert {line["account"] for line in lines} == {"wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", "wrkspc_01KdPz3mV8aQw2RtYs6NcB4L"}
    assert {(line["period_start"], line["period_end"]) for line in lines} == {DAY}


def test_anthropic_console_cost_csv_agrees_with_the_cost_report(store):
    imported, lines = load(store, "anthropic_console_cost_synthetic.csv")
    assert imported.layout == "anthropic_console_cost_csv"
    assert_every_row_lands(imported, lines)
    # The Console export has no web-search row: report total − $1.20.
    assert imported.total_amount == D("28.325") == D("29.525") - D("1.20")
    assert amounts_by(lines, "model", "category") == ANTHROPIC_AMOUNTS
    assert {line["model_raw"] for line in lines} == {"Claude Sonnet 4", "Claude Haiku 3.5"}
    # No tier column: cost_usd = list_price_usd / 2 marks batch, and the import says so.
    assert {line["service_tier"] for line in lines if line["model"] == "claude-3-5-haiku"} == {"batch"}
    assert imported.notes == ["2 line(s): service tier batch inferred from cost_usd = list_price_usd / 2"]


USAGE_0602 = {
    ("claude-sonnet-4", "input"): 3_200_000, ("claude-sonnet-4", "cache_write_5m"): 900_000,
    ("claude-sonnet-4", "cache_write_1h"): 100_000, ("claude-sonnet-4", "cache_read"): 18_000_000,
    ("claude-sonnet-4", "output"): 410_000, ("claude-3-5-haiku", "input"): 5_000_000,
    ("claude-3-5-haiku", "output"): 600_000,
}


def test_anthropic_usage_report(store):
    imported, lines = load(store, "anthropic_usage_report_synthetic.json")
    assert imported.layout == "anthropic_usage_report_json"
    assert_every_row_lands(imported, lines, one_line_per_row=False)
    assert (imported.rows_read, imported.lines, imported.total_amount) == (2, 8, None)
    assert tokens_by(lines, "model", "category") == USAGE_0602
    [search] = [line for line in lines if line["kind"] == "web_search"]
    assert (search["quantity"], search["unit"], search["category"]) == (D(120), "requests", "web_search")
    assert {line["service_tier"] for line in lines if line["model"] == "claude-3-5-haiku"} == {"batch"}


def test_anthropic_console_usage_csv(store):
    imported, lines = load(store, "anthropic_console_usage_synthetic.csv")
    assert imported.layout == "anthropic_console_usage_csv"
    assert_every_row_lands(imported, lines, one_line_per_row=False)
    assert (imported.rows_read, imported.lines) == (3, 11)
    first_day = [line for line in lines if line["period_start"] == DAY[0]]
    assert tokens_by(first_day, "model", "category") == USAGE_0602  # = the usage report
    second_day = [line for line in lines if line["period_start"] == DAY[1]]  # the partial 2nd day
    assert tokens_by(second_day, "model", "category") == {
        ("claude-sonnet-4", "input"): 41_200, ("claude-sonnet-4", "cache_read"): 310_000, ("claude-sonnet-4", "output"): 5_900}
    assert imported.period_end == datetime(2025, 6, 4, tzinfo=timezone.utc)


def test_anthropic_cost_report_variants(store):
    imported, lines = load(store, "anthropic_cost_report_extra.json")
    assert_every_row_lands(imported, lines)
    got = [(line["kind"], line["model"], line["category"], line["service_tier"], line["context_tier"], line["region"],
            line["amount"].normalize()) for line in lines]
    assert got == [
        ("token", "claude-sonnet-4-5", "input", "standard", "long", "us", D("12.005")),
        ("tool", None, None, "standard", None, None, D("0.33")),  # code_execution
        ("token", None, None, "standard", None, None, D("2.5")),  # not grouped by description: cost level only
        ("token", "claude-opus-4-1", "cache_write_5m", "batch", None, None, D("0.0001")),  # TTL not stated → 5m
    ]
    assert imported.total_amount == D("14.8351")


# -- Azure ----------------------------------------------------------------------------------

AZURE_TOKENS = {
    ("gpt-4o-mini", "input"): 6_900_000, ("gpt-4o-mini", "cache_read"): 2_000_000, ("gpt-4o-mini", "output"): 1_100_000,
    ("gpt-4o", "input"): 750_000, ("gpt-4o", "output"): 120_000,
}


def test_azure_ea_export(store):
    imported, lines = load(store, "azure_ea_actualcost_synthetic.csv")
    assert imported.layout == "azure_ea_legacy" and imported.provider == "azure"
    assert_every_row_lands(imported, lines)
    assert imported.total_amount == D("4.9275")
    assert tokens_by(lines, "model", "category") == AZURE_TOKENS  # Quantity in 1K blocks
    assert {line["unit"] for line in lines} == {"tokens"}
    assert {(line["period_start"], line["period_end"]) for line in lines} == {DAY}  # 06/02/2025
    assert {line["account"] for line in lines} == {"5b1f0c7e-2d44-4a8e-9f31-6c0d2e8a1b73"}
    assert {line["region"] for line in lines} == {"eastus2"}
    assert imported.notes == ["6 line(s): Azure Quantity in blocks (Quantity × EffectivePrice = Cost): tokens = Quantity × block size"]
    assert {line["model_raw"] for line in lines if line["model"] == "gpt-4o"} == {"gpt 4o 1120 Inp glbl Tokens", "gpt 4o 1120 Outp glbl Tokens"}
    # The deployment type is price-relevant: the description carries it.
    assert lines[-1]["description"] == "gpt 4o mini 0718 Inp Data Zone Tokens · deployment datazone · aoai-prod-eus2 · Microsoft"
    assert lines[0]["description"] == "gpt-4o-mini-0718-Inp-glbl Tokens · deployment global · aoai-prod-eus2 · Microsoft"


def test_azure_focus_subset_agrees_with_the_ea_export(store):
    _, ea = load(store, "azure_ea_actualcost_synthetic.csv")
    imported, lines = load(store, "azure_focus12_subset_synthetic.csv")
    assert imported.layout == "focus" and imported.provider == "focus"
    assert_every_row_lands(imported, lines)
    assert imported.total_amount == D("1.77")
    assert {line["provider"] for line in lines} == {"azure"}
    subset = [line for line in ea if line["model_raw"] in {line["model_raw"] for line in lines}]
    assert tokens_by(lines, "model", "category") == tokens_by(subset, "model", "category") == {
        ("gpt-4o-mini", "input"): 6_400_000, ("gpt-4o-mini", "cache_read"): 2_000_000, ("gpt-4o-mini", "output"): 1_100_000}


def _recase(text: str, how: str) -> str:
    header, rest = text.split("\n", 1)
    names = header.split(",")
    recased = {
        "lower": [n.lower() for n in names],
        "upper": [n.upper() for n in names],
        "camel": [n[:1].lower() + n[1:] for n in names],
        "snake": ["".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(n)) for n in names],
    }[how]
    return ",".join(recased) + "\n" + rest


@pytest.mark.parametrize("how", ["lower", "upper", "camel", "snake"])
def test_azure_header_casing_variants(store, tmp_path, how):
    variant = tmp_path / f"azure_{how}.csv"
    variant.write_text(_recase((BILLING / "azure_ea_actualcost_synthetic.csv").read_text(encoding="utf-8"), how), encoding="utf-8")
    [imported] = import_invoices(store, [variant]).files
    lines = lines_of(store, imported.invoice_file_id)
    assert imported.provider == "azure" and imported.layout.startswith("azure_")
    assert imported.total_amount == D("4.9275")
    assert tokens_by(lines, "model", "category") == AZURE_TOKENS


def test_semicolon_delimited_export(store, tmp_path):
    import csv

    rows = list(csv.reader((BILLING / "azure_ea_actualcost_synthetic.csv").open(encoding="utf-8", newline="")))
    variant = tmp_path / "azure_semicolons.csv"
    with variant.open("w", encoding="utf-8-sig", newline="") as fh:  # with a byte-order mark, as Excel saves it
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)
    [imported] = import_invoices(store, [variant]).files
    assert (imported.layout, imported.total_amount) == ("azure_ea_legacy", D("4.9275"))
    assert tokens_by(lines_of(store, imported.invoice_file_id), "model", "category") == AZURE_TOKENS


def test_azure_mca_meters_units_and_non_token_rows(store):
    imported, lines = load(store, "azure_mca_extra_synthetic.csv")
    assert imported.layout == "azure_mca"
    assert_every_row_lands(imported, lines)
    assert (imported.total_amount, imported.currency) == (D("130.661"), "EUR")  # kept as given, not converted
    got = [(line["kind"], line["model"], line["category"], line["service_tier"], line["context_tier"],
            line["quantity"], line["unit"], line["amount"].normalize()) for line in lines]
    assert got == [
        ("token", "gpt-5-mini", "input", "standard", None, D(4_000_000), "tokens", D("1")),  # Quantity already tokens
        ("token", "gpt-5-nano", "cache_read", "batch", None, D(2_000_000), "tokens", D("0.005")),  # 2 × 1M blocks
        ("token", "gpt-4o-mini", "output", "batch", None, D(1_000_000), "tokens", D("0.33")),  # mini0718 BatchOutp
        ("token", "gpt-5.4", "cache_read", "batch", "long", D(3_000_000), "tokens", D("0.3")),
        ("provisioned", None, None, "provisioned", None, D(24), "1 Hour", D("24")),
        ("rounding", None, None, "standard", None, None, None, D("-0.004")),
        ("refund", "gpt-4o-mini", None, "standard", None, D("-666.666667"), "1K", D("-0.1")),
        ("other", "claude-sonnet-4-5", None, "standard", None, D(250), "1 Unit", D("2.5")),  # Marketplace: no categories
        ("token", "text-embedding-3-large", "input", "standard", None, D(1_000_000), "tokens", D("0.13")),
        ("token", "gpt-6-sol", "input", "priority", None, D(200_000), "tokens", D("1")),  # "PP" meters
        ("other", None, None, "standard", None, D(1), "1/Day", D("1.5")),
        ("provisioned", None, None, "provisioned", None, D(1), "1 Month", D("100")),  # PTU reservation purchase
    ]
    assert {line["period_start"] for line in lines} == {DAY[0]}  # incl. 2025-06-02T00:00:00.0000000Z
    assert "1 line(s): Azure Quantity already in tokens (Quantity × EffectivePrice / block size = Cost)" in imported.notes


# -- AWS ------------------------------------------------------------------------------------


def test_aws_cur2_bedrock(store):
    imported, lines = load(store, "aws_cur2_bedrock_synthetic.csv")
    assert imported.layout == "aws_cur2" and imported.provider == "bedrock"
    assert_every_row_lands(imported, lines)
    assert imported.total_amount == D("10.5412")  # unblended; the EDP net is not a separate row here
    assert tokens_by(lines, "model", "category") == {
        ("claude-sonnet-4", "input"): 2_150_400, ("claude-sonnet-4", "output"): 84_500,
        ("claude-sonnet-4", "cache_read"): 4_200_000, ("claude-sonnet-4", "cache_write_5m"): 310_000,
        ("nova-pro", "input"): 500_000,
    }
    assert {line["provider"] for line in lines} == {"bedrock"}
    assert {(line["period_start"], line["period_end"]) for line in lines} == {HOUR}
    assert {(line["account"], line["region"]) for line in lines} == {("210987654321", "us-east-1")}
    global_route = [line for line in lines if "cross-region-global" in line["model_raw"]]
    assert global_route[0]["service_tier"] == "standard" and global_route[0]["quantity"] == D(900_000)


def test_aws_legacy_cur_line_types(store):
    imported, lines = load(store, "aws_cur_legacy_extra_synthetic.csv")
    assert imported.layout == "aws_cur_legacy"
    assert_every_row_lands(imported, lines)
    assert imported.total_amount == D("17.1225")
    got = [(line["provider"], line["kind"], line["model"], line["category"], line["service_tier"], line["quantity"],
            line["amount"].normalize()) for line in lines]
    assert got == [
        ("bedrock", "token", "claude-sonnet-4", "cache_write_1h", "standard", D(100_000), D("0.6")),
        ("bedrock", "token", "nova-2-lite", "input", "flex", D(1_000_000), D("0.03")),
        ("bedrock", "token", "claude-sonnet-4", "output", "batch", D(10_000), D("0.075")),
        ("bedrock", "token", "gpt-oss-120b", "output", "priority", D(50_000), D("0.0375")),
        ("bedrock", "token", "claude-3-haiku", "input", "standard", D(200_000), D("0.05")),  # Marketplace
        ("bedrock", "provisioned", None, None, "provisioned", D(1), D("20")),
        ("bedrock", "tax", None, None, "standard", D(1), D("1.25")),
        ("bedrock", "credit", None, None, "standard", D(0), D("-5")),
        ("bedrock", "discount", None, None, "standard", D(0), D("-0.15")),  # EdpDiscount row
        ("aws", "storage", None, None, "standard", D(10), D("0.23")),  # another service: kept, provider aws
    ]
    assert imported.notes == ["1 line(s): Bedrock usage amount taken as 1K-token units (pricing_unit states no block size)"]


# -- GCP ------------------------------------------------------------------------------------


def test_gcp_flat_export_with_credit(store):
    imported, lines = load(store, "gcp_billing_export_flat_synthetic.csv")
    assert imported.layout == "gcp_billing_csv" and imported.provider == "gcp"
    assert_every_row_lands(imported, lines, one_line_per_row=False)
    assert (imported.rows_read, imported.lines) == (6, 7)  # the credit is a line of its own
    assert imported.total_amount == D("1.23")  # net of credits
    assert total([line for line in lines if line["kind"] != "credit"]) == D("1.38")  # gross
    [credit] = [line for line in lines if line["kind"] == "credit"]
    assert (credit["amount"], credit["provider"], credit["model"], credit["source_row"]) == (D("-0.15"), "gemini", "gemini-2.5-flash", 7)
    assert tokens_by(lines, "provider", "model", "category") == {
        ("vertex_ai", "gemini-2.0-flash", "input"): 2_000_000, ("vertex_ai", "gemini-2.0-flash", "output"): 400_000,
        ("vertex_ai", "gemini-2.5-flash", "input"): 1_000_000,
        ("vertex_ai", "gemini-2.5-flash", "output"): 120_000,  # "Thinking Text Output" is output
        ("vertex_ai", "gemini-2.5-flash", "cache_read"): 3_000_000, ("gemini", "gemini-2.5-flash", "input"): 500_000,
    }
    assert {(line["period_start"], line["period_end"]) for line in lines} == {HOUR}  # UTC usage windows


def test_gcp_nested_json_credits_tax_rounding_and_other_services(store):
    imported, lines = load(store, "gcp_billing_export_extra.jsonl")
    assert imported.layout == "gcp_billing_json"
    assert_every_row_lands(imported, lines, one_line_per_row=False)
    assert (imported.rows_read, imported.lines) == (7, 9)
    assert imported.total_amount == D("1.264999")
    assert total([line for line in lines if line["kind"] != "credit"]) == D("1.414999")
    assert amounts_by(lines, "kind") == {
        ("token",): D("0.825"), ("credit",): D("-0.15"), ("storage",): D("0.02"), ("tax",): D("0.07"),
        ("rounding",): D("-0.000001"), ("other",): D("0.5"),
    }
    first = [line for line in lines if line["source_row"] == 1]
    assert sorted(line["amount"] for line in first) == [D("-0.1"), D("-0.05"), D("0.6")]
    assert {line["context_tier"] for line in first} == {"long"}
    by_sku = {line["model_raw"]: line for line in lines if line["kind"] == "token"}
    assert by_sku["Generate content output token count gemini 2.5 flash batch output text"]["service_tier"] == "batch"
    assert by_sku["Gemini 2.5 Flash Audio Input - Predictions"]["category"] == "audio_input"
    [bigquery] = [line for line in lines if line["kind"] == "other"]
    assert (bigquery["provider"], bigquery["unit"]) == ("gcp", "bytes")


# -- FOCUS ----------------------------------------------------------------------------------


def test_focus_export_equals_openai_tokens(store):
    imported, lines = load(store, "focus12_llm_api_synthetic.csv")
    assert imported.layout == "focus"
    assert_every_row_lands(imported, lines)
    assert imported.total_amount == D("10.225")  # = the OpenAI token lines, no web search
    assert tokens_by(lines, "model", "category") == OPENAI_TOKENS
    assert {line["provider"] for line in lines} == {"openai"}
    assert {line["account"] for line in lines} == {"proj_Q7mK2xL9aTzR4vB1"}
    _, openai_lines = load(store, "openai_dashboard_costs_synthetic.csv")
    assert total(openai_lines) - total(lines) == D("0.25")


def test_focus_parquet_reads_like_csv(store, tmp_path):
    parquet = tmp_path / "focus.parquet"
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * REPLACE (CAST(BilledCost AS DECIMAL(18, 6)) AS BilledCost,"
        " CAST(ChargePeriodStart AS TIMESTAMPTZ) AS ChargePeriodStart, CAST(ChargePeriodEnd AS TIMESTAMPTZ) AS ChargePeriodEnd,"
        " CAST(ConsumedQuantity AS DOUBLE) AS ConsumedQuantity)"
        f" FROM read_csv('{BILLING / 'focus12_llm_api_synthetic.csv'}', header=true)) TO '{parquet}' (FORMAT parquet)"
    )
    con.close()
    [imported] = import_invoices(store, [parquet]).files
    lines = lines_of(store, imported.invoice_file_id)
    assert imported.layout == "focus" and imported.total_amount == D("10.225")
    assert tokens_by(lines, "model", "category") == OPENAI_TOKENS
    assert {(line["period_start"], line["period_end"]) for line in lines} == {DAY}


# -- generic --------------------------------------------------------------------------------


def test_generic_mapping_reads_the_openrouter_export(store):
    from pathlib import Path

    import litecost.invoices

    example = Path(litecost.invoices.__file__).parent / "mapping.example.yaml"
    imported, lines = load(store, "openrouter_logs_export_synthetic.csv", mapping=example)
    assert (imported.layout, imported.provider) == ("generic:openrouter_logs", "openrouter")
    assert_every_row_lands(imported, lines)
    assert imported.total_amount == D("0.034134")  # incl. the BYOK fee row
    assert amounts_by(lines, "model") == {("gpt-4o-mini",): D("0.000519"), ("claude-sonnet-4",): D("0.033615")}
    assert {(line["period_start"], line["period_end"]) for line in lines} == {DAY}  # per-request rows → day
    assert {line["account"] for line in lines} == {"litellm-prod", "byok-key"}
