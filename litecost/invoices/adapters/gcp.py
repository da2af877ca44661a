"""Google Cloud billing export (Vertex AI and Gemini API SKUs): flattened CSV or JSON.

Reference: provider-billing-formats.md §5. The BigQuery export is nested
(`sku.description`, `usage.amount`, `credits[]`); a flattened query result names the
same fields `sku_description`, `usage_amount`, `credits_amount`. Both read the same
after `reading.column_key`. One line per row over its usage window (UTC); the
invoice month (`invoice.month`) follows the US/Pacific calendar, so it is not used
for periods: a line's period is always its UTC usage window.

Credits are charges of their own: each entry of `credits[]` (or a non-zero
`credits_amount`) becomes a `credit` line with the row's `source_row`, model and
provider, so gross = sum of non-credit lines and net = sum of all lines.
`cost_type` `tax` / `adjustment` / `rounding_error` rows are `tax` / `adjustment` /
`rounding`. Token quantities are `usage.amount` (Vertex rows report token SKUs in
`requests` units; the amount is the token count). Character-priced SKUs keep the
unit `characters`. "Thinking" output SKUs are `output` (reasoning is part of output);
"(Long)" / "long input" SKUs are `context_tier='long'`; context-cache *storage* is
`storage`. Provider: `vertex_ai` for Vertex AI, `gemini` for the Gemini API
(Generative Language API), `gcp` for any other service in the export.
"""

from __future__ import annotations

import re

from litecost.invoices.charges import Charge, keyword_kind
from litecost.invoices.layouts import Adapter, Layout, Shape, Stage, StageContext, staged_select
from litecost.invoices.sql import Check, currency_code, money, number, text
from litecost.sql import instant

_GEMINI_WORDS = {"pro", "flash", "lite", "ultra", "nano", "live", "tts", "embedding", "exp"}
_WORD_SPLIT = re.compile(r"[\s\-]+")


def sku_model(description: str) -> str | None:
    """The model a SKU names, as text `family_key` understands ("gemini 2.0 flash")."""
    words = [w for w in _WORD_SPLIT.split(description.lower()) if w]
    if "gemini" in words:
        model = ["gemini"]
        for word in words[words.index("gemini") + 1:]:
            if re.fullmatch(r"\d+(\.\d+)?", word) or word in _GEMINI_WORDS:
                model.append(word)
            else:
                break
        return " ".join(model) if len(model) > 1 else None
    if "claude" in words:
        model = []
        for word in words[words.index("claude"):]:
            if word in ("input", "output", "cache", "cached", "caching", "text", "tokens", "predictions", "batch"):
                break
            model.append(word)
        return " ".join(model)
    return None


def parse_sku(description: str) -> Charge:
    """A SKU description → kind, token category, tier and context tier."""
    text_ = description.lower()
    words = set(_WORD_SPLIT.split(text_))
    model = sku_model(description)
    raw = description if model else None
    tier = next((t for t in ("batch", "priority", "flex") if t in words), None)
    context = "long" if ("(long)" in text_ or "long" in words or ">200k" in text_.replace(" ", "")) else None
    if "storage" in words:
        return Charge("storage", None, raw, tier, context)
    if model and "provisioned" in words:
        return Charge("provisioned", None, raw, "provisioned", context)
    direction = "input" if "input" in words else "output" if "output" in words else None
    cached = bool(words & {"cached", "caching", "cache"})
    if model and (direction or cached):
        if cached and direction != "output":
            category = "cache_read"
        elif "audio" in words:
            category = f"audio_{direction}"
        elif "image" in words and direction == "input":
            category = "image_input"
        else:
            category = direction
        return Charge("token", category, raw, tier, context)
    kind = keyword_kind(description) or "other"
    return Charge(kind, "web_search" if kind == "web_search" else None, raw, tier, context)


def _provider(service: str) -> str:
    """SQL: Vertex AI and the Gemini API by their service's name; any other service is `gcp`."""
    s = f"lower(coalesce({service}, ''))"
    return (
        f"CASE WHEN {s} LIKE '%vertex%' THEN 'vertex_ai'"
        f" WHEN {s} LIKE '%gemini%' OR {s} LIKE '%generative language%' THEN 'gemini' ELSE 'gcp' END"
    )


