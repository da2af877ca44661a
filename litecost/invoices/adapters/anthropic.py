"""Anthropic: Admin API cost and usage reports (JSON) and the Console CSV exports.

Reference: provider-billing-formats.md §2.
* Cost report: `amount` is a decimal *string in cents* ("123.45" USD = $1.2345, per
  the official docs; divided by 100 here). Token category and model are the
  structured fields (`token_type`, `model`), not the free-text `description`.
  Without `group_by=description` they are null: such a line is `kind='token'` with
  no category (a cost-level figure only). Priority Tier never appears in this report.
* Usage report: one line per token category per result (amount 0).
* Console cost CSV: dollars; `model` is a display name ("Claude Sonnet 4"); there
  is no tier column, so a row whose `cost_usd` is exactly half its `list_price_usd`
  is taken as batch (Anthropic batch = 50% of list) and reported as a note.
* Console usage CSV: like the usage report, per UTC day.
Long context (`200k-1M`, `> 200k`) gives `context_tier='long'`; `inference_geo` other
than `not_available` is kept as the line's region.
"""

from __future__ import annotations

from litecost.invoices.layouts import Adapter, Layout, Shape, Stage, StageContext, staged_select, wide_usage_select
from litecost.invoices.sql import Check, currency_code, day_start, money, number, text
from litecost.sql import instant

PROVIDER = "anthropic"

_TOKEN_TYPES = (
    "CASE lower({t})"
    " WHEN 'uncached_input_tokens' THEN 'input' WHEN 'input_no_cache' THEN 'input' WHEN 'input_tokens' THEN 'input'"
    " WHEN 'output_tokens' THEN 'output' WHEN 'output' THEN 'output'"
    " WHEN 'cache_read_input_tokens' THEN 'cache_read' WHEN 'input_cache_read' THEN 'cache_read'"
    " WHEN 'cache_creation.ephemeral_5m_input_tokens' THEN 'cache_write_5m' WHEN 'input_cache_write_5m' THEN 'cache_write_5m'"
    " WHEN 'cache_creation.ephemeral_1h_input_tokens' THEN 'cache_write_1h' WHEN 'input_cache_write_1h' THEN 'cache_write_1h'"
    # A cache write that does not say its TTL counts as the 5-minute kind.
    " WHEN 'cache_creation_input_tokens' THEN 'cache_write_5m' WHEN 'input_cache_write' THEN 'cache_write_5m'"
    " END"
)
_COST_TYPES = (
    "CASE WHEN lower({t}) IN ('tokens', 'token') THEN 'token' WHEN lower({t}) = 'web_search' THEN 'web_search'"
    " WHEN lower({t}) IN ('code_execution', 'session_usage') THEN 'tool' WHEN {t} IS NULL AND {tt} IS NOT NULL THEN 'token'"
    " ELSE 'other' END"
)


def _tier(expr: str) -> str:
    t = f"lower({text(expr)})"
    return f"CASE WHEN {t} IN ('batch', 'priority', 'flex') THEN {t} ELSE 'standard' END"


def _context(expr: str) -> str:
    t = f"lower({text(expr)})"
    return f"CASE WHEN {t} LIKE '200k%' OR {t} LIKE '>%' OR {t} LIKE '%1m' THEN 'long' END"


def _region(expr: str) -> str:
    t = text(expr)
    return f"CASE WHEN lower({t}) NOT IN ('not_available', 'none', 'null') THEN {t} END"


