"""FinOps FOCUS cost-and-usage exports (1.0–1.3), CSV or Parquet, from any provider.

Reference: provider-billing-formats.md §6. FOCUS has no token-category column: the
charge is named by provider convention, so each row is classified with *its
provider's* parser (OpenAI line items in `ChargeDescription`, Azure meters in
`x_SkuMeterName`/`SkuMeter`, Bedrock usage types in `x_UsageType`, GCP SKUs in
`ChargeDescription`); an explicit `SkuPriceDetails.x_TokenCategory` wins. The line
provider comes from `ServiceProviderName` (1.3) / `ProviderName` / `PublisherName`
and `ServiceName` (AWS → `bedrock` for Bedrock, Google → `vertex_ai` or `gemini`).

Amount is `BilledCost` (what is invoiced). `ChargeCategory` Tax / Credit /
Adjustment / Purchase rows keep kinds `tax` / `credit` / `adjustment` / `fee` (or
`provisioned` for commitments). Tokens: `ConsumedQuantity` when `ConsumedUnit` is a
token unit, else `PricingQuantity` × its block (`1000 Tokens`).
"""

from __future__ import annotations

import re

from litecost.invoices.charges import Charge, keyword_kind
from litecost.invoices.layouts import Adapter, Layout, Stage, StageContext
from litecost.invoices.sql import block_of_unit, currency_code, money, number, text
from litecost.sql import instant

_SEP = "\x1f"
_X_CATEGORIES = {
    "input": "input", "uncached_input": "input", "input_no_cache": "input",
    "cached_input": "cache_read", "cache_read": "cache_read", "input_cached": "cache_read",
    "cache_write": "cache_write_5m", "cache_write_5m": "cache_write_5m", "cache_write_1h": "cache_write_1h",
    "output": "output", "audio_input": "audio_input", "audio_output": "audio_output", "image_input": "image_input",
    "web_search": "web_search",
}


def classify_text(description: str) -> Charge:
    """Any provider's free-text charge ("Claude Sonnet 4 Usage - Input Tokens, Cache Read")."""
    t = description.lower()
    if re.search(r"cache[ _-]?read|cached", t):
        category = "cache_read"
    elif re.search(r"cache[ _-]?(write|creation)", t):
        category = "cache_write_1h" if re.search(r"\b1\s?h", t) else "cache_write_5m"
    elif re.search(r"\b(input|prompt)\b", t):
        category = "input"
    elif re.search(r"\b(output|completion)\b", t):
        category = "output"
    else:
        category = None
    model = re.split(r"\s+-\s+|,|\s+usage\b", description, maxsplit=1, flags=re.IGNORECASE)[0].strip() or None
    kind = keyword_kind(description)
    if category and kind is None:
        return Charge("token", category, model)
    kind = kind or "other"
    return Charge(kind, "web_search" if kind == "web_search" else None, None)


def classify(label: str) -> Charge:
    """A FOCUS row's charge, read as its provider's own adapter reads that provider's labels."""
    from litecost.invoices.adapters import adapter_for

    provider, _, text_ = label.partition(_SEP)
    adapter = adapter_for(provider)
    if adapter is not None and adapter.classify is not None:
        return adapter.classify(text_)
    return classify_text(text_)


def provider_sql(c) -> str:  # noqa: ANN001
    from litecost.invoices.adapters import adapter_for

    name = f"lower({c.coalesce('service_provider_name', 'provider_name', 'publisher_name', 'host_provider_name', 'invoice_issuer_name')})"
    service = c.coalesce("service_name", "x_service_code")
    # A cloud's rows are told apart by service, as that cloud's own export is.
    aws, google = (adapter_for(p).service_provider(service) for p in ("bedrock", "vertex_ai"))
    return (
        f"CASE WHEN {name} LIKE '%openai%' THEN 'openai' WHEN {name} LIKE '%anthropic%' THEN 'anthropic'"
        f" WHEN {name} LIKE '%microsoft%' OR {name} LIKE '%azure%' THEN 'azure'"
        f" WHEN {name} LIKE '%amazon%' OR {name} LIKE '%aws%' THEN {aws}"
        f" WHEN {name} LIKE '%google%' OR {name} LIKE '%gcp%' THEN {google}"
        f" WHEN {name} LIKE '%openrouter%' THEN 'openrouter'"
        f" ELSE coalesce(NULLIF(regexp_replace({name}, '[^a-z0-9]+', '_', 'g'), ''), 'unknown') END"
    )


