"""OpenAI: the Costs API / dashboard Cost CSV, and the Usage API / Activity CSV.

Reference: provider-billing-formats.md §1. Both CSVs start with
`start_time,end_time,start_time_iso,end_time_iso` (Unix seconds, UTC buckets).
The API JSON pages are flattened by `reading.py` to the same column names, so the
CSV and the JSON of each kind share one adapter.

Costs: one line per result; the charge is parsed from `line_item`
(`[priority | ]<model>[ audio|image], <input|cached input|output|cache writes>[, long context]`,
§1.3, observed, so parsed leniently; anything else keeps its own kind or `other`).
The Costs API does not split batch from sync (batch spend folds into the same
line items at the discounted amount), so cost lines are `standard` unless prefixed.
`cache writes` do not say their TTL: they count as `cache_write_5m`.

Usage: one line per token category per result (amount 0; the layout measures tokens).
`input` is *uncached* input: `input_uncached_tokens` when present, else
`input_tokens − input_cached_tokens − input_cache_write_tokens`; audio and image input
are split out as `audio_input` / `image_input`, audio output as `audio_output`.
"""

from __future__ import annotations

import re

from litecost.invoices.charges import Charge, keyword_kind
from litecost.invoices.layouts import Adapter, Layout, Shape, Stage, StageContext, wide_usage_select
from litecost.invoices.sql import Check, block_of_unit, currency_code, money, number, text
from litecost.sql import instant

PROVIDER = "openai"
_TIME_KEYS = ("starttime", "endtime")

_CATEGORIES = {
    "input": "input", "input tokens": "input", "input_tokens": "input", "uncached input": "input",
    "cached input": "cache_read", "cached_input": "cache_read", "cached input tokens": "cache_read",
    "input_cached_tokens": "cache_read", "cache read": "cache_read", "cache reads": "cache_read",
    "cache writes": "cache_write_5m", "cache write": "cache_write_5m", "cached writes": "cache_write_5m",
    "input_cache_write_tokens": "cache_write_5m",
    "output": "output", "output tokens": "output", "output_tokens": "output",
}
_TIERS = {"priority": "priority", "flex": "flex", "batch": "batch", "scale": "provisioned",
          "default": "standard", "standard": "standard", "auto": "standard"}
_LONG = {"long context", "long-context", "long_context", "long"}
_PREFIX = re.compile(r"^\s*([A-Za-z_ -]{1,20}?)\s*\|\s*(.+)$")


def classify_line_item(line_item: str) -> Charge:
    """One `line_item` string → its charge (model, category, tier, context tier)."""
    body = line_item.strip()
    tier = None
    prefix = _PREFIX.match(body)
    if prefix and prefix.group(1).strip().lower() in _TIERS:
        tier = _TIERS[prefix.group(1).strip().lower()]
        body = prefix.group(2).strip()
    parts = [p.strip() for p in body.split(",")]
    long_context = any(p.lower() in _LONG for p in parts[1:])
    rest = [p for p in parts[1:] if p.lower() not in _LONG]
    for p in rest[1:]:
        tier = _TIERS.get(p.lower(), tier)
    context = "long" if long_context else None
    if rest and parts[0]:
        model, category = parts[0], _CATEGORIES.get(rest[0].lower())
        modality = None
        match = re.match(r"^(.*\S)\s+(audio|image|text)$", model, re.IGNORECASE)
        if match:
            model, modality = match.group(1), match.group(2).lower()
        if category is not None:
            if modality == "audio" and category in ("input", "output"):
                category = "audio_" + category
            elif modality == "image" and category == "input":
                category = "image_input"
            return Charge("token", category, model, tier, context)
        kind = keyword_kind(body) or "other"
        return Charge(kind, "web_search" if kind == "web_search" else None, model, tier, context)
    kind = keyword_kind(body) or "other"
    return Charge(kind, "web_search" if kind == "web_search" else None, None, tier, context)


def _period(c) -> tuple[str, str, list[Check]]:  # noqa: ANN001
    start_raw = c.coalesce("start_time", "start_time_iso")
    end_raw = c.coalesce("end_time", "end_time_iso")
    start, end = instant(start_raw), instant(end_raw)
    checks = [
        Check(c.label("start_time", "start_time_iso"), start_raw, start, "a time (Unix seconds or ISO 8601)", required=True),
        Check(c.label("end_time", "end_time_iso"), end_raw, end, "a time (Unix seconds or ISO 8601)", required=True),
    ]
    return start, end, checks


