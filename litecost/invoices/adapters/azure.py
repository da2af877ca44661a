"""Azure OpenAI / AI Foundry: Cost Management exports (EA, MCA, older EA).

Reference: provider-billing-formats.md §3. Column names and casing differ between
the schemas (`CostInBillingCurrency` / `costInBillingCurrency` / `Cost`); columns are
matched by `reading.column_key`, so any casing works. One line per row, one UTC day
(`Date`, `MM/DD/YYYY` in older EA files; treated as UTC as Microsoft's own FOCUS
conversion does).

Meter names carry model, direction, cache, deployment type and tier in an irregular
shorthand (`gpt 4o mini 0718 cached Inp glbl Tokens`, `GPT 5 Nano Batch Inpt cchd
Dzone 1M Tokens`, `5.4 longco batch cd inp Dz 1M Tokens`); `parse_meter` reads them
token by token. Deployment type (Global / Data Zone / Regional) is price-relevant
but has no column of its own: the description says it ("deployment datazone");
`region` is the resource location.

Quantity rule, decided per row because exports disagree (§3.3): with the block size
B from `UnitOfMeasure` (`1K`, `1M`) or the meter name (default 1000 for token meters),
if `Quantity × EffectivePrice ≈ Cost` the quantity is in blocks (tokens = Quantity ×
B), else if `Quantity × EffectivePrice / B ≈ Cost` it is already tokens; if neither
can be checked the quantity is taken as blocks. Each file's result notes which rule
fired on how many rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from litecost.invoices.charges import Charge, keyword_kind, names_a_model
from litecost.invoices.layouts import Adapter, Layout, Shape, Stage, StageContext
from litecost.invoices.sql import block_of_unit, currency_code, day_start, money, number, text

PROVIDER = "azure"

_IN = {"inp", "inpt", "input", "in", "inpt.", "ipt"}
_OUT = {"outp", "outpt", "opt", "out", "output", "otpt", "outp."}
_CACHED = {"cached", "cchd", "cd", "cache", "cch", "cachd"}
_GEO = {"glbl": "global", "gl": "global", "global": "global", "glb": "global", "regnl": "regional",
        "regional": "regional", "rgnl": "regional", "dz": "datazone", "dzone": "datazone", "datazone": "datazone"}
_LONG = {"longco", "long", "lngco"}
_SHORT = {"shortco", "short", "shrtco"}
_AUDIO = {"aud", "audio"}
_IMAGE = {"img", "image"}
_BLOCKS = {"1k": 1000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
_NOISE = {"tokens", "token", "tkns", "units", "unit"}
_STOP = _IN | _OUT | _CACHED | set(_GEO) | _LONG | _SHORT | _AUDIO | _IMAGE | set(_BLOCKS) | _NOISE | {
    "batch", "pp", "priority", "provisioned", "ptu", "ft", "hosting", "training", "grader"}
_MMDD = re.compile(r"^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")


@dataclass(frozen=True)
class Meter:
    model: str | None  # e.g. "gpt-4o-mini-0718" (MMDD snapshot code kept)
    kind: str
    category: str | None
    service_tier: str | None
    deployment: str | None  # global | datazone | regional
    context_tier: str | None
    block: int | None


def _tokens(meter: str) -> list[str]:
    text_ = meter.lower()
    text_ = re.sub(r"data\s*zone", " datazone ", text_)
    text_ = re.sub(r"[-_/,()]", " ", text_)
    text_ = re.sub(r"([a-z])(\d{4})\b", r"\1 \2", text_)  # "mini0718"
    text_ = re.sub(r"\bbatch(?=[a-z])", "batch ", text_)  # "BatchOutp"
    return text_.split()


def parse_meter(meter: str) -> Meter:
    """An Azure OpenAI meter name → model, direction, cache, tier, deployment type, block size."""
    words = _tokens(meter)
    model_words: list[str] = []
    code = None
    rest_start = len(words)
    for i, word in enumerate(words):
        if _MMDD.match(word):
            code, rest_start = word, i + 1
            break
        if word in _STOP:
            rest_start = i
            break
        model_words.append(word)
    rest = set(words[rest_start:])
    if code is None:
        code = next((w for w in words[rest_start:] if _MMDD.match(w)), None)
    model = None
    if model_words:
        if model_words[0][0].isdigit():  # "5.4 longco ..." is gpt-5.4
            model_words.insert(0, "gpt")
        model = "-".join(model_words) + (f"-{code}" if code else "")
    tier = None
    if "batch" in rest:
        tier = "batch"
    if rest & {"pp", "priority"}:
        tier = "priority"
    deployment = next((_GEO[w] for w in words[rest_start:] if w in _GEO), None)
    context = "long" if rest & _LONG else None
    block = next((_BLOCKS[w] for w in words if w in _BLOCKS), None)
    if rest & {"provisioned", "ptu"} or (not model_words and "provisioned" in words):
        return Meter(model, "provisioned", None, "provisioned", deployment, context, None)
    direction = "input" if rest & _IN else "output" if rest & _OUT else None
    if direction is None and model and "embedding" in model:
        direction = "input"
    if direction and model:
        if rest & _CACHED and direction == "input":
            category = "cache_read"
        elif rest & _AUDIO:
            category = f"audio_{direction}"
        elif rest & _IMAGE and direction == "input":
            category = "image_input"
        else:
            category = direction
        return Meter(model, "token", category, tier, deployment, context, block)
    kind = keyword_kind(meter) or "other"
    return Meter(model, kind, "web_search" if kind == "web_search" else None, tier, deployment, context, block)


def classify_meter(meter: str) -> Charge:
    parsed = parse_meter(meter)
    has_model = parsed.model is not None and (parsed.kind == "token" or names_a_model(parsed.model))
    return Charge(parsed.kind, parsed.category, meter if has_model else None, parsed.service_tier,
                  parsed.context_tier, parsed.block, parsed.deployment)


def stage(ctx: StageContext) -> Stage:
    c = ctx.columns
    date_col = ("date", "usage_date", "usagedatetime")
    cost_col = ("cost_in_billing_currency", "cost", "pretax_cost", "cost_in_usd")
    start = day_start(c(*date_col), us_dates=True)
    qty = number(c("quantity"))
    cost = money(c(*cost_col))
    checks = [
        c.check(*date_col, parsed=start, what="a date (MM/DD/YYYY or YYYY-MM-DD)", required=True),
        c.check(*cost_col, parsed=cost, what="a decimal amount", required=True),
        c.check("quantity", parsed=qty, what="a number"),
    ]
    meter = text(c("meter_name"))
    charge_type = f"lower({text(c('charge_type'))})"
    provisioned_text = f"lower(concat_ws(' ', {meter}, {text(c('product_name', 'product'))}))"
    kind = (
        f"CASE WHEN {charge_type} = 'refund' THEN 'refund'"
        f" WHEN {charge_type} LIKE 'rounding%' THEN 'rounding'"
        f" WHEN {charge_type} = 'tax' THEN 'tax'"
        f" WHEN {charge_type} = 'credit' THEN 'credit'"
        f" WHEN {charge_type} IN ('purchase', 'unusedreservation', 'unusedsavingsplan')"
        f"  THEN CASE WHEN l.kind = 'provisioned' OR {provisioned_text} LIKE '%provisioned%' THEN 'provisioned' ELSE 'fee' END"
        " ELSE coalesce(l.kind, 'other') END"
    )
    # Per-row quantity rule (see the module docstring); a float check, never stored money.
    block = f"coalesce({block_of_unit(c('unit_of_measure'))}, l.block, 1000)"
    q = f"TRY_CAST({text(c('quantity'))} AS DOUBLE)"
    price = f"TRY_CAST(coalesce({text(c('effective_price'))}, {text(c('unit_price'))}) AS DOUBLE)"
    check_cost = f"TRY_CAST(coalesce({text(c('cost_in_pricing_currency'))}, {text(c(*cost_col))}) AS DOUBLE)"
    tol = f"greatest(0.00001, abs({check_cost}) * 0.001)"
    rule = (
        f"CASE WHEN {q} IS NULL OR {price} IS NULL OR {price} = 0 OR {check_cost} IS NULL THEN 'assumed'"
        f" WHEN abs({q} * {price} - {check_cost}) <= {tol} THEN 'blocks'"
        f" WHEN abs({q} * {price} / {block} - {check_cost}) <= {tol} THEN 'tokens'"
        " ELSE 'assumed' END"
    )
    is_token = f"({kind}) = 'token'"
    values = {
        "period_start": start,
        "period_end": f"{start} + INTERVAL 1 DAY",
        "provider": f"'{PROVIDER}'",
        "account": c.coalesce("subscription_id", "subscription_guid", "billing_account_id", "account_name"),
        "kind": kind,
        "model_raw": "l.model_raw",
        "category": f"CASE WHEN {kind} IN ('token', 'web_search') THEN l.category END",
        "service_tier": f"coalesce(l.service_tier, CASE WHEN {kind} = 'provisioned' THEN 'provisioned' ELSE 'standard' END)",
        "context_tier": "l.context_tier",
        "region": c.coalesce("resource_location", "location", "meter_region"),
        "quantity": f"CASE WHEN {is_token} AND {rule} <> 'tokens' THEN {qty} * {block} ELSE {qty} END",
        "unit": f"CASE WHEN {is_token} THEN 'tokens' ELSE {text(c('unit_of_measure'))} END",
        "amount": cost,
        "currency": currency_code(c("billing_currency_code", "billing_currency", "currency")),
        "description": (
            f"concat_ws(' · ', {meter}, 'deployment ' || l.route, {text(c('resource_name'))}, {text(c('publisher_name'))})"
        ),
        "label": meter,
        "note": (
            f"CASE WHEN {is_token} THEN CASE {rule}"
            " WHEN 'blocks' THEN 'Azure Quantity in blocks (Quantity × EffectivePrice = Cost): tokens = Quantity × block size'"
            " WHEN 'tokens' THEN 'Azure Quantity already in tokens (Quantity × EffectivePrice / block size = Cost)'"
            " ELSE 'Azure Quantity assumed in blocks (no price to check against)' END END"
        ),
    }
    return Stage.classified(values, checks, label=meter, classify=classify_meter)


def _azure(shape: Shape) -> bool:
    return shape.format in ("csv", "parquet") and shape.has("metername") and shape.any(
        "costinbillingcurrency", "cost", "pretaxcost", "costinusd")


LAYOUTS = (
    Layout("azure_ea", "azure", "Azure Cost Management export (EA schema)", "cost", ("csv", "parquet"),
           lambda s: _azure(s) and s.has("costinbillingcurrency", "billingcurrencycode"), stage),
    Layout("azure_mca", "azure", "Azure Cost Management export (MCA schema)", "cost", ("csv", "parquet"),
           lambda s: _azure(s) and s.has("costinbillingcurrency") and not s.has("billingcurrencycode"), stage),
    Layout("azure_ea_legacy", "azure", "Azure cost export (older EA schema: Cost, BillingCurrency)", "cost",
           ("csv", "parquet"), lambda s: _azure(s) and not s.has("costinbillingcurrency"), stage),
)

ADAPTER = Adapter("azure", ("azure",), LAYOUTS, classify=classify_meter,
                  model_text=lambda meter: parse_meter(meter).model,  # None: the meter names no model (PTU units)
                  route=lambda meter: parse_meter(meter).deployment)
