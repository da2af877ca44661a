"""Logged vs re-priced cost: where LiteLLM's `spend` and the price book disagree, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litecost.periods import Period
from litecost.store import fetch_rows

# LiteLLM logs cost as a float; differences below this are representation noise, not money.
NOISE_USD = "0.000000001"
# SQL over `priced_calls`: a call whose re-priced cost is not what LiteLLM logged.
DIFFERS_SQL = f"(NOT priced OR abs(repriced_cost - logged_cost) > {NOISE_USD})"

DIFF_DIMENSIONS = {"model": "model", "provider": "provider", "price_model": "price_model", "service_tier": "service_tier"}

_MAP_INPUT, _MAP_OUTPUT = "model_map_value->>'input_cost_per_token'", "model_map_value->>'output_cost_per_token'"
_MAP_DIFFERS = "({rate} IS NOT NULL AND TRY_CAST({rate} AS DOUBLE) IS DISTINCT FROM {book}::DOUBLE)"


def _per_million(rate: str) -> str:
    """SQL: a per-token USD rate as people read prices, `$0.4/M tokens` (6 significant digits);
    a value that is not a number, as logged."""
    return f"coalesce('$' || printf('%g', TRY_CAST({rate} AS DOUBLE) * 1000000) || '/M tokens', {rate}::VARCHAR)"


@dataclass(frozen=True)
class Reason:
    """One likely reason for a gap between LiteLLM's logged cost and the re-priced cost.

    `code` is stable, for machines; `label` names the reason for a group of calls; `when`
    is the SQL condition over `priced_calls` and `text` the SQL of one call's human reason.
    """

    code: str
    label: str
    when: str
    text: str
    litellm_issue: int | None = None  # the LiteLLM bug this fingerprint is, where it is one


# First matching reason wins; the order puts the most telling causes first. Reasons are
# read by people: money in them is rounded to 6 decimals (a call's cost), never float noise.
REASONS: tuple[Reason, ...] = (
    Reason("no_usage_logged", "no usage logged", "NOT usage_logged",
           "'no usage logged (no token counts): not re-priced'"),
    Reason("unpriced_model", "unpriced model", "NOT priced", "'unpriced model (no price in the price book)'"),
    Reason("cache_hit", "LiteLLM cache hit", "cache_hit", "'LiteLLM cache hit (no provider cost)'"),
    Reason("litellm_cost_calculation_failed", "LiteLLM's cost calculation failed, so it logged $0",
           "logged_cost = 0 AND repriced_cost > 0 AND litellm_cost_failure IS NOT NULL",
           "'LiteLLM''s cost calculation failed, so it logged $0: '"
           " || regexp_replace(litellm_cost_failure, ' *Add it here.*$', '')"),
    # LiteLLM #21023 / #35691: $0 logged for a successful call of a model its map prices
    # (often a deployment with custom prices).
    Reason("litellm_logged_zero_cost", "zero logged cost (LiteLLM #21023)", "logged_cost = 0 AND repriced_cost > 0",
           "CASE WHEN coalesce(cost_breakdown_total, 0) > 0"
           " THEN 'zero logged cost, but LiteLLM''s cost_breakdown has ' || printf('%.6f', cost_breakdown_total)"
           " ELSE 'zero logged cost' END || ' (LiteLLM #21023, #35691)'", 21023),
    Reason("discount_or_margin", "LiteLLM discount or margin applied",
           "logged_cost_original IS NOT NULL AND logged_cost_original <> logged_cost",
           "'LiteLLM discount or margin applied (original cost ' || printf('%.6f', logged_cost_original) || ')'"),
    # LiteLLM #11364 / #11789: Anthropic's cache_read_input_tokens logged beside cached_tokens 0,
    # and the reads billed at the full input rate: exactly what the gap comes to.
    Reason("litellm_cache_read_billed_as_input", "LiteLLM billed cache reads at the input rate (LiteLLM #11789)",
           f"cache_read_tokens > 0 AND price_adjustments IS NULL AND price_rate_cache_read < price_rate_input"
           f" AND abs(logged_cost - repriced_cost - cache_read_tokens * (price_rate_input - price_rate_cache_read))"
           f" <= greatest({NOISE_USD}, logged_cost * 0.000001)",
           "'LiteLLM billed ' || cache_read_tokens || ' cache-read tokens at the full input rate'"
           " || ' (LiteLLM #11364, #11789)'", 11789),
    # LiteLLM #36094: the price LiteLLM used (model_map_value) is not the price book's.
    Reason("litellm_price_map_differs", "LiteLLM's price map differs from the price book (LiteLLM #36094)",
           f"{_MAP_DIFFERS.format(rate=_MAP_INPUT, book='price_rate_input')}"
           f" OR {_MAP_DIFFERS.format(rate=_MAP_OUTPUT, book='price_rate_output')}",
           f"CASE WHEN {_MAP_DIFFERS.format(rate=_MAP_INPUT, book='price_rate_input')}"
           f" THEN 'price changed: LiteLLM used input ' || {_per_million(_MAP_INPUT)}"
           f" || ', price book has ' || {_per_million('price_rate_input')}"
           f" ELSE 'price changed: LiteLLM used output ' || {_per_million(_MAP_OUTPUT)}"
           f" || ', price book has ' || {_per_million('price_rate_output')} END || ' (LiteLLM #36094)'", 36094),
    Reason("long_context_tier", "long-context tier", "tier_threshold > 0",
           "'long-context tier (prompt above ' || tier_threshold || ' tokens)'"),
    Reason("cache_priced_differently", "cache categories priced differently",
           "cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens > 0",
           "'cache categories priced differently'"),
    Reason("service_tier", "service tier priced differently", "service_tier <> 'standard'",
           "service_tier || ' service tier priced differently'"),
    Reason("price_book_adjustment", "price-book adjustment", "price_adjustments IS NOT NULL",
           "'price-book adjustment: ' || price_adjustments"),
)
OTHER = Reason("other", "other", "true", "'other'")
REASON_BY_CODE = {reason.code: reason for reason in (*REASONS, OTHER)}


# Codes are our constants, never user text. The conditions run once per call, for the code;
# a reason's text (and its issue) follows from the code.
REASON_CODE_SQL = (
    "CASE " + " ".join(f"WHEN {reason.when} THEN '{reason.code}'" for reason in REASONS) + f" ELSE '{OTHER.code}' END"
)
_REASON_TEXT_BY_CODE = (
    "CASE reason_code " + " ".join(f"WHEN '{r.code}' THEN {r.text}" for r in REASONS) + f" ELSE {OTHER.text} END"
)


def _window(period: Period | None) -> tuple[str, list[Any]]:
    if period is None:
        return "true", []
    return "start_time >= ? AND start_time < ?", [period.start, period.end]


def diff_by(con, period: Period | None, by: str = "model") -> list[dict[str, Any]]:  # noqa: ANN001
    """Per group: calls, unpriced calls, logged vs re-priced cost. Needs `priced_calls`."""
    column = DIFF_DIMENSIONS[by]
    where, params = _window(period)
    return fetch_rows(
        con,
        f"SELECT coalesce({column}, '(none)') AS {by}, count(*) AS calls,"
        " count(*) FILTER (WHERE NOT priced) AS unpriced_calls,"
        " sum(logged_cost) AS logged_cost, sum(repriced_cost) AS repriced_cost,"
        " sum(repriced_cost) - sum(logged_cost) FILTER (WHERE priced) AS delta,"
        " CASE WHEN sum(logged_cost) FILTER (WHERE priced) > 0 THEN"
        "   round(100 * (sum(repriced_cost) - sum(logged_cost) FILTER (WHERE priced))"
        "         / sum(logged_cost) FILTER (WHERE priced), 4) END AS delta_pct"
        f" FROM priced_calls WHERE {where} GROUP BY ALL ORDER BY abs(delta) DESC NULLS FIRST, {by}",
        params,
    )


def largest_differences(con, period: Period | None, limit: int = 10) -> list[dict[str, Any]]:  # noqa: ANN001
    where, params = _window(period)
    order = "ORDER BY NOT priced, abs(delta) DESC, request_id"
    rows = fetch_rows(
        con,
        "SELECT request_id, start_time, provider, model, price_model, logged_cost, repriced_cost, delta, reason_code,"
        f" {_REASON_TEXT_BY_CODE} AS likely_reason"
        f" FROM (SELECT *, repriced_cost - logged_cost AS delta, {REASON_CODE_SQL} AS reason_code"
        f"       FROM priced_calls WHERE {where} AND {DIFFERS_SQL} {order} LIMIT ?) {order}",
        [*params, limit],
    )
    return [{**row, "litellm_issue": REASON_BY_CODE[row["reason_code"]].litellm_issue} for row in rows]


def reason_summary(con, period: Period | None) -> list[dict[str, Any]]:  # noqa: ANN001
    """Calls and dollars per likely reason, largest first."""
    where, params = _window(period)
    rows = fetch_rows(
        con,
        f"SELECT {REASON_CODE_SQL} AS reason_code, count(*) AS calls, sum(repriced_cost - logged_cost) AS delta"
        f" FROM priced_calls WHERE {where} AND {DIFFERS_SQL}"
        " GROUP BY ALL ORDER BY abs(delta) DESC NULLS FIRST, reason_code",
        params,
    )
    return [{"reason_code": row["reason_code"], "likely_reason": REASON_BY_CODE[row["reason_code"]].label,
             "litellm_issue": REASON_BY_CODE[row["reason_code"]].litellm_issue, "calls": row["calls"], "delta": row["delta"]}
            for row in rows]


def unpriced_models(con, start: datetime | None = None, end: datetime | None = None) -> list[dict[str, Any]]:  # noqa: ANN001
    """Models of `priced_calls` (in [start, end) if given) the book has no price for, most calls first."""
    return fetch_rows(
        con,
        "SELECT provider, model, model_group, count(*) AS calls, min(start_time) AS first_call,"
        " max(start_time) AS last_call, sum(logged_cost) AS logged_cost"
        " FROM priced_calls WHERE NOT priced AND NOT cache_hit AND usage_logged"
        " AND start_time >= coalesce($start, '-infinity'::TIMESTAMPTZ) AND start_time < coalesce($end, 'infinity'::TIMESTAMPTZ)"
        " GROUP BY ALL ORDER BY calls DESC, provider, model, model_group",
        {"start": start, "end": end},
    )


def calls_without_usage(con) -> int:  # noqa: ANN001
    """Calls that logged no token counts: no price book can re-price them."""
    return con.execute("SELECT count(*) FROM calls WHERE NOT usage_logged").fetchone()[0]