def stage_costs(ctx: StageContext) -> Stage:
    c = ctx.columns
    start, end, checks = _period(c)
    label = text(c("line_item"))
    block = block_of_unit(c("quantity_unit"))
    qty = number(c("quantity"))
    checks += [
        c.check("amount_value", "amount", parsed=money(c("amount_value", "amount")), what="a decimal amount",
                required=True),
        c.check("quantity", parsed=qty, what="a number"),
    ]
    token_unit = f"({block} IS NOT NULL OR (l.kind = 'token' AND {text(c('quantity_unit'))} IS NULL))"
    values = {
        "period_start": start,
        "period_end": end,
        "provider": f"'{PROVIDER}'",
        "account": c.coalesce("project_id", "organization_id"),
        "kind": "coalesce(l.kind, 'other')",
        "model_raw": "l.model_raw",
        "category": "l.category",
        "service_tier": "coalesce(l.service_tier, 'standard')",
        "context_tier": "l.context_tier",
        "quantity": f"{qty} * coalesce({block}, 1)",
        "unit": f"CASE WHEN {qty} IS NULL THEN NULL WHEN {token_unit} THEN 'tokens' ELSE {text(c('quantity_unit'))} END",
        "amount": money(c("amount_value", "amount")),
        "currency": currency_code(c("amount_currency", "currency")),
        "description": f"coalesce({label}, 'all line items (export not grouped by line item)')",
        "label": label,
    }
    return Stage.classified(values, checks, label=label, classify=classify_line_item)


def stage_usage(ctx: StageContext) -> Stage:
    c = ctx.columns
    start, end, checks = _period(c)
    names = ("input_tokens", "input_cached_tokens", "input_cache_write_tokens", "input_uncached_tokens",
             "input_audio_tokens", "input_cached_audio_tokens", "input_image_tokens", "input_cached_image_tokens",
             "output_tokens", "output_audio_tokens")
    n = {name: number(c(name)) for name in names}
    checks += [c.check(name, parsed=n[name], what="a token count") for name in names if c.has(name)]
    zero = {name: f"coalesce({n[name]}, 0)" for name in names}
    audio_in = f"greatest({zero['input_audio_tokens']} - {zero['input_cached_audio_tokens']}, 0)"
    image_in = f"greatest({zero['input_image_tokens']} - {zero['input_cached_image_tokens']}, 0)"
    uncached = (
        f"coalesce({n['input_uncached_tokens']},"
        f" {zero['input_tokens']} - {zero['input_cached_tokens']} - {zero['input_cache_write_tokens']})"
    )
    items = [
        ("input", f"greatest({uncached} - {audio_in} - {image_in}, 0)"),
        ("cache_read", zero["input_cached_tokens"]),
        ("cache_write_5m", zero["input_cache_write_tokens"]),
        ("audio_input", audio_in),
        ("image_input", image_in),
        ("output", f"greatest({zero['output_tokens']} - {zero['output_audio_tokens']}, 0)"),
        ("audio_output", zero["output_audio_tokens"]),
    ]
    batch = f"lower({text(c('batch'))})"
    tier = text(c("service_tier"))
    requests = f"CAST(TRY_CAST(TRY_CAST({text(c('num_model_requests'))} AS DOUBLE) AS BIGINT) AS VARCHAR) || ' requests'"
    values = {
        "provider": f"'{PROVIDER}'",
        "account": c.coalesce("project_id", "api_key_id", "user_id"),
        "kind": "'token'",
        "model_raw": text(c("model")),
        "service_tier": (
            f"CASE WHEN {batch} IN ('true', '1', 't', 'yes') THEN 'batch'"
            f" WHEN lower({tier}) IN ('priority', 'flex') THEN lower({tier})"
            f" WHEN lower({tier}) = 'scale' THEN 'provisioned' ELSE 'standard' END"
        ),
        "unit": "'tokens'",
        "description": f"concat_ws(' · ', {text(c('model'))}, {requests})",
    }
    return Stage(sql=wide_usage_select(values, items, checks, start, end))


def _is_cost(shape: Shape) -> bool:
    if shape.page:
        return (shape.result_object or "").startswith("organization.costs") or (
            shape.any("lineitem") and shape.any("amountvalue", "amount") and shape.any(*_TIME_KEYS)
        ) or (not shape.keys and shape.page_object == "page")
    times = shape.has("starttime", "endtime", "starttimeiso", "endtimeiso")
    # An empty dashboard export has only the four time columns: zero rows, not an error.
    return times and (shape.any("amountvalue", "lineitem") or shape.keys == frozenset(
        {"starttime", "endtime", "starttimeiso", "endtimeiso"}))


def _is_usage(shape: Shape) -> bool:
    if shape.page:
        return (shape.result_object or "").startswith("organization.usage") or (
            shape.any(*_TIME_KEYS) and shape.any("inputtokens", "nummodelrequests") and not shape.any("amountvalue")
        )
    return shape.has("starttime", "endtime") and shape.any("inputtokens", "nummodelrequests") and not shape.any("amountvalue")


LAYOUTS = (
    Layout("openai_costs_csv", "openai", "OpenAI dashboard Cost CSV export", "cost", ("csv",),
           lambda s: s.format == "csv" and _is_cost(s), stage_costs),
    Layout("openai_costs_json", "openai", "OpenAI Costs API JSON page", "cost", ("json",),
           lambda s: s.format == "json" and _is_cost(s), stage_costs),
    Layout("openai_usage_csv", "openai", "OpenAI dashboard Activity (usage) CSV export", "usage", ("csv",),
           lambda s: s.format == "csv" and _is_usage(s), stage_usage),
    Layout("openai_usage_json", "openai", "OpenAI Usage API JSON page", "usage", ("json",),
           lambda s: s.format == "json" and _is_usage(s), stage_usage),
)

ADAPTER = Adapter("openai", ("openai",), LAYOUTS, classify=classify_line_item)
