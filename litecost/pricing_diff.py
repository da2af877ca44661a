"""Logged vs re-priced cost: where LiteLLM's `spend` and the price book disagree, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from litecost.periods import Period
from litecost.store import fetch_rows

# LiteLLM logs cost as a float; differences below this are representation noise, not money.
NOISE_USD = "0.000000001"
_DIFFERS = f"(NOT priced OR abs(repriced_cost - logged_cost) > {NOISE_USD})"

DIFF_DIMENSIONS = {"model": "model", "provider": "provider", "price_model": "price_model", "service_tier": "service_tier"}

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
    Reason("litellm_logged_zero_cost", "zero logged cost", "logged_cost = 0 AND repriced_cost > 0",
           "CASE WHEN coalesce(cost_breakdown_total, 0) > 0"
           " THEN 'zero logged cost, but LiteLLM''s cost_breakdown has ' || printf('%.6f', cost_breakdown_total)"
           " ELSE 'zero logged cost' END"),
    Reason("discount_or_margin", "LiteLLM discount or margin applied",
           "logged_cost_original IS NOT NULL AND logged_cost_original <> logged_cost",
           "'LiteLLM discount or margin applied (original cost ' || printf('%.6f', logged_cost_original) || ')'"),
    Reason("litellm_price_map_differs", "price changed",
           "(TRY_CAST(model_map_value->>'input_cost_per_token' AS DOUBLE) IS DISTINCT FROM price_rate_input::DOUBLE"
           " AND model_map_value->>'input_cost_per_token' IS NOT NULL)"
           " OR (TRY_CAST(model_map_value->>'output_cost_per_token' AS DOUBLE) IS DISTINCT FROM price_rate_output::DOUBLE"
           " AND model_map_value->>'output_cost_per_token' IS NOT NULL)",
           "CASE WHEN TRY_CAST(model_map_value->>'input_cost_per_token' AS DOUBLE) IS DISTINCT FROM price_rate_input::DOUBLE"
           " AND model_map_value->>'input_cost_per_token' IS NOT NULL"
           " THEN 'price changed: LiteLLM used input ' || (model_map_value->>'input_cost_per_token')"
           " || '/token, price book has ' || price_rate_input::DOUBLE"
           " ELSE 'price changed: LiteLLM used output ' || (model_map_value->>'output_cost_per_token')"
           " || '/token, price book has ' || price_rate_output::DOUBLE END"),
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
_LABELS = {reason.code: reason.label for reason in (*REASONS, OTHER)}


def _case(value: Callable[[Reason], str]) -> str:
    """SQL: `value` (an SQL expression) of the first reason whose condition holds."""
    arms = " ".join(f"WHEN {reason.when} THEN {value(reason)}" for reason in REASONS)
    return f"CASE {arms} ELSE {value(OTHER)} END"


REASON_SQL = _case(lambda reason: reason.text)
REASON_CODE_SQL = _case(lambda reason: f"'{reason.code}'")  # codes are our constants, never user text


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
    return fetch_rows(
        con,
        "SELECT request_id, start_time, provider, model, price_model, logged_cost, repriced_cost,"
        f" repriced_cost - logged_cost AS delta, {REASON_CODE_SQL} AS reason_code, {REASON_SQL} AS likely_reason"
        f" FROM priced_calls WHERE {where} AND {_DIFFERS}"
        " ORDER BY NOT priced, abs(repriced_cost - logged_cost) DESC, request_id LIMIT ?",
        [*params, limit],
    )


def reason_summary(con, period: Period | None) -> list[dict[str, Any]]:  # noqa: ANN001
    """Calls and dollars per likely reason, largest first."""
    where, params = _window(period)
    rows = fetch_rows(
        con,
        f"SELECT {REASON_CODE_SQL} AS reason_code, count(*) AS calls, sum(repriced_cost - logged_cost) AS delta"
        f" FROM priced_calls WHERE {where} AND {_DIFFERS}"
        " GROUP BY ALL ORDER BY abs(delta) DESC NULLS FIRST, reason_code",
        params,
    )
    return [{"reason_code": row["reason_code"], "likely_reason": _LABELS[row["reason_code"]],
             "calls": row["calls"], "delta": row["delta"]} for row in rows]


def unpriced_models(con) -> list[dict[str, Any]]:  # noqa: ANN001
    return fetch_rows(
        con,
        "SELECT provider, model, model_group, count(*) AS calls, min(start_time) AS first_call,"
        " max(start_time) AS last_call, sum(logged_cost) AS logged_cost"
        " FROM priced_calls WHERE NOT priced AND NOT cache_hit AND usage_logged GROUP BY ALL ORDER BY calls DESC, model",
        [],
    )


def calls_without_usage(con) -> int:  # noqa: ANN001
    """Calls that logged no token counts: no price book can re-price them."""
    return con.execute("SELECT count(*) FROM calls WHERE NOT usage_logged").fetchone()[0]