def stage_cost_report(ctx: StageContext) -> Stage:
    c = ctx.columns
    start, end = instant(c("starting_at")), instant(c("ending_at"))
    cents = money(c("amount"))
    checks = [
        c.check("starting_at", parsed=start, what="an RFC 3339 time", required=True),
        c.check("ending_at", parsed=end, what="an RFC 3339 time", required=True),
        c.check("amount", parsed=cents, what="a decimal amount in cents", required=True),
    ]
    token_type, cost_type = text(c("token_type")), text(c("cost_type"))
    kind = _COST_TYPES.format(t=cost_type, tt=token_type)
    values = {
        "period_start": start,
        "period_end": end,
        "provider": f"'{PROVIDER}'",
        "account": text(c("workspace_id")),
        "kind": kind,
        "model_raw": text(c("model")),
        "category": f"CASE WHEN {kind} = 'web_search' THEN 'web_search' WHEN {kind} = 'token' THEN {_TOKEN_TYPES.format(t=token_type)} END",
        "service_tier": _tier(c("service_tier")),
        "context_tier": _context(c("context_window")),
        "region": _region(c("inference_geo")),
        # Lowest currency unit (cents) → dollars; exact decimal arithmetic.
        "amount": f"{cents} * 0.01",
        "currency": currency_code(c("currency")),
        "description": f"coalesce({text(c('description'))}, {cost_type})",
    }
    return Stage(sql=staged_select(values, checks=checks))


def _usage_items(c, names: dict[str, tuple[str, ...]]) -> tuple[list[tuple[str, str]], list[Check]]:  # noqa: ANN001
    items, checks = [], []
    for category, candidates in names.items():
        present = [n for n in candidates if c.has(n)]
        for n in present:
            checks.append(c.check(n, parsed=number(c(n)), what="a token count"))
        items.append((category, "coalesce(" + ", ".join([number(c(n)) for n in present] + ["0"]) + ")"))
    return items, checks


def _usage_stage(ctx: StageContext, items, checks, start, end, extra: dict[str, str]) -> Stage:  # noqa: ANN001
    values = {
        "provider": f"'{PROVIDER}'",
        "kind": "CASE WHEN u.cat = 'web_search' THEN 'web_search' ELSE 'token' END",
        "unit": "CASE WHEN u.cat = 'web_search' THEN 'requests' ELSE 'tokens' END",
        **extra,
    }
    return Stage(sql=wide_usage_select(values, items, checks, start, end))


def stage_usage_report(ctx: StageContext) -> Stage:
    c = ctx.columns
    start, end = instant(c("starting_at")), instant(c("ending_at"))
    items, checks = _usage_items(c, {
        "input": ("uncached_input_tokens",),
        "cache_write_5m": ("cache_creation.ephemeral_5m_input_tokens", "cache_creation_input_tokens"),
        "cache_write_1h": ("cache_creation.ephemeral_1h_input_tokens",),
        "cache_read": ("cache_read_input_tokens",),
        "output": ("output_tokens",),
        "web_search": ("server_tool_use.web_search_requests",),
    })
    checks = [
        c.check("starting_at", parsed=start, what="an RFC 3339 time", required=True),
        c.check("ending_at", parsed=end, what="an RFC 3339 time", required=True),
        *checks,
    ]
    return _usage_stage(ctx, items, checks, start, end, {
        "account": c.coalesce("workspace_id", "api_key_id", "account_id"),
        "model_raw": text(c("model")),
        "service_tier": _tier(c("service_tier")),
        "context_tier": _context(c("context_window")),
        "region": _region(c("inference_geo")),
        "description": c.coalesce("model"),
    })


def _day(c) -> tuple[str, str, Check]:  # noqa: ANN001
    start = day_start(c("usage_date_utc"))
    return start, f"{start} + INTERVAL 1 DAY", c.check("usage_date_utc", parsed=start, what="a date (YYYY-MM-DD)", required=True)