def stage(ctx: StageContext) -> Stage:
    c = ctx.columns
    start, end = instant(c("usage_start_time")), instant(c("usage_end_time"))
    cost = money(c("cost"))
    qty = number(c("usage_amount"))
    flat_credit = money(c("credits_amount"))
    checks = [
        c.check("usage_start_time", parsed=start, what="a UTC time", required=True),
        c.check("usage_end_time", parsed=end, what="a UTC time", required=True),
        c.check("cost", parsed=cost, what="a decimal amount", required=True),
        c.check("usage_amount", parsed=qty, what="a number"),
        c.check("credits_amount", parsed=flat_credit, what="a decimal amount"),
    ]
    sku = text(c("sku_description"))
    cost_type = f"lower({text(c('cost_type'))})"
    kind = (
        f"CASE WHEN {cost_type} = 'tax' THEN 'tax' WHEN {cost_type} = 'adjustment' THEN 'adjustment'"
        f" WHEN {cost_type} = 'rounding_error' THEN 'rounding' ELSE coalesce(l.kind, 'other') END"
    )
    unit = f"lower({text(c('usage_unit'))})"
    per_character = f"{unit} LIKE '%char%'"
    shared = {
        "period_start": start,
        "period_end": end,
        "provider": _provider(text(c("service_description"))),
        "account": c.coalesce("project_id", "project_number", "billing_account_id"),
        "model_raw": "l.model_raw",
        "service_tier": "coalesce(l.service_tier, 'standard')",
        "context_tier": "l.context_tier",
        "region": c.coalesce("location_region", "location_location", "location_zone"),
        "currency": currency_code(c("currency")),
        "label": sku,
    }
    base = staged_select({
        **shared,
        "kind": kind,
        "category": f"CASE WHEN {kind} IN ('token', 'web_search') THEN l.category END",
        "quantity": qty,
        "unit": (
            f"CASE WHEN {qty} IS NULL THEN NULL WHEN {kind} = 'token' AND NOT coalesce({per_character}, false)"
            f" THEN 'tokens' ELSE {text(c('usage_unit'))} END"
        ),
        "amount": cost,
        "description": f"concat_ws(' · ', {sku}, {text(c('service_description'))})",
    }, checks=checks, label=sku)
    parts = [base]
    credit_line = {**shared, "kind": "'credit'", "service_tier": "coalesce(l.service_tier, 'standard')"}
    if c.has("credits"):
        credits = text(c("credits"))
        entries = (
            f"(SELECT inv_src.*, cr.value AS credit FROM inv_src,"
            f" json_each(CASE WHEN json_valid({credits}) AND json_type(CAST({credits} AS JSON)) = 'ARRAY'"
            f" THEN CAST({credits} AS JSON) END) cr WHERE json_type(cr.value) = 'OBJECT')"
        )
        amount_text = "json_extract_string(inv_src.credit, '$.amount')"
        parts.append(staged_select({
            **credit_line,
            "amount": money(amount_text),
            "description": (
                "concat_ws(' · ', 'credit', json_extract_string(inv_src.credit, '$.full_name'),"
                f" json_extract_string(inv_src.credit, '$.name'), json_extract_string(inv_src.credit, '$.type'), {sku})"
            ),
        }, checks=[Check(c.label("credits") + ".amount", amount_text, money(amount_text), "a decimal amount", required=True)],
            label=sku, source=f"{entries} inv_src"))
    elif c.has("credits_amount"):
        parts.append(staged_select({
            **credit_line,
            "amount": flat_credit,
            "description": f"concat_ws(' · ', 'credit', {text(c('credits_name', 'credits_type'))}, {sku})",
        }, label=sku, where=f"coalesce({flat_credit}, 0) <> 0"))
    return Stage(
        sql=" UNION ALL ".join(parts),
        label=sku,
        classify=parse_sku,
    )


def _gcp(shape: Shape) -> bool:
    return shape.has("skudescription", "cost") and shape.any("usagestarttime", "invoicemonth")


LAYOUTS = (
    Layout("gcp_billing_csv", "gcp", "GCP Cloud Billing export (flattened CSV/Parquet)", "cost", ("csv", "parquet"),
           lambda s: s.format in ("csv", "parquet") and _gcp(s), stage),
    Layout("gcp_billing_json", "gcp", "GCP Cloud Billing export (JSON)", "cost", ("json",),
           lambda s: s.format == "json" and not s.page and _gcp(s), stage),
)

ADAPTER = Adapter("gcp", ("vertex_ai", "gemini", "gcp"), LAYOUTS, classify=parse_sku,
                  model_text=lambda sku: sku_model(sku) or sku, service_provider=_provider)