def stage(ctx: StageContext) -> Stage:
    c = ctx.columns
    start, end = instant(c("charge_period_start")), instant(c("charge_period_end"))
    cost = money(c("billed_cost"))
    consumed, pricing = number(c("consumed_quantity")), number(c("pricing_quantity"))
    checks = [
        c.check("charge_period_start", parsed=start, what="a UTC time", required=True),
        c.check("charge_period_end", parsed=end, what="a UTC time", required=True),
        c.check("billed_cost", parsed=cost, what="a decimal amount", required=True),
        c.check("consumed_quantity", parsed=consumed, what="a number"),
        c.check("pricing_quantity", parsed=pricing, what="a number"),
    ]
    provider = provider_sql(c)
    charge_text = (
        f"CASE WHEN ({provider}) = 'azure' THEN {c.coalesce('x_sku_meter_name', 'sku_meter', 'charge_description')}"
        f" WHEN ({provider}) IN ('bedrock', 'aws') THEN {c.coalesce('x_usage_type', 'sku_meter', 'charge_description')}"
        f" ELSE {c.coalesce('charge_description', 'sku_meter')} END"
    )
    label = f"(({provider}) || chr(31) || {charge_text})"
    details = text(c("sku_price_details"))
    x_category = (
        f"CASE WHEN json_valid({details}) THEN lower(json_extract_string({details}, '$.x_TokenCategory')) END"
    )
    mapped = "CASE " + " ".join(f"WHEN {x_category} = '{k}' THEN '{v}'" for k, v in _X_CATEGORIES.items()) + " END"
    charge_category = f"lower({text(c('charge_category'))})"
    usage_kind = f"CASE WHEN ({mapped}) = 'web_search' THEN 'web_search' WHEN ({mapped}) IS NOT NULL THEN 'token' ELSE coalesce(l.kind, 'other') END"
    kind = (
        f"CASE WHEN {charge_category} = 'tax' THEN 'tax' WHEN {charge_category} = 'credit' THEN 'credit'"
        f" WHEN {charge_category} = 'adjustment' THEN CASE WHEN l.kind = 'rounding' THEN 'rounding' ELSE 'adjustment' END"
        f" WHEN {charge_category} = 'purchase' THEN CASE WHEN l.kind = 'provisioned'"
        f"  OR {text(c('commitment_discount_id'))} IS NOT NULL THEN 'provisioned' ELSE 'fee' END"
        f" ELSE {usage_kind} END"
    )
    is_token = f"({kind}) = 'token'"
    consumed_unit, pricing_unit = text(c("consumed_unit")), text(c("pricing_unit"))
    tokens = (
        f"CASE WHEN lower({consumed_unit}) LIKE '%token%' AND {consumed} IS NOT NULL"
        f" THEN {consumed} * coalesce({block_of_unit(c('consumed_unit'))}, 1)"
        f" WHEN lower({pricing_unit}) LIKE '%token%' AND {pricing} IS NOT NULL"
        f" THEN {pricing} * coalesce({block_of_unit(c('pricing_unit'))}, 1)"
        f" WHEN l.block IS NOT NULL THEN coalesce({pricing}, {consumed}) * l.block"
        f" ELSE {consumed} END"
    )
    price_id_tier = f"lower(regexp_extract({text(c('sku_price_id'))}, '[|:/]([A-Za-z]+)$', 1))"
    values = {
        "period_start": start,
        "period_end": end,
        "provider": provider,
        "account": c.coalesce("sub_account_id", "billing_account_id"),
        "kind": kind,
        "model_raw": f"CASE WHEN {kind} IN ('token', 'web_search', 'credit', 'provisioned') THEN l.model_raw END",
        "category": f"CASE WHEN {kind} IN ('token', 'web_search') THEN coalesce({mapped}, l.category) END",
        "service_tier": (
            f"coalesce(l.service_tier, CASE WHEN {price_id_tier} IN ('batch', 'priority', 'flex', 'provisioned')"
            f" THEN {price_id_tier} END, CASE WHEN {kind} = 'provisioned' THEN 'provisioned' END, 'standard')"
        ),
        "context_tier": "l.context_tier",
        "region": c.coalesce("region_id", "region_name"),
        "quantity": f"CASE WHEN {is_token} THEN {tokens} ELSE coalesce({consumed}, {pricing}) END",
        "unit": (
            f"CASE WHEN {is_token} AND ({tokens}) IS NOT NULL THEN 'tokens'"
            f" WHEN {consumed} IS NOT NULL THEN {consumed_unit} ELSE {pricing_unit} END"
        ),
        "amount": cost,
        "currency": currency_code(c("billing_currency")),
        "description": (
            f"concat_ws(' ', {c.coalesce('charge_description', 'sku_meter')},"
            f" CASE WHEN lower({text(c('charge_class'))}) = 'correction' THEN '(correction)' END)"
        ),
        "label": label,
    }
    return Stage.classified(values, checks, label=label, classify=classify)


LAYOUTS = (
    Layout("focus", "focus", "FinOps FOCUS cost and usage export", "cost", ("csv", "parquet"),
           lambda s: s.format in ("csv", "parquet") and s.has("billedcost", "chargeperiodstart"), stage),
)

ADAPTER = Adapter("focus", (), LAYOUTS)
