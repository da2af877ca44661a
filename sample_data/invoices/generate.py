#!/usr/bin/env python3
"""Provider billing exports for the October 2026 sample month, made from the LiteLLM logs.

Usage
-----
    python3 sample_data/invoices/generate.py            # write the files below, then check them
    python3 sample_data/invoices/generate.py --check    # only re-read the files and check them
    python3 sample_data/invoices/generate.py --out DIR  # write into DIR instead

Python 3.11 standard library only. No clock reads, no randomness, no network: the files are a
function of ``sample_data/spendlogs_2026-10.csv`` and the constants below, so two runs write
byte-identical files. ``--check`` (and every normal run, after writing) re-reads the written
files with ``csv``/``json``, sums them independently of the writer and compares the sums with
``expected_discrepancies.json``; it prints ``0 problem(s)`` and exits 0 when all agree.

What it writes (see README.md next to this script for the full story)
---------------------------------------------------------------------
* ``openai_costs_2026-10.csv``            OpenAI dashboard Cost CSV (Usage -> Export -> Cost)
* ``anthropic_cost_report_2026-10.json``  Anthropic Admin API ``/v1/organizations/cost_report`` page
* ``anthropic_usage_report_2026-10.json`` its companion ``/usage_report/messages`` page (tokens)
* ``azure_actualcost_2026-10.csv``        Azure Cost Management EA actual-cost export
* ``aws_cur2_bedrock_2026-10.csv``        AWS Data Exports CUR 2.0 rows for Bedrock (hourly)
* ``gcp_billing_2026-10.csv``             Cloud Billing export (flattened) for Vertex AI + Gemini API
* ``expected_discrepancies.json``         the injected discrepancies and independent totals

Layouts are those of the shared reference ``provider-billing-formats.md`` and its synthetic
fixtures (``/work/shared/fixtures/billing/`` + ``gen.py``): same headers, JSON shapes, units,
number formats and CSV dialect (``csv.writer``, ``\\n`` line ends, minimal quoting; JSON with
``indent=1`` and no final newline).

Which calls are billed
----------------------
A log row is billed by its provider when ``status`` is ``success`` and ``cache_hit`` is not
``True`` (LiteLLM cache hits never reached the provider; failures carry 0 tokens). Tokens are
litecost's categories, derived from ``metadata.usage_object`` as LiteLLM 1.110.2 writes it:

* cache_read  = ``prompt_tokens_details.cached_tokens`` (0 when null)
* cache_write = ``prompt_tokens_details.cache_creation_tokens`` (Anthropic, Bedrock); the 1-hour
  part is ``cache_creation_token_details.ephemeral_1h_input_tokens``, the rest is 5-minute
  (Bedrock logs no split, so all of its writes are 5-minute writes)
* input       = ``prompt_tokens - cache_read - cache_write`` (== ``text_tokens`` for Anthropic;
  for Gemini ``text_tokens`` is the whole prompt and is not used)
* output      = ``completion_tokens`` (reasoning included); reasoning =
  ``completion_tokens_details.reasoning_tokens``
* Gemini long context: a call whose ``prompt_tokens`` (cache included) exceeds 200,000 has all of
  its tokens billed at the ``_above_200k_tokens`` rates (Gemini API "long" SKUs).

Every call is placed in time by its ``startTime`` (naive UTC), except in the Azure file (see the
time-shift discrepancy). Daily files use UTC days; the CUR and GCP files use UTC hours.

Prices
------
List prices are the LiteLLM 1.110.2 price-map entries the logs were priced with (reference
litellm-formats.md §6.1; ``pricing/litellm_model_prices.json``): ``RATES`` below. When that file is
present the generator asserts every rate against it. Re-pricing each billable call with
``RATES`` reproduces its logged ``cost_breakdown.original_cost`` (checked in ``--check``).

Rounding (each provider's own convention, as in the fixtures)
-------------------------------------------------------------
* OpenAI ``amount_value``: exact decimal, printed with 30 decimals (no rounding needed).
* Anthropic ``amount``: cents, rounded per result row to 2 decimals of a cent (ROUND_HALF_UP).
* Azure ``Cost`` = ``Quantity`` (1K-token blocks, exact, up to 3 decimals) x ``EffectivePrice``
  (per 1K): exact, at most 8 decimals, no rounding.
* AWS ``line_item_unblended_cost`` = ``line_item_usage_amount`` (1K tokens) x rate per 1K: exact,
  no rounding. ``line_item_net_unblended_cost`` = unblended (no EDP on this account).
* GCP ``cost`` and ``credits_amount``: rounded per row to 6 decimals (ROUND_HALF_UP), each from the
  exact value (the credit is not computed from the rounded cost).

Deliberate discrepancies (one of each, all in ``expected_discrepancies.json``)
-------------------------------------------------------------------------------
a. missing_logs      OpenAI: gpt-4o-mini on 2026-10-09 bills MISSING_INPUT more input and
                     MISSING_OUTPUT more output tokens than the logs hold (traffic that bypassed
                     LiteLLM), at list price.
b. price_mismatch    Anthropic: output tokens from PRICE_CHANGE_FROM are billed at
                     NEW_OUTPUT_RATE instead of the map's 1.5e-05 (tokens agree, amounts do not).
c. category_shift    AWS Bedrock: cache-write tokens are billed all month as plain input tokens,
                     at the input price (input + cache tokens agree in total, categories do not).
d. time_shift        Azure: ``Date`` is the day of ``startTime + 2 h`` (the export behaves as if
                     cut on UTC+2 days); per-day gaps vanish when the logs are shifted by +2 h.
e. non_token_charge  OpenAI: ``web search tool calls`` rows on five days (no tokens, no log rows).

Everything else agrees with the logs exactly (to the rounding above).
Conventions that are not discrepancies: Vertex rows carry a 5% negotiated-discount credit
(``credits_amount``) that mirrors LiteLLM's ``cost_discount_config {vertex_ai: 0.05}``, so gross
``cost`` equals the logs' ``original_cost`` and ``cost + credits_amount`` their ``spend``; Vertex
bills thinking tokens under their own "Thinking Text Output" SKU; GCP ``invoice_month`` follows
US/Pacific, so usage before 2026-10-01 07:00 UTC carries ``202609``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, getcontext
from pathlib import Path

getcontext().prec = 60
D = Decimal

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LOGS_PATH = HERE.parent / "spendlogs_2026-10.csv"
PRICE_MAP_PATH = REPO / "pricing" / "litellm_model_prices.json"

MONTH_START = datetime(2026, 10, 1)
MONTH_END = datetime(2026, 11, 1)
DAYS = [date(2026, 10, d) for d in range(1, 32)]
EPOCH = datetime(1970, 1, 1)
PER_M = D(1_000_000)
PER_K = D(1000)
LONG_CONTEXT_THRESHOLD = 200_000  # Gemini: prompt_tokens (cache included) > 200k => long rates

CATEGORIES = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning")
ADDITIVE = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output")

FILES = {
    "openai": "openai_costs_2026-10.csv",
    "anthropic": "anthropic_cost_report_2026-10.json",
    "anthropic_usage": "anthropic_usage_report_2026-10.json",
    "azure": "azure_actualcost_2026-10.csv",
    "bedrock": "aws_cur2_bedrock_2026-10.csv",
    "gcp": "gcp_billing_2026-10.csv",
}
EXPECTED_NAME = "expected_discrepancies.json"

# ---------------------------------------------------------------------------------------------
# List prices, USD per token: the LiteLLM 1.110.2 map entries (key, field) the logs were priced with.
# ---------------------------------------------------------------------------------------------
MAP_FIELDS = {
    "input": "input_cost_per_token",
    "cache_read": "cache_read_input_token_cost",
    "cache_write_5m": "cache_creation_input_token_cost",
    "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
    "output": "output_cost_per_token",
    "input_long": "input_cost_per_token_above_200k_tokens",
    "cache_read_long": "cache_read_input_token_cost_above_200k_tokens",
    "output_long": "output_cost_per_token_above_200k_tokens",
}


@dataclass(frozen=True)
class Deployment:
    provider: str  # custom_llm_provider in the logs
    model: str  # SpendLogs `model`
    map_key: str  # LiteLLM price-map key
    rates: dict  # category (+ "_long") -> Decimal USD per token


DEPLOYMENTS = {
    ("openai", "gpt-4o-mini"): Deployment("openai", "gpt-4o-mini", "gpt-4o-mini", {
        "input": D("1.5E-7"), "cache_read": D("7.5E-8"), "output": D("6E-7")}),
    ("openai", "gpt-4o"): Deployment("openai", "gpt-4o", "gpt-4o", {
        "input": D("2.5E-6"), "cache_read": D("1.25E-6"), "output": D("1E-5")}),
    ("openai", "o3-mini"): Deployment("openai", "o3-mini", "o3-mini", {
        "input": D("1.1E-6"), "cache_read": D("5.5E-7"), "output": D("4.4E-6")}),
    ("azure", "gpt-4o"): Deployment("azure", "gpt-4o", "azure/gpt-4o", {
        "input": D("2.5E-6"), "cache_read": D("1.25E-6"), "output": D("1E-5")}),
    ("anthropic", "claude-sonnet-4-5-20250929"): Deployment(
        "anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929", {
            "input": D("3E-6"), "cache_read": D("3E-7"), "cache_write_5m": D("3.75E-6"),
            "cache_write_1h": D("6E-6"), "output": D("1.5E-5")}),
    ("bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"): Deployment(
        "bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0", {
            "input": D("3E-6"), "cache_read": D("3E-7"), "cache_write_5m": D("3.75E-6"),
            "cache_write_1h": D("6E-6"), "output": D("1.5E-5")}),
    ("gemini", "gemini-2.5-pro"): Deployment("gemini", "gemini-2.5-pro", "gemini/gemini-2.5-pro", {
        "input": D("1.25E-6"), "cache_read": D("1.25E-7"), "output": D("1E-5"),
        "input_long": D("2.5E-6"), "cache_read_long": D("2.5E-7"), "output_long": D("1.5E-5")}),
    ("vertex_ai", "gemini-2.5-pro"): Deployment("vertex_ai", "gemini-2.5-pro", "gemini-2.5-pro", {
        "input": D("1.25E-6"), "cache_read": D("1.25E-7"), "output": D("1E-5"),
        "input_long": D("2.5E-6"), "cache_read_long": D("2.5E-7"), "output_long": D("1.5E-5")}),
}
VERTEX_DISCOUNT = D("0.05")  # LiteLLM cost_discount_config {vertex_ai: 0.05}; GCP credit on Vertex rows

# ---------------------------------------------------------------------------------------------
# The deliberate discrepancies
# ---------------------------------------------------------------------------------------------
MISSING_DAY = date(2026, 10, 9)  # a. OpenAI gpt-4o-mini traffic that bypassed LiteLLM
MISSING_MODEL = "gpt-4o-mini"
MISSING_INPUT = 3_148_736
MISSING_OUTPUT = 1_021_184
PRICE_CHANGE_FROM = date(2026, 10, 14)  # b. Anthropic output rate from this UTC day on
NEW_OUTPUT_RATE = D("1.8E-5")  # $18.00 / MTok instead of the map's $15.00 (+20%)
AZURE_OFFSET = timedelta(hours=2)  # d. Azure Date = UTC day of (startTime + 2 h)
WEB_SEARCH_PRICE = D("0.025")  # e. USD per web search tool call (gpt-4o-mini search_context_cost_per_query)
WEB_SEARCH_CALLS = {date(2026, 10, 13): 38, date(2026, 10, 14): 41, date(2026, 10, 15): 29,
                    date(2026, 10, 16): 22, date(2026, 10, 21): 17}

# ---------------------------------------------------------------------------------------------
# Provider names (how each bill names the model and the token category)
# ---------------------------------------------------------------------------------------------
OPENAI_SNAPSHOT = {"gpt-4o-mini": "gpt-4o-mini-2024-07-18", "gpt-4o": "gpt-4o-2024-08-06",
                   "o3-mini": "o3-mini-2025-01-31"}
OPENAI_LINE = (("input", "input"), ("cached input", "cache_read"), ("output", "output"))
OPENAI_PROJECT = "proj_Vd3kR8sLq2WnX7aJ4mB9tYcE"
OPENAI_ORG = "org-Lq7xN2cV9bM4kD8sR3tWfA6e"

ANTHROPIC_MODEL = "claude-sonnet-4-5-20250929"
ANTHROPIC_DISPLAY = "Claude Sonnet 4.5"
ANTHROPIC_WORKSPACE = "wrkspc_01RkX4mQv9ZtB2nYw7LcH3pD"
ANTHROPIC_TOKEN_TYPES = (  # (token_type, category, description suffix), in the fixture's order
    ("uncached_input_tokens", "input", "Input Tokens"),
    ("cache_read_input_tokens", "cache_read", "Input Tokens, Cache Read"),
    ("cache_creation.ephemeral_5m_input_tokens", "cache_write_5m", "Input Tokens, Cache Write 5m"),
    ("cache_creation.ephemeral_1h_input_tokens", "cache_write_1h", "Input Tokens, Cache Write 1h"),
    ("output_tokens", "output", "Output Tokens"),
)

AZURE_SUB = "7c2e4b91-5d3a-4f60-8e1b-2a9c0d6f3e58"
AZURE_ACCOUNT = "acme-swedencentral"  # from api_base https://acme-swedencentral.openai.azure.com
AZURE_RG = "rg-llm-eu"
AZURE_RESOURCE_ID = (f"/subscriptions/{AZURE_SUB}/resourceGroups/{AZURE_RG}/providers/"
                     f"Microsoft.CognitiveServices/accounts/{AZURE_ACCOUNT}")
AZURE_PRODUCT = "Azure OpenAI - gpt-4o-1120 - Global"
AZURE_METERS = (  # (meter name, category, price per 1K tokens, meter id) for gpt-4o-2024-11-20 Global
    ("gpt 4o 1120 Inp glbl Tokens", "input", D("0.0025"), "4e1d7a20-93c5-4b8e-a0f4-6c2d1e9b7a01"),
    ("gpt 4o 1120 cached Inp glbl Tokens", "cache_read", D("0.00125"), "4e1d7a20-93c5-4b8e-a0f4-6c2d1e9b7a02"),
    ("gpt 4o 1120 Outp glbl Tokens", "output", D("0.01"), "4e1d7a20-93c5-4b8e-a0f4-6c2d1e9b7a03"),
)
AZURE_HEADER = (
    "BillingAccountId,BillingAccountName,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,"
    "BillingProfileName,AccountOwnerId,AccountName,SubscriptionId,SubscriptionName,Date,Product,PartNumber,"
    "MeterId,ServiceFamily,MeterCategory,MeterSubCategory,MeterRegion,MeterName,Quantity,EffectivePrice,Cost,"
    "UnitPrice,BillingCurrency,ResourceLocation,AvailabilityZone,ConsumedService,ResourceId,ResourceName,"
    "ServiceInfo1,ServiceInfo2,AdditionalInfo,Tags,InvoiceSectionId,InvoiceSection,CostCenter,UnitOfMeasure,"
    "ResourceGroup,ReservationId,ReservationName,ProductOrderId,ProductOrderName,OfferId,IsAzureCreditEligible,"
    "Term,PublisherName,PlanName,ChargeType,Frequency,PublisherType,PayGPrice,PricingModel,"
    "CostAllocationRuleName,benefitId,benefitName").split(",")

AWS_PAYER = "123456789012"
AWS_ACCOUNT = "210987654321"
AWS_ROLE = f"arn:aws:iam::{AWS_ACCOUNT}:role/litellm-proxy"
BEDROCK_PROFILE = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
BEDROCK_PROFILE_ARN = f"arn:aws:bedrock:us-east-1:{AWS_ACCOUNT}:inference-profile/{BEDROCK_PROFILE}"
BEDROCK_MODEL_CODE = "Claude4.5Sonnet"
BEDROCK_PRODUCT = json.dumps({"product_name": "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
                              "servicename": "Amazon Bedrock Service"}, separators=(",", ":"))
BEDROCK_ITEMS = (  # (usage type, categories billed under it, rate per 1K, description)
    # c. category shift: cache writes are billed under input-tokens at the input rate
    (f"USE1-{BEDROCK_MODEL_CODE}-input-tokens-cross-region-global",
     ("input", "cache_write_5m", "cache_write_1h"), D("0.003"),
     "$0.003 per 1K input tokens (cross-region global)"),
    (f"USE1-{BEDROCK_MODEL_CODE}-output-tokens-cross-region-global", ("output",), D("0.015"),
     "$0.015 per 1K output tokens (cross-region global)"),
    (f"USE1-{BEDROCK_MODEL_CODE}-cache-read-input-token-count-cross-region-global", ("cache_read",), D("0.0003"),
     "$0.0003 per 1K cache read input tokens (cross-region global)"),
)
# What the usage type would have been had the writes been billed as writes (for the README/JSON).
BEDROCK_CACHE_WRITE_TYPE = f"USE1-{BEDROCK_MODEL_CODE}-cache-write-input-token-count-cross-region-global"
CUR_HEADER = [
    "bill_billing_period_start_date", "bill_payer_account_id", "line_item_usage_account_id",
    "line_item_line_item_type", "line_item_usage_start_date", "line_item_usage_end_date",
    "line_item_product_code", "line_item_usage_type", "line_item_operation", "line_item_resource_id",
    "line_item_usage_amount", "pricing_unit", "line_item_unblended_rate", "line_item_unblended_cost",
    "line_item_net_unblended_cost", "line_item_currency_code", "line_item_line_item_description",
    "product_region_code", "product_servicecode", "product", "line_item_iam_principal", "resource_tags"]

GCP_BILLING_ACCOUNT = "01C3F5-7A9B2D-E4F6A8"
GCP_PROJECT = "acme-ml-prod"  # from the Vertex api_base .../projects/acme-ml-prod/...
GCP_HEADER = [
    "billing_account_id", "service_id", "service_description", "sku_id", "sku_description",
    "usage_start_time", "usage_end_time", "project_id", "location_region", "usage_amount", "usage_unit",
    "usage_amount_in_pricing_units", "usage_pricing_unit", "cost", "currency", "credits_amount", "cost_type",
    "invoice_month", "labels", "export_time"]
# provider -> (service id, service description, usage_unit, [(sku id, sku description, category, long?)])
# Gemini API bills thinking inside output; Vertex bills it on its own "Thinking" SKU, so the Vertex
# "Text Output" SKU carries output - reasoning and "Thinking Text Output" carries reasoning.
GCP_SERVICES = {
    "gemini": ("AEFD-7695-64FA", "Gemini API", "count", (
        ("5F3A-1C7E-2B90", "Generate content input token count Gemini 2.5 Pro short input text", "input", False),
        ("5F3A-1C7E-2B91", "Generate content cached input token count Gemini 2.5 Pro short input text",
         "cache_read", False),
        ("5F3A-1C7E-2B92", "Generate content output token count Gemini 2.5 Pro short output text", "output", False),
        ("5F3A-1C7E-2B93", "Generate content input token count Gemini 2.5 Pro long input text", "input", True),
        ("5F3A-1C7E-2B94", "Generate content cached input token count Gemini 2.5 Pro long input text",
         "cache_read", True),
        ("5F3A-1C7E-2B95", "Generate content output token count Gemini 2.5 Pro long output text", "output", True),
    )),
    "vertex_ai": ("C7E2-9256-1C43", "Vertex AI", "requests", (
        ("8B21-D4E6-7A10", "Gemini 2.5 Pro Text Input - Predictions", "input", False),
        ("8B21-D4E6-7A11", "Gemini 2.5 Pro Input Text Caching", "cache_read", False),
        ("8B21-D4E6-7A12", "Gemini 2.5 Pro Text Output - Predictions", "output_text", False),
        ("8B21-D4E6-7A13", "Gemini 2.5 Pro Thinking Text Output - Predictions", "reasoning", False),
        ("8B21-D4E6-7A14", "Gemini 2.5 Pro Text Input (Long) - Predictions", "input", True),
        ("8B21-D4E6-7A15", "Gemini 2.5 Pro Input Text Caching (Long)", "cache_read", True),
        ("8B21-D4E6-7A16", "Gemini 2.5 Pro Text Output (Long) - Predictions", "output_text", True),
        ("8B21-D4E6-7A17", "Gemini 2.5 Pro Thinking Text Output (Long) - Predictions", "reasoning", True),
    )),
}
GCP_EXPORT_DELAY = timedelta(hours=4, minutes=41, seconds=7, milliseconds=512)
PACIFIC_DAYLIGHT = timedelta(hours=-7)  # all of October 2026 is PDT (DST ends 2026-11-01 09:00 UTC)


# ---------------------------------------------------------------------------------------------
# Reading the logs
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    request_id: str
    provider: str
    model: str
    start: datetime  # naive UTC
    tokens: dict  # category -> int
    long_context: bool
    spend: str  # the CSV text (double precision)
    original_cost: str | None  # cost_breakdown.original_cost (pre-discount), as logged


def _int(value) -> int:
    return int(value or 0)


def tokens_of(provider: str, prompt: int, completion: int, usage: dict) -> dict:
    ptd = usage.get("prompt_tokens_details") or {}
    ctd = usage.get("completion_tokens_details") or {}
    cache_read = _int(ptd.get("cached_tokens"))
    cache_write = _int(ptd.get("cache_creation_tokens") or ptd.get("cache_write_tokens")
                       or usage.get("cache_creation_input_tokens"))
    write_1h = _int((ptd.get("cache_creation_token_details") or {}).get("ephemeral_1h_input_tokens"))
    tokens = {
        "input": prompt - cache_read - cache_write,
        "cache_read": cache_read,
        "cache_write_5m": cache_write - write_1h,
        "cache_write_1h": write_1h,
        "output": completion,
        "reasoning": _int(ctd.get("reasoning_tokens")),
    }
    if provider == "anthropic" and ptd.get("text_tokens") is not None:
        assert tokens["input"] == ptd["text_tokens"], (provider, usage)
    assert min(tokens.values()) >= 0 and tokens["reasoning"] <= completion, (provider, usage)
    return tokens


def read_logs(path: Path) -> tuple[list[Call], list[Call], dict]:
    """(billable calls, all successful calls incl. cache hits, counts) from a SpendLogs CSV export."""
    csv.field_size_limit(1 << 30)
    billable: list[Call] = []
    successes: list[Call] = []
    counts = defaultdict(int)
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            counts["rows"] += 1
            provider, model = row["custom_llm_provider"], row["model"]
            start = datetime.fromisoformat(row["startTime"])
            assert MONTH_START <= start < MONTH_END, row["startTime"]
            if row["status"] != "success":
                assert _int(row["prompt_tokens"]) == 0 and _int(row["completion_tokens"]) == 0
                counts["failures"] += 1
                continue
            meta = json.loads(row["metadata"])
            usage = meta.get("usage_object") or {}
            prompt, completion = _int(row["prompt_tokens"]), _int(row["completion_tokens"])
            assert prompt == _int(usage.get("prompt_tokens")) and completion == _int(usage.get("completion_tokens"))
            breakdown = meta.get("cost_breakdown") or {}
            original = breakdown.get("original_cost")
            call = Call(row["request_id"], provider, model, start, tokens_of(provider, prompt, completion, usage),
                        provider in ("gemini", "vertex_ai") and prompt > LONG_CONTEXT_THRESHOLD,
                        row["spend"], None if original is None else repr(original))
            successes.append(call)
            if row["cache_hit"] == "True":
                counts["cache_hits"] += 1
                continue
            billable.append(call)
    counts["billable"] = len(billable)
    return billable, successes, dict(counts)


def rate(provider: str, model: str, category: str, long_context: bool = False) -> D:
    rates = DEPLOYMENTS[(provider, model)].rates
    if long_context:
        return rates[category + "_long"]
    return rates[category]


def list_cost(call: Call) -> D:
    """LiteLLM's generic_cost_per_token for the call, exact (reasoning is inside output)."""
    return sum((call.tokens[c] * rate(call.provider, call.model, c, call.long_context)
                for c in ADDITIVE if call.tokens[c]), D(0))


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def plain(x: D) -> str:
    """Shortest plain decimal text: 6400, 12.345, 0.00125 (no exponent, no trailing zeros)."""
    text = format(D(x).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def fixed(x: D, places: int) -> str:
    return format(D(x).quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")


def round_half_up(x: D, places: int) -> D:
    return D(x).quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


def epoch(dt: datetime) -> int:
    return int((dt - EPOCH).total_seconds())


def zero_tokens() -> dict:
    return {c: 0 for c in CATEGORIES}


def add_tokens(into: dict, tokens: dict) -> None:
    for c in CATEGORIES:
        into[c] += tokens[c]


def day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def write_csv(path: Path, header: list, rows: list) -> None:
    for r in rows:
        assert len(r) == len(header), (path.name, len(r), len(header))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def write_json(path: Path, obj) -> None:
    # json.dump(obj, f, indent=1) as the fixtures' gen.py does: no final newline.
    path.write_text(json.dumps(obj, indent=1), encoding="utf-8", newline="")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# The files
# ---------------------------------------------------------------------------------------------
def calls_of(calls: list[Call], *providers: str) -> list[Call]:
    return [c for c in calls if c.provider in providers]


def openai_file(calls: list[Call], path: Path) -> list:
    agg = defaultdict(zero_tokens)
    for c in calls_of(calls, "openai"):
        add_tokens(agg[(c.start.date(), c.model)], c.tokens)
    agg[(MISSING_DAY, MISSING_MODEL)]["input"] += MISSING_INPUT  # a. missing logs
    agg[(MISSING_DAY, MISSING_MODEL)]["output"] += MISSING_OUTPUT
    header = ["start_time", "end_time", "start_time_iso", "end_time_iso", "amount_value", "amount_currency",
              "quantity", "quantity_unit", "line_item", "user_id", "api_key_id", "project_id", "organization_id",
              "project_name", "organization_name", "user_email", "api_source"]
    rows = []
    for d in DAYS:
        t0, t1 = day_start(d), day_start(d) + timedelta(days=1)
        lead = [epoch(t0), epoch(t1), t0.isoformat() + "+00:00", t1.isoformat() + "+00:00"]
        tail = ["", "", OPENAI_PROJECT, OPENAI_ORG, "", "", "", ""]
        for model, snapshot in OPENAI_SNAPSHOT.items():
            tokens = agg.get((d, model))
            if tokens is None:
                continue
            for label, cat in OPENAI_LINE:
                q = tokens[cat]
                if q == 0:
                    continue
                amount = q * rate("openai", model, cat)
                rows.append(lead + [fixed(amount, 30), "usd", q, "tokens", f"{snapshot}, {label}"] + tail)
        if d in WEB_SEARCH_CALLS:  # e. non-token charge
            amount = WEB_SEARCH_CALLS[d] * WEB_SEARCH_PRICE
            rows.append(lead + [fixed(amount, 30), "usd", "", "", "web search tool calls"] + tail)
    write_csv(path, header, rows)
    return rows


def anthropic_rate(category: str, d: date) -> D:
    if category == "output" and d >= PRICE_CHANGE_FROM:  # b. price change
        return NEW_OUTPUT_RATE
    return rate("anthropic", ANTHROPIC_MODEL, category)


def anthropic_cents(category: str, d: date, tokens: int) -> D:
    return round_half_up(tokens * anthropic_rate(category, d) * 100, 2)


def anthropic_daily(calls: list[Call]) -> dict:
    agg = defaultdict(zero_tokens)
    for c in calls_of(calls, "anthropic"):
        add_tokens(agg[c.start.date()], c.tokens)
    return agg


def anthropic_files(calls: list[Call], cost_path: Path, usage_path: Path) -> tuple[int, int]:
    agg = anthropic_daily(calls)
    cost_buckets, usage_buckets, n_cost = [], [], 0
    for d in DAYS:
        t0, t1 = day_start(d), day_start(d) + timedelta(days=1)
        bounds = {"starting_at": t0.isoformat() + "Z", "ending_at": t1.isoformat() + "Z"}
        results = []
        tokens = agg.get(d)
        if tokens is not None:
            for token_type, cat, suffix in ANTHROPIC_TOKEN_TYPES:
                if tokens[cat] == 0:
                    continue
                results.append({
                    "currency": "USD", "amount": format(anthropic_cents(cat, d, tokens[cat]), "f"),
                    "workspace_id": ANTHROPIC_WORKSPACE,
                    "description": f"{ANTHROPIC_DISPLAY} Usage - {suffix}", "cost_type": "tokens",
                    "context_window": "0-200k", "model": ANTHROPIC_MODEL, "service_tier": "standard",
                    "token_type": token_type, "inference_geo": None})
        n_cost += len(results)
        cost_buckets.append({**bounds, "results": results})
        usage_results = []
        if tokens is not None:
            usage_results.append({
                "uncached_input_tokens": tokens["input"],
                "cache_creation": {"ephemeral_1h_input_tokens": tokens["cache_write_1h"],
                                   "ephemeral_5m_input_tokens": tokens["cache_write_5m"]},
                "cache_read_input_tokens": tokens["cache_read"], "output_tokens": tokens["output"],
                "server_tool_use": {"web_search_requests": 0}, "api_key_id": None, "workspace_id": None,
                "model": ANTHROPIC_MODEL, "service_tier": "standard", "context_window": "0-200k"})
        usage_buckets.append({**bounds, "results": usage_results})
    # One page each: bucket_width=1d with limit=31 (the maximum) returns the whole month.
    write_json(cost_path, {"data": cost_buckets, "has_more": False, "next_page": None})
    write_json(usage_path, {"data": usage_buckets, "has_more": False, "next_page": None})
    return n_cost, sum(len(b["results"]) for b in usage_buckets)


def azure_day(c: Call) -> date:
    return (c.start + AZURE_OFFSET).date()  # d. time shift


def azure_file(calls: list[Call], path: Path) -> list:
    agg = defaultdict(zero_tokens)
    for c in calls_of(calls, "azure"):
        d = azure_day(c)
        if MONTH_START <= day_start(d) < MONTH_END:
            add_tokens(agg[d], c.tokens)
    tags = '"team": "search","env": "prod"'
    rows = []
    for d in DAYS:
        tokens = agg.get(d)
        if tokens is None:
            continue
        for meter, cat, price, meter_id in AZURE_METERS:
            if tokens[cat] == 0:
                continue
            quantity = D(tokens[cat]) / PER_K
            rows.append([
                "8611537", "Acme EA (synthetic)", "10/01/2026", "10/31/2026", "8611537", "Acme EA (synthetic)",
                "finops@acme.example", "LLM Platform", AZURE_SUB, "llm-prod-eu", d.strftime("%m/%d/%Y"),
                AZURE_PRODUCT, "AAH-99901", meter_id, "AI + Machine Learning", "Cognitive Services", "Azure OpenAI",
                "Global", meter, plain(quantity), plain(price), plain(quantity * price), plain(price), "USD",
                "swedencentral", "", "Microsoft.CognitiveServices", AZURE_RESOURCE_ID, AZURE_ACCOUNT, "", "", "",
                tags, "ACM", "LLM Platform", "cc-4410", "1K", AZURE_RG, "", "", "", "", "MS-AZR-0017P", "True", "",
                "Microsoft", "", "Usage", "UsageBased", "Azure", plain(price), "OnDemand", "", "", ""])
    write_csv(path, AZURE_HEADER, rows)
    return rows


def hour_of(c: Call) -> datetime:
    return c.start.replace(minute=0, second=0, microsecond=0)


def cur_time(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def bedrock_file(calls: list[Call], path: Path) -> list:
    agg = defaultdict(zero_tokens)
    for c in calls_of(calls, "bedrock"):
        add_tokens(agg[hour_of(c)], c.tokens)
    rows = []
    for hour in sorted(agg):
        tokens = agg[hour]
        for usage_type, cats, per_k, description in BEDROCK_ITEMS:
            q = sum(tokens[c] for c in cats)
            if q == 0:
                continue
            amount = D(q) / PER_K
            cost = amount * per_k
            rows.append([
                cur_time(MONTH_START), AWS_PAYER, AWS_ACCOUNT, "Usage", cur_time(hour),
                cur_time(hour + timedelta(hours=1)), "AmazonBedrockService", usage_type, "InvokeModelInference",
                BEDROCK_PROFILE_ARN, plain(amount), "1K tokens", plain(per_k), plain(cost), plain(cost), "USD",
                description, "us-east-1", "AmazonBedrockService", BEDROCK_PRODUCT, AWS_ROLE, "{}"])
    write_csv(path, CUR_HEADER, rows)
    return rows


def gcp_quantity(tokens: dict, category: str) -> int:
    if category == "output_text":
        return tokens["output"] - tokens["reasoning"]
    return tokens[category]


def gcp_rate(provider: str, category: str, long_context: bool) -> D:
    base = "output" if category in ("output_text", "reasoning") else category
    return rate(provider, "gemini-2.5-pro", base, long_context)


def gcp_aggregate(calls: list[Call]) -> dict:
    agg = defaultdict(zero_tokens)
    for c in calls_of(calls, "gemini", "vertex_ai"):
        assert c.model == "gemini-2.5-pro"
        add_tokens(agg[(hour_of(c), c.provider, c.long_context)], c.tokens)
    return agg


def gcp_line(provider: str, category: str, long_context: bool, q: int) -> tuple[D, D]:
    """(cost, credit) of one GCP row, each rounded to 6 decimals from the exact value."""
    exact = q * gcp_rate(provider, category, long_context)
    credit = -exact * VERTEX_DISCOUNT if provider == "vertex_ai" else D(0)
    return round_half_up(exact, 6), round_half_up(credit, 6)


def gcp_file(calls: list[Call], path: Path) -> list:
    agg = gcp_aggregate(calls)
    rows = []
    for hour in sorted({k[0] for k in agg}):
        for provider in ("gemini", "vertex_ai"):
            service_id, service, unit, skus = GCP_SERVICES[provider]
            for sku_id, sku, cat, long_context in skus:
                tokens = agg.get((hour, provider, long_context))
                if tokens is None:
                    continue
                q = gcp_quantity(tokens, cat)
                if q == 0:
                    continue
                cost, credit = gcp_line(provider, cat, long_context, q)
                end = hour + timedelta(hours=1)
                rows.append([
                    GCP_BILLING_ACCOUNT, service_id, service, sku_id, sku, hour.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    end.strftime("%Y-%m-%d %H:%M:%S UTC"), GCP_PROJECT, "global", q, unit, q, "count",
                    fixed(cost, 6), "USD", fixed(credit, 6) if credit else "0.000000", "regular",
                    (hour + PACIFIC_DAYLIGHT).strftime("%Y%m"), "[]",
                    (end + GCP_EXPORT_DELAY).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"])
    write_csv(path, GCP_HEADER, rows)
    return rows


# ---------------------------------------------------------------------------------------------
# Expected figures, computed from the aggregated logs + the injected changes (not from the rows)
# ---------------------------------------------------------------------------------------------
def s(x) -> str:
    return plain(D(x))


def token_dict(tokens: dict, keep=CATEGORIES) -> dict:
    return {c: (tokens[c] if c in keep else None) for c in CATEGORIES}


def logs_side(calls: list[Call]) -> dict:
    tokens = zero_tokens()
    amount = D(0)
    spend = D(0)
    for c in calls:
        add_tokens(tokens, c.tokens)
        amount += list_cost(c)
        spend += D(c.spend)
    return {"calls": len(calls), "amount_list": s(amount), "spend_logged": s(spend), "tokens": tokens}


def per_model_logs(calls: list[Call]) -> dict:
    out = {}
    for key in sorted({(c.provider, c.model) for c in calls}):
        out[f"{key[0]}/{key[1]}"] = logs_side([c for c in calls if (c.provider, c.model) == key])
    return out


def expected(billable: list[Call], successes: list[Call], counts: dict, out: Path, row_counts: dict) -> dict:
    files = {}
    discrepancies = []

    # ---- OpenAI -------------------------------------------------------------------------------
    oa_calls = calls_of(billable, "openai")
    oa_logs = logs_side(oa_calls)
    missing_amount = (MISSING_INPUT * rate("openai", MISSING_MODEL, "input")
                      + MISSING_OUTPUT * rate("openai", MISSING_MODEL, "output"))
    web_search_amount = sum((n * WEB_SEARCH_PRICE for n in WEB_SEARCH_CALLS.values()), D(0))
    oa_tokens = dict(oa_logs["tokens"])
    oa_tokens["input"] += MISSING_INPUT
    oa_tokens["output"] += MISSING_OUTPUT
    oa_token_amount = D(oa_logs["amount_list"]) + missing_amount
    by_model = {}
    for model, snapshot in OPENAI_SNAPSHOT.items():
        mc = [c for c in oa_calls if c.model == model]
        ml = logs_side(mc)
        t = dict(ml["tokens"])
        amt = D(ml["amount_list"])
        if model == MISSING_MODEL:
            t["input"] += MISSING_INPUT
            t["output"] += MISSING_OUTPUT
            amt += missing_amount
        by_model[model] = {"invoice_model": snapshot, "amount": s(amt),
                           "tokens": token_dict(t, ("input", "cache_read", "output"))}
    files[FILES["openai"]] = {
        "provider": "openai", "litellm_providers": ["openai"],
        "layout": "OpenAI dashboard Cost CSV (platform.openai.com Usage -> Export -> Cost), 1d UTC buckets",
        "invoice": {
            "amount": s(oa_token_amount + web_search_amount), "amount_tokens": s(oa_token_amount),
            "amount_non_token": s(web_search_amount),
            "tokens": token_dict(oa_tokens, ("input", "cache_read", "output")), "by_model": by_model},
        "logs": oa_logs,
    }
    mini_day = [c for c in oa_calls if c.model == MISSING_MODEL and c.start.date() == MISSING_DAY]
    mini_day_logs = logs_side(mini_day)
    discrepancies.append({
        "class": "missing_logs", "file": FILES["openai"], "provider": "openai",
        "invoice_model": OPENAI_SNAPSHOT[MISSING_MODEL], "litellm_model": MISSING_MODEL,
        "litellm_provider": "openai", "categories": ["input", "output"], "days": [MISSING_DAY.isoformat()],
        "injected_tokens": {"input": MISSING_INPUT, "output": MISSING_OUTPUT},
        "billed_at": {"input": s(rate("openai", MISSING_MODEL, "input")),
                      "output": s(rate("openai", MISSING_MODEL, "output"))},
        "amount": s(missing_amount),
        "amount_by_category": {"input": s(MISSING_INPUT * rate("openai", MISSING_MODEL, "input")),
                               "output": s(MISSING_OUTPUT * rate("openai", MISSING_MODEL, "output"))},
        "logs_that_day": {"calls": mini_day_logs["calls"], "tokens": mini_day_logs["tokens"],
                          "amount_list": mini_day_logs["amount_list"]},
        "invoice_that_day": {
            "input": mini_day_logs["tokens"]["input"] + MISSING_INPUT,
            "output": mini_day_logs["tokens"]["output"] + MISSING_OUTPUT,
            "cache_read": mini_day_logs["tokens"]["cache_read"]},
        "how_it_shows": "gpt-4o-mini-2024-07-18 input and output rows of 2026-10-09 exceed the logs by the "
                        "injected tokens at exactly the list rate; no other day or model differs in tokens.",
    })
    discrepancies.append({
        "class": "non_token_charge", "file": FILES["openai"], "provider": "openai",
        "invoice_model": None, "litellm_model": None, "litellm_provider": "openai",
        "line_item": "web search tool calls", "category": "web_search",
        "days": [d.isoformat() for d in sorted(WEB_SEARCH_CALLS)],
        "calls_by_day": {d.isoformat(): n for d, n in sorted(WEB_SEARCH_CALLS.items())},
        "calls": sum(WEB_SEARCH_CALLS.values()), "unit_price": s(WEB_SEARCH_PRICE),
        "amount_by_day": {d.isoformat(): s(n * WEB_SEARCH_PRICE) for d, n in sorted(WEB_SEARCH_CALLS.items())},
        "amount": s(web_search_amount),
        "how_it_shows": "rows with empty quantity/quantity_unit and line_item 'web search tool calls'; the logs "
                        "hold no web search requests, so the whole amount is unexplained by LiteLLM.",
    })

    # ---- Anthropic ----------------------------------------------------------------------------
    an_calls = calls_of(billable, "anthropic")
    an_logs = logs_side(an_calls)
    daily = anthropic_daily(billable)
    an_cents = D(0)
    an_cents_at_list = D(0)
    changed_tokens = 0
    changed_days = []
    for d, tokens in daily.items():
        for _, cat, _ in ANTHROPIC_TOKEN_TYPES:
            if tokens[cat]:
                an_cents += anthropic_cents(cat, d, tokens[cat])
                an_cents_at_list += round_half_up(tokens[cat] * rate("anthropic", ANTHROPIC_MODEL, cat) * 100, 2)
        if d >= PRICE_CHANGE_FROM and tokens["output"]:
            changed_tokens += tokens["output"]
            changed_days.append(d)
    an_amount = an_cents / 100
    an_tokens = token_dict(an_logs["tokens"], ADDITIVE)
    files[FILES["anthropic"]] = {
        "provider": "anthropic", "litellm_providers": ["anthropic"],
        "layout": "Anthropic Admin API GET /v1/organizations/cost_report, bucket_width=1d, limit=31, "
                  "group_by[]=workspace_id&group_by[]=description; amounts in cents",
        "invoice": {"amount": s(an_amount), "amount_cents": s(an_cents), "amount_non_token": "0",
                    "tokens": None,
                    "tokens_note": "the cost report carries no token counts; the companion usage report "
                                   f"{FILES['anthropic_usage']} has them (equal to the logs)",
                    "by_model": {ANTHROPIC_MODEL: {"invoice_model": ANTHROPIC_MODEL, "amount": s(an_amount)}}},
        "logs": an_logs,
        "amount_at_list_with_same_rounding": s(an_cents_at_list / 100),
    }
    files[FILES["anthropic_usage"]] = {
        "provider": "anthropic", "litellm_providers": ["anthropic"],
        "layout": "Anthropic Admin API GET /v1/organizations/usage_report/messages, bucket_width=1d, limit=31, "
                  "group_by[]=model&group_by[]=service_tier&group_by[]=context_window",
        "invoice": {"amount": None, "tokens": an_tokens,
                    "by_model": {ANTHROPIC_MODEL: {"invoice_model": ANTHROPIC_MODEL, "tokens": an_tokens}}},
        "logs": an_logs,
    }
    size_exact = changed_tokens * (NEW_OUTPUT_RATE - rate("anthropic", ANTHROPIC_MODEL, "output"))
    discrepancies.append({
        "class": "price_mismatch", "file": FILES["anthropic"], "provider": "anthropic",
        "invoice_model": ANTHROPIC_MODEL, "invoice_description": f"{ANTHROPIC_DISPLAY} Usage - Output Tokens",
        "litellm_model": ANTHROPIC_MODEL, "litellm_provider": "anthropic", "category": "output",
        "token_type": "output_tokens", "effective_from": PRICE_CHANGE_FROM.isoformat(),
        "days": [d.isoformat() for d in sorted(changed_days)],
        "tokens_affected": changed_tokens,
        "list_rate": s(rate("anthropic", ANTHROPIC_MODEL, "output")), "invoiced_rate": s(NEW_OUTPUT_RATE),
        "rate_change_percent": s((NEW_OUTPUT_RATE / rate("anthropic", ANTHROPIC_MODEL, "output") - 1) * 100),
        "amount": s(size_exact),
        "amount_as_invoiced": s((an_cents - an_cents_at_list) / 100),
        "how_it_shows": f"usage report tokens equal the logs every day; from {PRICE_CHANGE_FROM} each 'Output "
                        f"Tokens' result is {s((NEW_OUTPUT_RATE / D('1.5E-5') - 1) * 100)}% above tokens x 1.5e-05 "
                        f"(amount / tokens = {s(NEW_OUTPUT_RATE)}); earlier days and all other token types match.",
    })

    # ---- Azure --------------------------------------------------------------------------------
    az_calls = calls_of(billable, "azure")
    az_logs = logs_side(az_calls)
    in_month = [c for c in az_calls if MONTH_START <= day_start(azure_day(c)) < MONTH_END]
    edge = [c for c in az_calls if c not in in_month]
    az_inv = logs_side(in_month)
    az_amount = sum((D(az_inv["tokens"][cat]) / PER_K * price for _, cat, price, _ in AZURE_METERS), D(0))
    files[FILES["azure"]] = {
        "provider": "azure", "litellm_providers": ["azure"],
        "layout": "Azure Cost Management EA actual-cost export (older 55-column header, Quantity in 1K blocks)",
        "invoice": {"amount": s(az_amount), "amount_non_token": "0",
                    "tokens": token_dict(az_inv["tokens"], ("input", "cache_read", "output")),
                    "by_model": {"gpt-4o": {"invoice_model": "gpt 4o 1120",
                                            "invoice_meters": [m for m, _, _, _ in AZURE_METERS],
                                            "amount": s(az_amount)}}},
        "logs": az_logs,
    }
    by_day_logs = defaultdict(D)
    by_day_inv = defaultdict(D)
    for c in az_calls:
        by_day_logs[c.start.date()] += list_cost(c)
    for c in in_month:
        by_day_inv[azure_day(c)] += list_cost(c)
    day_gaps = []
    for d in DAYS:
        if by_day_inv[d] != by_day_logs[d]:
            day_gaps.append({"day": d.isoformat(), "invoice_amount": s(by_day_inv[d]),
                             "logs_amount_utc_day": s(by_day_logs[d]),
                             "gap": s(by_day_inv[d] - by_day_logs[d])})
    moved = [c for c in az_calls if azure_day(c) != c.start.date()]
    discrepancies.append({
        "class": "time_shift", "file": FILES["azure"], "provider": "azure",
        "invoice_model": "gpt 4o 1120", "invoice_meters": [m for m, _, _, _ in AZURE_METERS],
        "litellm_model": "gpt-4o",
        "litellm_provider": "azure", "category": None, "offset_hours": 2,
        "rule": "invoice Date = UTC date of (log startTime + 2 h); bucketing the logs by startTime + 2 h "
                "makes every day agree",
        "days": [g["day"] for g in day_gaps], "day_gaps": day_gaps,
        "moved_calls": [{"request_id": c.request_id,
                         "start_utc": c.start.isoformat(timespec="milliseconds") + "Z",
                         "log_day": c.start.date().isoformat(), "invoice_day": azure_day(c).isoformat(),
                         "amount": s(list_cost(c)), "tokens": c.tokens} for c in moved],
        "amount": s(sum((abs(D(g["gap"])) for g in day_gaps), D(0))),
        "amount_note": "sum of |per-day gap| at offset 0; the gaps come in equal and opposite pairs on "
                       "consecutive days",
        "month_edge": {"calls_outside_october_after_shift": len(edge),
                       "amount": s(sum((list_cost(c) for c in edge), D(0))),
                       "note": "no Azure call starts after 2026-10-31 22:00 UTC, so the October totals agree"},
        "how_it_shows": "per-day Azure gaps on 8 days (4 consecutive-day pairs, +x then -x) that vanish "
                        "when the logs are shifted by +2 h; monthly totals agree.",
    })

    # ---- AWS Bedrock --------------------------------------------------------------------------
    br_calls = calls_of(billable, "bedrock")
    br_logs = logs_side(br_calls)
    bt = br_logs["tokens"]
    br_inv_tokens = {"input": bt["input"] + bt["cache_write_5m"] + bt["cache_write_1h"],
                     "cache_read": bt["cache_read"], "cache_write_5m": 0, "cache_write_1h": 0,
                     "output": bt["output"], "reasoning": None}
    br_amount = (D(br_inv_tokens["input"]) * D("3E-6") + D(bt["cache_read"]) * D("3E-7")
                 + D(bt["output"]) * D("1.5E-5"))
    files[FILES["bedrock"]] = {
        "provider": "aws_bedrock", "litellm_providers": ["bedrock"],
        "layout": "AWS Data Exports CUR 2.0 (column selection of the fixture), hourly, usage in 1K tokens",
        "invoice": {"amount": s(br_amount), "amount_net": s(br_amount), "amount_non_token": "0",
                    "tokens": br_inv_tokens,
                    "by_model": {BEDROCK_PROFILE: {"invoice_model": BEDROCK_MODEL_CODE, "amount": s(br_amount)}}},
        "logs": br_logs,
    }
    writes = bt["cache_write_5m"] + bt["cache_write_1h"]
    discrepancies.append({
        "class": "category_shift", "file": FILES["bedrock"], "provider": "aws_bedrock",
        "invoice_model": BEDROCK_MODEL_CODE,
        "invoice_usage_type": BEDROCK_ITEMS[0][0], "expected_usage_type": BEDROCK_CACHE_WRITE_TYPE,
        "litellm_model": BEDROCK_PROFILE, "litellm_provider": "bedrock",
        "category": "cache_write_5m", "billed_as": "input",
        "days": [d.isoformat() for d in sorted({c.start.date() for c in br_calls if c.tokens["cache_write_5m"]})],
        "tokens_shifted": writes,
        "invoice_tokens": {"input": br_inv_tokens["input"], "cache_write_5m": 0},
        "logs_tokens": {"input": bt["input"], "cache_write_5m": bt["cache_write_5m"]},
        "input_plus_cache_tokens_agree": True,
        "billed_at": s(D("3E-6")), "list_rate_for_category": s(D("3.75E-6")),
        "amount": s(writes * (D("3E-6") - D("3.75E-6"))),
        "how_it_shows": "no cache-write usage type at all; the input-tokens usage type carries "
                        "input + cache writes every hour a write happened, priced at $0.003/1K. Input "
                        "+ cache_write + cache_read totals agree; the bill is $1.19 below the logs.",
    })

    # ---- GCP ----------------------------------------------------------------------------------
    g_calls = calls_of(billable, "gemini", "vertex_ai")
    agg = gcp_aggregate(billable)
    g_by = {}
    g_cost_total = D(0)
    g_credit_total = D(0)
    for provider in ("gemini", "vertex_ai"):
        service_id, service, unit, skus = GCP_SERVICES[provider]
        cost_sum, credit_sum = D(0), D(0)
        for (hour, prov, long_context), tokens in agg.items():
            if prov != provider:
                continue
            for _, _, cat, sku_long in skus:
                if sku_long != long_context:
                    continue
                q = gcp_quantity(tokens, cat)
                if q:
                    cost, credit = gcp_line(provider, cat, long_context, q)
                    cost_sum += cost
                    credit_sum += credit
        pc = calls_of(g_calls, provider)
        pl = logs_side(pc)
        g_by[provider] = {"service": service, "invoice_model": "Gemini 2.5 Pro", "litellm_model": "gemini-2.5-pro",
                          "amount": s(cost_sum), "credits": s(credit_sum), "net": s(cost_sum + credit_sum),
                          "tokens": pl["tokens"] if provider == "vertex_ai" else token_dict(pl["tokens"], ADDITIVE),
                          "long_context_calls": sum(1 for c in pc if c.long_context)}
        g_cost_total += cost_sum
        g_credit_total += credit_sum
    g_logs = logs_side(g_calls)
    g_tokens = token_dict(g_logs["tokens"], ADDITIVE)
    g_tokens["reasoning"] = None  # only the Vertex part states reasoning (Thinking SKU)
    files[FILES["gcp"]] = {
        "provider": "gcp", "litellm_providers": ["gemini", "vertex_ai"],
        "layout": "Cloud Billing export to BigQuery, flattened query result (fixture column names), hourly",
        "invoice": {"amount": s(g_cost_total), "credits": s(g_credit_total), "net": s(g_cost_total + g_credit_total),
                    "amount_non_token": "0", "tokens": g_tokens, "by_model": g_by},
        "logs": g_logs,
        "logs_by_provider": {p: logs_side(calls_of(g_calls, p)) for p in ("gemini", "vertex_ai")},
        "logs_original_cost": s(sum((D(c.original_cost or c.spend) for c in g_calls), D(0))),
    }

    for name, entry in files.items():
        inv, lg = entry["invoice"], entry["logs"]
        diff = {}
        if inv.get("amount") is not None:
            diff["amount_vs_list"] = s(D(inv["amount"]) - D(lg["amount_list"]))
        if inv.get("net") is not None:
            diff["net_vs_spend_logged"] = s(D(inv["net"]) - D(lg["spend_logged"]))
        if inv.get("tokens") is not None:
            diff["tokens"] = {c: (None if inv["tokens"][c] is None else inv["tokens"][c] - lg["tokens"][c])
                              for c in CATEGORIES}
        entry["difference"] = diff
        entry["rows"] = row_counts[name]
        entry["sha256"] = sha256(out / name)

    return {
        "description": "Made by sample_data/invoices/generate.py from sample_data/spendlogs_2026-10.csv. Invoice "
                       "figures are computed from the aggregated billable log tokens plus the injected "
                       "discrepancies (not by summing the written rows); the generator's --check re-reads the "
                       "files and asserts they sum to these figures. Money is exact decimal text (USD unless "
                       "named cents). 'amount' = what the file bills before credits; 'logs.amount_list' = the "
                       "billable log calls re-priced at list (== their logged original_cost); "
                       "'logs.spend_logged' = sum of their logged spend (Vertex is 5% below list). Token "
                       "categories are litecost's; null = the file does not state that category. Discrepancy "
                       "'amount' is invoice minus logs in USD (negative = billed less).",
        "generator": "sample_data/invoices/generate.py",
        "logs": {"path": "sample_data/spendlogs_2026-10.csv", "sha256": sha256(LOGS_PATH),
                 "rows": counts["rows"], "failures": counts["failures"], "cache_hits": counts["cache_hits"],
                 "billable_calls": counts["billable"],
                 "billable_rule": "status == success and cache_hit != True; placed by startTime (UTC)"},
        "period_utc": {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"},
        "list_prices_usd_per_token": {
            f"{d.provider}/{d.model}": {"map_key": d.map_key, **{k: s(v) for k, v in d.rates.items()}}
            for d in DEPLOYMENTS.values()},
        "rounding": {
            FILES["openai"]: "amount_value exact, printed with 30 decimals",
            FILES["anthropic"]: "amount in cents, each result rounded to 0.01 cent, ROUND_HALF_UP",
            FILES["azure"]: "Cost = Quantity (1K blocks) x EffectivePrice, exact (<= 8 decimals)",
            FILES["bedrock"]: "unblended cost = usage amount (1K tokens) x rate, exact; net = unblended",
            FILES["gcp"]: "cost and credits_amount each rounded to 6 decimals per row, ROUND_HALF_UP, "
                          "from the exact values",
        },
        "discrepancies": discrepancies,
        "files": files,
    }


# ---------------------------------------------------------------------------------------------
# Independent re-reading of the written files
# ---------------------------------------------------------------------------------------------
def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def check(out: Path, billable: list[Call], successes: list[Call], problems: list[str]) -> None:
    exp = json.loads((out / EXPECTED_NAME).read_text(encoding="utf-8"))
    files = exp["files"]

    def same(label, got, want):
        if got != want:
            problems.append(f"{label}: got {got!r}, expected {want!r}")

    def tok(t):
        return {c: t.get(c, 0) for c in CATEGORIES}

    # logs: derivation agrees with sample_data/expected_totals.json and LiteLLM's own costs
    totals_path = LOGS_PATH.parent / "expected_totals.json"
    if totals_path.exists():
        totals = json.loads(totals_path.read_text(encoding="utf-8"))
        t = zero_tokens()
        for c in billable:
            add_tokens(t, c.tokens)
        for cat in CATEGORIES:
            same(f"logs tokens_excluding_cache_hits.{cat}", t[cat], totals["tokens_excluding_cache_hits"][cat])
        for provider, entry in totals["by_provider"].items():
            pt = zero_tokens()
            for c in calls_of(successes, provider):
                add_tokens(pt, c.tokens)
            for cat in CATEGORIES:
                same(f"logs by_provider.{provider}.{cat}", pt[cat], entry["tokens"][cat])
    for c in calls_of(billable, "anthropic", "bedrock"):  # no Claude long-context (>200k) rates needed
        if c.tokens["input"] + c.tokens["cache_read"] + c.tokens["cache_write_5m"] + c.tokens["cache_write_1h"] \
                > LONG_CONTEXT_THRESHOLD:
            problems.append(f"call {c.request_id}: Claude prompt above 200k tokens (long-context rates not modelled)")
    for c in billable:
        logged = D(c.original_cost or c.spend)
        if abs(list_cost(c) - logged) > D("1E-12"):
            problems.append(f"call {c.request_id}: list cost {list_cost(c)} != logged original cost {logged}")

    # OpenAI
    rows = read_csv(out / FILES["openai"])
    same("openai rows", len(rows), files[FILES["openai"]]["rows"])
    amount, amount_tokens, t = D(0), D(0), {"input": 0, "cache_read": 0, "output": 0}
    names = {v: k for k, v in OPENAI_SNAPSHOT.items()}
    by_model = defaultdict(D)
    for r in rows:
        assert r["amount_currency"] == "usd"
        amount += D(r["amount_value"])
        model, _, label = r["line_item"].rpartition(", ")
        if r["line_item"] == "web search tool calls":
            assert r["quantity"] == "" and r["quantity_unit"] == ""
            continue
        cat = {"input": "input", "cached input": "cache_read", "output": "output"}[label]
        t[cat] += int(r["quantity"])
        amount_tokens += D(r["amount_value"])
        by_model[names[model]] += D(r["amount_value"])
        assert r["quantity_unit"] == "tokens"
    inv = files[FILES["openai"]]["invoice"]
    same("openai amount", s(amount), inv["amount"])
    same("openai amount_tokens", s(amount_tokens), inv["amount_tokens"])
    for cat in t:
        same(f"openai tokens.{cat}", t[cat], inv["tokens"][cat])
    for model, entry in inv["by_model"].items():
        same(f"openai by_model.{model}", s(by_model[model]), entry["amount"])

    # Anthropic cost + usage
    page = json.loads((out / FILES["anthropic"]).read_text(encoding="utf-8"))
    same("anthropic buckets", len(page["data"]), 31)
    cents = sum((D(r["amount"]) for b in page["data"] for r in b["results"]), D(0))
    same("anthropic rows", sum(len(b["results"]) for b in page["data"]), files[FILES["anthropic"]]["rows"])
    same("anthropic amount_cents", s(cents), files[FILES["anthropic"]]["invoice"]["amount_cents"])
    same("anthropic amount", s(cents / 100), files[FILES["anthropic"]]["invoice"]["amount"])
    usage = json.loads((out / FILES["anthropic_usage"]).read_text(encoding="utf-8"))
    ut = zero_tokens()
    for b in usage["data"]:
        for r in b["results"]:
            ut["input"] += r["uncached_input_tokens"]
            ut["cache_read"] += r["cache_read_input_tokens"]
            ut["cache_write_5m"] += r["cache_creation"]["ephemeral_5m_input_tokens"]
            ut["cache_write_1h"] += r["cache_creation"]["ephemeral_1h_input_tokens"]
            ut["output"] += r["output_tokens"]
    for cat in ADDITIVE:
        same(f"anthropic usage tokens.{cat}", ut[cat], files[FILES["anthropic_usage"]]["invoice"]["tokens"][cat])
    # price change visible: implied output rate per day
    usage_by_day = {b["starting_at"][:10]: b["results"] for b in usage["data"]}
    for b in page["data"]:
        day = b["starting_at"][:10]
        for r in b["results"]:
            if r["token_type"] != "output_tokens":
                continue
            n = usage_by_day[day][0]["output_tokens"]
            want = NEW_OUTPUT_RATE if date.fromisoformat(day) >= PRICE_CHANGE_FROM else D("1.5E-5")
            if abs(D(r["amount"]) / 100 - n * want) > D("0.00005"):
                problems.append(f"anthropic {day} output amount {r['amount']} cents != {n} x {want}")

    # Azure
    rows = read_csv(out / FILES["azure"])
    same("azure rows", len(rows), files[FILES["azure"]]["rows"])
    cost, t = D(0), {"input": 0, "cache_read": 0, "output": 0}
    meters = {m: cat for m, cat, _, _ in AZURE_METERS}
    for r in rows:
        assert D(r["Quantity"]) * D(r["EffectivePrice"]) == D(r["Cost"]), r["MeterName"]
        assert r["UnitOfMeasure"] == "1K"
        cost += D(r["Cost"])
        t[meters[r["MeterName"]]] += int(D(r["Quantity"]) * PER_K)
    inv = files[FILES["azure"]]["invoice"]
    same("azure amount", s(cost), inv["amount"])
    for cat in t:
        same(f"azure tokens.{cat}", t[cat], inv["tokens"][cat])
    # the time shift: shifted log days agree with the file exactly
    file_days = defaultdict(D)
    for r in rows:
        file_days[datetime.strptime(r["Date"], "%m/%d/%Y").date()] += D(r["Cost"])
    shifted = defaultdict(D)
    for c in calls_of(billable, "azure"):
        shifted[(c.start + AZURE_OFFSET).date()] += list_cost(c)
    for d in DAYS:
        same(f"azure {d} vs logs shifted +2h", s(file_days[d]), s(shifted[d]))

    # AWS CUR
    rows = read_csv(out / FILES["bedrock"])
    same("bedrock rows", len(rows), files[FILES["bedrock"]]["rows"])
    cost, net, t = D(0), D(0), zero_tokens()
    for r in rows:
        assert D(r["line_item_usage_amount"]) * D(r["line_item_unblended_rate"]) == D(r["line_item_unblended_cost"])
        assert r["pricing_unit"] == "1K tokens" and r["line_item_line_item_type"] == "Usage"
        cost += D(r["line_item_unblended_cost"])
        net += D(r["line_item_net_unblended_cost"])
        q = int(D(r["line_item_usage_amount"]) * PER_K)
        ut_name = r["line_item_usage_type"]
        if "-input-tokens-" in ut_name:
            t["input"] += q
        elif "-output-tokens-" in ut_name:
            t["output"] += q
        elif "cache-read" in ut_name:
            t["cache_read"] += q
        elif "cache-write" in ut_name:
            t["cache_write_1h" if "1-hour" in ut_name else "cache_write_5m"] += q
        else:
            problems.append(f"bedrock: unknown usage type {ut_name}")
    inv = files[FILES["bedrock"]]["invoice"]
    same("bedrock amount", s(cost), inv["amount"])
    same("bedrock net", s(net), inv["amount_net"])
    for cat in ADDITIVE:
        same(f"bedrock tokens.{cat}", t[cat], inv["tokens"][cat])

    # GCP
    rows = read_csv(out / FILES["gcp"])
    same("gcp rows", len(rows), files[FILES["gcp"]]["rows"])
    cost, credits, t = D(0), D(0), zero_tokens()
    per_service = defaultdict(lambda: [D(0), D(0)])
    for r in rows:
        cost += D(r["cost"])
        credits += D(r["credits_amount"])
        per_service[r["service_description"]][0] += D(r["cost"])
        per_service[r["service_description"]][1] += D(r["credits_amount"])
        q = int(r["usage_amount"])
        sku = r["sku_description"]
        if "Thinking" in sku:
            t["reasoning"] += q
            t["output"] += q
        elif "cached input" in sku or "Caching" in sku:
            t["cache_read"] += q
        elif "output" in sku.lower():
            t["output"] += q
        else:
            t["input"] += q
        assert r["invoice_month"] == ("202609" if r["usage_start_time"] < "2026-10-01 07" else "202610")
    inv = files[FILES["gcp"]]["invoice"]
    same("gcp cost", s(cost), inv["amount"])
    same("gcp credits", s(credits), inv["credits"])
    for cat in ADDITIVE:
        same(f"gcp tokens.{cat}", t[cat], inv["tokens"][cat])
    same("gcp vertex reasoning", t["reasoning"], inv["by_model"]["vertex_ai"]["tokens"]["reasoning"])
    for provider, entry in inv["by_model"].items():
        got = per_service[entry["service"]]
        same(f"gcp {provider} cost", s(got[0]), entry["amount"])
        same(f"gcp {provider} credits", s(got[1]), entry["credits"])

    # sizes and hashes
    for name, entry in files.items():
        size = (out / name).stat().st_size
        if size >= 1_000_000:
            problems.append(f"{name}: {size} bytes (>= 1 MB)")
        same(f"{name} sha256", sha256(out / name), entry["sha256"])


# ---------------------------------------------------------------------------------------------
def check_price_map(problems: list[str]) -> None:
    if not PRICE_MAP_PATH.exists():
        return
    price_map = json.loads(PRICE_MAP_PATH.read_text(encoding="utf-8"))
    for dep in DEPLOYMENTS.values():
        entry = price_map[dep.map_key]
        for cat, value in dep.rates.items():
            mapped = entry.get(MAP_FIELDS[cat])
            if mapped is None or D(repr(mapped)) != value:
                problems.append(f"price map {dep.map_key}.{MAP_FIELDS[cat]} = {mapped}, generator uses {value}")
    for snapshot in OPENAI_SNAPSHOT.values():  # the snapshot entries carry the same rates
        base = DEPLOYMENTS[("openai", next(k for k, v in OPENAI_SNAPSHOT.items() if v == snapshot))]
        for cat, value in base.rates.items():
            if D(repr(price_map[snapshot][MAP_FIELDS[cat]])) != value:
                problems.append(f"price map {snapshot}.{MAP_FIELDS[cat]} differs from {base.map_key}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: next to this script)")
    ap.add_argument("--check", action="store_true", help="only re-read the files in --out and check them")
    args = ap.parse_args(argv)
    out: Path = args.out
    billable, successes, counts = read_logs(LOGS_PATH)
    problems: list[str] = []
    check_price_map(problems)
    if not args.check:
        out.mkdir(parents=True, exist_ok=True)
        row_counts = {
            FILES["openai"]: len(openai_file(billable, out / FILES["openai"])),
            FILES["azure"]: len(azure_file(billable, out / FILES["azure"])),
            FILES["bedrock"]: len(bedrock_file(billable, out / FILES["bedrock"])),
            FILES["gcp"]: len(gcp_file(billable, out / FILES["gcp"])),
        }
        n_cost, n_usage = anthropic_files(billable, out / FILES["anthropic"], out / FILES["anthropic_usage"])
        row_counts[FILES["anthropic"]] = n_cost
        row_counts[FILES["anthropic_usage"]] = n_usage
        write_json(out / EXPECTED_NAME, expected(billable, successes, counts, out, row_counts))
    check(out, billable, successes, problems)
    exp = json.loads((out / EXPECTED_NAME).read_text(encoding="utf-8"))
    for name, entry in exp["files"].items():
        inv = entry["invoice"]
        print(f"{name}: {entry['rows']} rows, {(out / name).stat().st_size} bytes, "
              f"amount {inv.get('amount')}, logs {entry['logs']['amount_list']}")
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