def stage_console_cost(ctx: StageContext) -> Stage:
    c = ctx.columns
    start, end, day_check = _day(c)
    cost, listed = money(c("cost_usd")), money(c("list_price_usd"))
    checks = [
        day_check,
        c.check("cost_usd", parsed=cost, what="a decimal amount", required=True),
        c.check("list_price_usd", parsed=listed, what="a decimal amount"),
    ]
    token_type, cost_type = text(c("token_type")), text(c("cost_type"))
    kind = _COST_TYPES.format(t=cost_type, tt=token_type)
    usage_type = f"lower({text(c('usage_type'))})"
    half_of_list = f"({cost} <> 0 AND {listed} = {cost} * 2)"
    values = {
        "period_start": start,
        "period_end": end,
        "provider": f"'{PROVIDER}'",
        "account": c.coalesce("workspace"),
        "kind": kind,
        "model_raw": text(c("model")),
        "category": f"CASE WHEN {kind} = 'web_search' THEN 'web_search' WHEN {kind} = 'token' THEN {_TOKEN_TYPES.format(t=token_type)} END",
        "service_tier": (
            f"CASE WHEN {usage_type} LIKE '%batch%' OR {half_of_list} THEN 'batch'"
            f" WHEN {usage_type} LIKE '%priority%' THEN 'priority' ELSE 'standard' END"
        ),
        "context_tier": _context(c("context_window")),
        "region": _region(c("inference_geo")),
        "amount": cost,
        "currency": "'USD'",
        "description": f"concat_ws(' · ', {text(c('model'))}, {token_type}, {text(c('api_key'))})",
        "note": (
            f"CASE WHEN {half_of_list} AND coalesce({usage_type}, '') NOT LIKE '%batch%'"
            " THEN 'service tier batch inferred from cost_usd = list_price_usd / 2' END"
        ),
    }
    return Stage(sql=staged_select(values, checks=checks))


def stage_console_usage(ctx: StageContext) -> Stage:
    c = ctx.columns
    start, end, day_check = _day(c)
    items, checks = _usage_items(c, {
        "input": ("usage_input_tokens_no_cache",),
        "cache_write_5m": ("usage_input_tokens_cache_write_5m", "usage_input_tokens_cache_write"),
        "cache_write_1h": ("usage_input_tokens_cache_write_1h",),
        "cache_read": ("usage_input_tokens_cache_read",),
        "output": ("usage_output_tokens",),
        "web_search": ("web_search_count",),
    })
    usage_type = f"lower({text(c('usage_type'))})"
    return _usage_stage(ctx, items, [day_check, *checks], start, end, {
        "account": c.coalesce("workspace"),
        "model_raw": text(c("model_version", "model")),
        "service_tier": f"CASE WHEN {usage_type} LIKE '%batch%' THEN 'batch' ELSE 'standard' END",
        "context_tier": _context(c("context_window")),
        "region": _region(c("inference_geo")),
        "description": f"concat_ws(' · ', {text(c('model_version', 'model'))}, {text(c('api_key'))})",
    })


def _page(shape: Shape) -> bool:
    return shape.format == "json" and shape.page and "startingat" in shape.bucket_keys


LAYOUTS = (
    Layout("anthropic_cost_report_json", "anthropic", "Anthropic Admin API cost report JSON (amounts in cents)", "cost",
           ("json",), lambda s: _page(s) and s.has("amount") and s.any("costtype", "tokentype", "currency"),
           stage_cost_report),
    Layout("anthropic_usage_report_json", "anthropic", "Anthropic Admin API usage report JSON", "usage", ("json",),
           lambda s: _page(s) and s.any("uncachedinputtokens", "cachereadinputtokens"), stage_usage_report),
    Layout("anthropic_console_cost_csv", "anthropic", "Anthropic Console cost CSV export (dollars)", "cost", ("csv",),
           lambda s: s.format == "csv" and s.has("usagedateutc", "costusd"), stage_console_cost),
    Layout("anthropic_console_usage_csv", "anthropic", "Anthropic Console usage CSV export", "usage", ("csv",),
           lambda s: s.format == "csv" and s.has("usagedateutc") and s.any("usageinputtokensnocache", "usageoutputtokens"),
           stage_console_usage),
)

ADAPTER = Adapter("anthropic", ("anthropic",), LAYOUTS)
