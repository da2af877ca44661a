"""AWS Bedrock in the Cost and Usage Report: CUR 2.0 (Data Exports) and legacy CUR.

Reference: provider-billing-formats.md §4. CUR 2.0 (`line_item_usage_type`) and
legacy CUR (`lineItem/UsageType`) have the same column keys once normalised, so one
adapter reads both (CSV or Parquet). One line per row, over the row's usage window
(UTC, end exclusive).

Usage types encode region, model, token type and tier/route:
`USE1-Claude4Sonnet-cache-write-input-token-count-1-hour`,
`USE1-Nova2.0Lite-input-tokens-flex`, `USE1-Claude4Sonnet-input-tokens-cross-region-global`,
legacy Marketplace `USW2-MP:USW2_InputTokenCount-Units` (model from the product name).
Token amounts are in `pricing_unit` blocks (`1K tokens`); when the unit states no
block size, 1K is assumed and noted. Cache writes without `-1-hour` count as
`cache_write_5m`. The route (`cross-region-global`) is price-relevant but not a tier:
it stays in the description.

The amount is `line_item_unblended_cost` for every row type. Discounts arrive as rows
of their own (`EdpDiscount`, `PrivateRateDiscount`, ... → kind `discount`), so summing
all rows gives the net bill; `line_item_net_unblended_cost` would count them twice.
Tax, Credit, Refund and Fee rows keep their own kinds. Rows of other AWS services
are kept too, with provider `aws`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from litecost.invoices.charges import Charge, keyword_kind
from litecost.invoices.layouts import Adapter, Layout, Shape, Stage, StageContext
from litecost.invoices.sql import block_of_unit, currency_code, money, number, text
from litecost.sql import instant

_USAGE_TYPE = re.compile(r"^(?:(?P<region>[A-Z]{2,4}\d?)-)?(?P<rest>.+)$")
_TOKEN_TYPE = re.compile(
    r"(?P<cache_read>cache-?read-?input-?token-?count|cache-?read-?input-?tokens?|cache-?read-?tokens?)"
    r"|(?P<cache_write>cache-?write-?input-?token-?count|cache-?write-?input-?tokens?|cache-?write-?tokens?)"
    r"|(?P<input>input-?token-?count|input-?tokens?)"
    r"|(?P<output>output-?token-?count|output-?tokens?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class UsageType:
    region: str | None
    model: str | None  # as written: "Claude4Sonnet", "NovaPro", "anthropic.claude-opus-4-8-mantle"
    category: str | None
    service_tier: str | None
    route: str | None  # e.g. "cross-region-global"


def parse_usage_type(usage_type: str) -> UsageType | None:
    """A Bedrock token usage type → its parts; None when it names no token type."""
    match = _USAGE_TYPE.match(usage_type.strip())
    if not match:
        return None
    rest = match.group("rest")
    token = _TOKEN_TYPE.search(rest)
    if not token:
        return None
    model = rest[: token.start()].strip("-_: ")
    if model.upper().startswith("MP:") or not model:
        model = None  # legacy Marketplace: the model is in the product name
    suffix = rest[token.end():].lower()
    words = set(re.split(r"[-_ ]+", suffix)) - {""}
    category = next(name for name, value in token.groupdict().items() if value)
    if category == "cache_write":
        category = "cache_write_1h" if ("1-hour" in suffix or "1h" in words or "1hr" in words) else "cache_write_5m"
    tier = next((t for t in ("batch", "flex", "priority") if t in words), None)
    if "provisioned" in words:
        tier = "provisioned"
    route = "cross-region-global" if "cross-region-global" in suffix else ("global" if "global" in words else None)
    return UsageType(match.group("region"), model, category, tier, route)


def model_text(raw: str) -> str:
    """The model part of a usage type, CamelCase split for `family_key` ("Claude4Sonnet" →
    "Claude-4-Sonnet", "Nova2.0Lite" → "Nova-2.0-Lite"); other text as it is."""
    parsed = parse_usage_type(raw)
    if parsed is None or parsed.model is None:
        return raw
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Z])", "-", parsed.model)


def classify_usage_type(usage_type: str) -> Charge:
    parsed = parse_usage_type(usage_type)
    if parsed is not None:
        return Charge("token", parsed.category, usage_type if parsed.model else None, parsed.service_tier,
                      route=parsed.route)
    lowered = usage_type.lower()
    if "provisionedthroughput" in lowered or "modelunit" in lowered or "provisioned" in lowered:
        return Charge("provisioned", service_tier="provisioned")
    if "customization" in lowered or "training" in lowered:
        return Charge("fee")
    if "guardrail" in lowered or "knowledgebase" in lowered or "agent" in lowered:
        return Charge("tool")
    kind = keyword_kind(re.sub(r"[-_]", " ", usage_type)) or "other"
    return Charge(kind, "web_search" if kind == "web_search" else None)


def stage(ctx: StageContext) -> Stage:
    c = ctx.columns
    start, end = instant(c("line_item_usage_start_date")), instant(c("line_item_usage_end_date"))
    cost = money(c("line_item_unblended_cost"))
    qty = number(c("line_item_usage_amount"))
    checks = [
        c.check("line_item_usage_start_date", parsed=start, what="a UTC time", required=True),
        c.check("line_item_usage_end_date", parsed=end, what="a UTC time", required=True),
        c.check("line_item_unblended_cost", parsed=cost, what="a decimal amount", required=True),
        c.check("line_item_usage_amount", parsed=qty, what="a number"),
    ]
    usage_type = text(c("line_item_usage_type"))
    product = text(c("product"))
    product_name = (
        f"coalesce({text(c('product_product_name', 'product_name'))},"
        f" CASE WHEN json_valid({product}) THEN json_extract_string({product}, '$.product_name') END)"
    )
    item_type = f"lower({text(c('line_item_line_item_type'))})"
    kind = (
        f"CASE WHEN {item_type} = 'tax' THEN 'tax' WHEN {item_type} = 'credit' THEN 'credit'"
        f" WHEN {item_type} = 'refund' THEN 'refund'"
        f" WHEN {item_type} LIKE '%discount%' OR {item_type} = 'savingsplannegation' THEN 'discount'"
        f" WHEN {item_type} LIKE '%fee' THEN 'fee' WHEN {item_type} LIKE '%rounding%' THEN 'rounding'"
        " ELSE coalesce(l.kind, 'other') END"
    )
    is_token = f"({kind}) = 'token'"
    stated_block = block_of_unit(c("pricing_unit"))
    # Cheap columns first: CASE evaluates the product-name JSON only for rows still undecided.
    bedrock = (
        f"CASE WHEN lower(concat_ws(' ', {text(c('line_item_product_code'))}, {text(c('product_servicecode'))}))"
        f" LIKE '%bedrock%' THEN true ELSE lower(coalesce({product_name}, '')) LIKE '%bedrock%' END"
    )
    values = {
        "period_start": start,
        "period_end": end,
        "provider": f"CASE WHEN {bedrock} THEN 'bedrock' ELSE 'aws' END",
        "account": c.coalesce("line_item_usage_account_id", "bill_payer_account_id"),
        "kind": kind,
        "model_raw": f"CASE WHEN NOT {is_token} THEN NULL WHEN l.model_raw IS NOT NULL THEN l.model_raw ELSE {product_name} END",
        "category": f"CASE WHEN {kind} IN ('token', 'web_search') THEN l.category END",
        "service_tier": "coalesce(l.service_tier, 'standard')",
        "region": c.coalesce("product_region_code", "product_region", "line_item_availability_zone"),
        "quantity": f"CASE WHEN {is_token} THEN {qty} * coalesce({stated_block}, 1000) ELSE {qty} END",
        "unit": f"CASE WHEN {is_token} THEN 'tokens' ELSE {text(c('pricing_unit'))} END",
        "amount": cost,
        "currency": currency_code(c("line_item_currency_code")),
        "description": f"concat_ws(' — ', {usage_type}, {text(c('line_item_line_item_description'))})",
        "label": usage_type,
        "note": (
            f"CASE WHEN {is_token} AND {stated_block} IS NULL AND {qty} IS NOT NULL"
            " THEN 'Bedrock usage amount taken as 1K-token units (pricing_unit states no block size)' END"
        ),
    }
    return Stage.classified(values, checks, label=usage_type, classify=classify_usage_type)


def _cur(shape: Shape) -> bool:
    return shape.format in ("csv", "parquet") and shape.has("lineitemusagetype", "lineitemunblendedcost")


def _legacy(shape: Shape) -> bool:
    return any("/" in name for name in shape.names)


LAYOUTS = (
    Layout("aws_cur_legacy", "bedrock", "AWS Cost and Usage Report (legacy CUR)", "cost", ("csv", "parquet"),
           lambda s: _cur(s) and _legacy(s), stage),
    Layout("aws_cur2", "bedrock", "AWS CUR 2.0 (Data Exports)", "cost", ("csv", "parquet"),
           lambda s: _cur(s) and not _legacy(s), stage),
)


def _service_provider(service: str) -> str:
    """SQL: Bedrock by its service's name; any other AWS service is `aws`."""
    return f"CASE WHEN lower(coalesce({service}, '')) LIKE '%bedrock%' THEN 'bedrock' ELSE 'aws' END"


def _route(usage_type: str) -> str | None:
    parsed = parse_usage_type(usage_type)
    return parsed.route if parsed else None

ADAPTER = Adapter("bedrock", ("bedrock", "aws"), LAYOUTS, classify=classify_usage_type, model_text=model_text,
                  route=_route, service_provider=_service_provider)
