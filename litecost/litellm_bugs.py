"""Evidence of LiteLLM's own logging bugs over a window, for reconcile to name in its rows.

Two kinds: calls LiteLLM mis-costed (the `litellm_*` reason codes of `pricing diff`), whose
re-priced − logged cost is part of any gap between the bill and LiteLLM's spend; and SpendLogs
rows stored under a placeholder id, the mark of calls LiteLLM dropped from SpendLogs (#39749).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litecost.pricing.repricing import BASE_COSTS
from litecost.sql import MONEY
from litecost.pricing.diff import REASON_BY_CODE, DIFFERS_SQL, REASON_CODE_SQL
from litecost.store import fetch_rows

# LiteLLM ≥ 1.99 keeps only the first SpendLogs row under a placeholder id: the later calls
# the provider returned no id for are missing from SpendLogs (their callbacks have them).
SPENDLOGS_DROPPED_CALLS = "litellm_spendlogs_dropped_calls"
SPENDLOGS_DROPPED_ISSUE = 39749
CACHE_READ_AS_INPUT = "litellm_cache_read_billed_as_input"


def litellm_issue(code: str) -> int | None:
    return SPENDLOGS_DROPPED_ISSUE if code == SPENDLOGS_DROPPED_CALLS else REASON_BY_CODE[code].litellm_issue


def _category_gap(category: str) -> str:
    """SQL: the part of one call's re-priced − logged cost in `category`. The cache-read bug's
    gap is all in cache reads (they were billed at the input rate); a $0 logged cost misses each
    category's whole cost; any other gap is spread over categories as the re-priced cost is."""
    gap = "(repriced_cost - logged_cost)"
    return (
        f"CASE WHEN reason_code = '{CACHE_READ_AS_INPUT}' THEN {gap if category == 'cache_read' else '0'}"
        f" WHEN logged_cost = 0 THEN cost_{category}"
        f" WHEN repriced_cost > 0 THEN CAST({gap} * cost_{category} / repriced_cost AS {MONEY})"
        f" ELSE {gap if category == 'input' else '0'} END"
    )


def miscosted_calls(con, start: datetime, end: datetime) -> list[dict[str, Any]]:  # noqa: ANN001
    """Per provider, model, UTC hour and `litellm_*` reason code: the calls LiteLLM mis-costed
    through one of its own bugs and, per token category, their re-priced − logged cost
    (`gap_<category>`). Cache hits are left out, as reconcile leaves them. Needs `priced_calls`."""
    categories = list(BASE_COSTS)
    return fetch_rows(
        con,
        f"SELECT provider, model, date_trunc('hour', start_time) AS hour, reason_code, count(*) AS calls,"
        f" {', '.join(f'sum({_category_gap(c)}) AS gap_{c}' for c in categories)}"
        f" FROM (SELECT *, {REASON_CODE_SQL} AS reason_code FROM priced_calls"
        f"       WHERE start_time >= $start AND start_time < $end AND NOT cache_hit AND {DIFFERS_SQL})"
        " WHERE starts_with(reason_code, 'litellm_') GROUP BY ALL",
        {"start": start, "end": end},
    )


def spendlogs_placeholder_calls(con, start: datetime, end: datetime) -> list[dict[str, Any]]:  # noqa: ANN001
    """Per provider, model and UTC hour: calls stored from SpendLogs rows LiteLLM logged under a
    placeholder id (cache hits left out)."""
    return fetch_rows(
        con,
        "SELECT provider, model, date_trunc('hour', start_time) AS hour, count(*) AS calls FROM calls"
        " WHERE source_kind = 'spendlogs' AND placeholder_id IS NOT NULL AND NOT cache_hit"
        " AND start_time >= $start AND start_time < $end GROUP BY ALL",
        {"start": start, "end": end},
    )
