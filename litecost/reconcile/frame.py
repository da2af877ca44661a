"""The SQL frame: both sides reduced to aggregates over one half-open UTC window."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from litecost.errors import BadInputError
from litecost.pricing.repricing import GroupPricing
from litecost.reconcile.result import ReconcileSpec
from litecost.store import fetch_rows
from litecost.tokens import COSTED_CATEGORIES

CATEGORY_COSTS = {c.name: (c.column, c.cost_column) for c in COSTED_CATEGORIES}


def in_usd(lines: list[dict[str, Any]], rates: dict[str, Decimal]) -> list[dict[str, Any]]:
    """Invoice amounts in USD: logs are priced in USD, so another currency needs its rate."""
    for line in lines:
        currency = (line["currency"] or "USD").upper()
        if currency == "USD":
            continue
        if currency not in rates:
            raise BadInputError(
                f"invoice lines are in {currency}, but litecost compares in USD",
                hint=f"pass --rate {currency}=RATE (USD per {currency}) for the invoice period",
            )
        line["amount"] = line["amount"] * rates[currency]
        line["currency"] = "USD"
    return lines


def invoice_window(con, file_ids: tuple[int, ...]) -> tuple[datetime, datetime] | None:  # noqa: ANN001
    row = con.execute(
        "SELECT min(period_start), max(period_end) FROM invoice_lines WHERE list_contains($ids, invoice_file_id)",
        {"ids": list(file_ids)},
    ).fetchone()
    return None if row[0] is None else (row[0], row[1])


def invoice_side(con, spec: ReconcileSpec, start: datetime, end: datetime) -> list[dict[str, Any]]:  # noqa: ANN001
    return fetch_rows(
        con,
        "SELECT l.provider, l.model_raw, l.model, l.kind, l.category, l.service_tier,"
        " strftime(timezone($tz, l.period_start), '%Y-%m-%d') AS day,"
        " l.period_end - l.period_start <= INTERVAL 1 DAY AS daily,"
        # Usage-only exports (tokens, no money) have no file total.
        " f.total_amount IS NULL AS usage_only,"
        " sum(l.quantity) AS quantity, sum(l.amount) AS amount, count(*) AS lines, any_value(l.currency) AS currency"
        " FROM invoice_lines l JOIN invoice_files f USING (invoice_file_id)"
        " WHERE list_contains($ids, l.invoice_file_id) AND l.period_start >= $start AND l.period_start < $end"
        " GROUP BY ALL",
        {"ids": list(spec.invoice_file_ids), "tz": spec.tz, "start": start, "end": end},
    )


def log_side_hourly(con, start: datetime, end: datetime, pricing: GroupPricing) -> list[dict[str, Any]]:  # noqa: ANN001
    """Per provider, model (with LiteLLM's evidence of what it is) and UTC hour: tokens and
    re-priced cost per category.

    Tokens are summed per price key first and priced once per group (exact: cost is
    linear in tokens; see `GroupPricing`), which keeps this to one cheap scan of the calls.
    """
    from litecost.pricing.repricing import BASE_COSTS, base_cost
    from litecost.sql import MONEY

    token_columns = sorted({tokens for tokens, _ in CATEGORY_COSTS.values()} | {"reasoning_tokens"})

    def priced(name: str) -> str:
        expr = base_cost(name, "g", "s")
        return (f"CASE WHEN s.price_row IS NULL THEN 0 WHEN s.multiplier = 1 THEN {expr}"
                f" ELSE CAST(({expr}) * s.multiplier AS {MONEY}) END")

    sums = []
    for category, (tokens, _cost) in CATEGORY_COSTS.items():
        sums.append(f"sum({tokens}) AS tokens_{category}")
        sums.append(f"coalesce(sum(cost_{category}), 0) AS cost_{category}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE reconcile_groups AS
        SELECT c.provider, c.model, c.model_map_key AS evidence_model_map_key, c.model_group AS evidence_model_group,
               c.model_resolved AS evidence_model_resolved, date_trunc('hour', c.start_time) AS hour, {", ".join(pricing.keys("c"))},
               count(*) AS calls, sum(c.logged_cost) AS logged_cost,
               {", ".join(f"sum(c.{t}) AS {t}" for t in token_columns)}, {", ".join(pricing.probes("c"))}
        FROM calls c WHERE c.start_time >= $start AND c.start_time < $end AND NOT c.cache_hit
        GROUP BY ALL
        """,
        {"start": start, "end": end, **pricing.params},
    )
    pricing.install(con, "reconcile_groups")
    return fetch_rows(
        con,
        f"""
        WITH costed AS (
            SELECT g.*, CASE WHEN s.price_row IS NULL THEN g.calls ELSE 0 END AS unpriced,
                   {", ".join(f"{priced(name)} AS cost_{name}" for name in BASE_COSTS)}
            FROM reconcile_groups g LEFT JOIN {pricing.table} s ON {pricing.join("g", "s")}
        )
        SELECT provider, model, evidence_model_map_key AS model_map_key, evidence_model_group AS model_group,
               evidence_model_resolved AS model_resolved, hour, sum(calls) AS calls, sum(unpriced) AS unpriced, sum(logged_cost) AS logged_cost,
               {" + ".join(f"coalesce(sum(cost_{name}), 0)" for name in BASE_COSTS)} AS repriced_cost,
               {", ".join(sums)}
        FROM costed GROUP BY ALL
        """,
    )
