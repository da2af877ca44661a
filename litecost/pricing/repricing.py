"""Re-pricing calls in SQL: the resolved book as rows of rates joined to calls (or to
groups of calls), per category, with cache hits free and adjustments applied."""

from __future__ import annotations

import json
from typing import Any

from litecost.pricing.book import PriceBook
from litecost.pricing.keys import PRICED_CATEGORIES, SERVICE_TIERS
from litecost.pricing.litellm_map import call_names
from litecost.pricing.off_peak import (
    install_windows,
    open_schedules_params_sql,
    open_schedules_sql,
)
from litecost.sql import MONEY
from litecost.tokens import COSTED_CATEGORIES

# -- re-pricing calls in SQL ----------------------------------------------------------

# Per costed category: tokens of a call (alias c) times the rate of its price row (alias s).
# Reasoning tokens are inside output's count and cost, at the reasoning rate.
BASE_COSTS = {
    c.name: f"{{c}}.{c.column} * {{s}}.rate_{c.name}" for c in COSTED_CATEGORIES
} | {
    "output": "({c}.output_tokens - {c}.reasoning_tokens) * {s}.rate_output + {c}.reasoning_tokens * {s}.rate_reasoning",
}


def base_cost(name: str, tokens: str = "c", segment: str = "s") -> str:
    return BASE_COSTS[name].format(c=tokens, s=segment)


def _adjusted(expr: str) -> str:
    """A call's cost: 0 for cache hits; most price rows have no adjustment, so the
    128-bit rescaling multiply is skipped for them."""
    return (
        f"CASE WHEN cache_hit THEN CAST(0 AS {MONEY}) WHEN priced THEN CASE WHEN price_multiplier = 1 THEN {expr}"
        f" ELSE CAST(({expr}) * price_multiplier AS {MONEY}) END END"
    )

MULTIPLIER = "DECIMAL(20, 10)"
_RATE_COLUMNS = tuple(f"rate_{c}" for c in PRICED_CATEGORIES)
COST_COLUMNS = tuple(c.cost_column for c in COSTED_CATEGORIES)


PRICE_IDENTITY = ("provider", "model", "model_map_key", "model_group", "deployment_id", "regional", "off_peak")


def _identity_sql(col: str, calls: str, off_peak_windows: str = "off_peak_windows") -> str:
    """SQL: one element of a call's price identity. `regional` is LiteLLM's rule for Vertex AI:
    a call served from a location other than `global` costs the entry's regional uplift more.
    `off_peak` says which of the book's off-peak schedules (temp table `off_peak_windows`, from
    `install_windows`) were open when LiteLLM billed the call; `GroupPricing` has the same rule
    with parameters instead of the table."""
    if col == "off_peak":
        return open_schedules_sql(calls, off_peak_windows)
    if col == "regional":
        return (f"CASE WHEN {calls}.vertex_location IS NOT NULL AND lower({calls}.vertex_location) <> 'global'"
                f" THEN {calls}.vertex_location ELSE '' END")
    return f"{calls}.{col}"


def _service_tier_sql(calls: str) -> str:
    """The service tier a call is priced at: batch, priority and flex have prices of their own."""
    return (
        f"CASE WHEN {calls}.service_tier IN ('batch', 'priority', 'flex') THEN {calls}.service_tier ELSE 'standard' END"
    )


def install_price_segments(con, book: PriceBook, identities: list[tuple], table: str = "price_segments") -> None:  # noqa: ANN001
    """Temp `table`: one row per (identity, validity segment, service tier, long-context
    tier) with its rates, for the given `PRICE_IDENTITY` tuples (provider, model, price key, group,
    deployment, Vertex location when regional, open off-peak schedules); `price_row` numbers the rows."""
    segments = []
    schedules = {schedule: index for index, schedule in enumerate(book.off_peak_schedules())}
    for identity_id, identity in enumerate(identities):
        provider, model, model_map_key, model_group, deployment_id, regional, off_peak = identity
        names = call_names(model, provider, model_map_key, model_group, deployment_id)
        for segment in book.resolve_segments(names, provider):
            multiplier, adjustments = segment.multiplier, list(segment.adjustments)
            if regional and segment.regional_uplift is not None:
                multiplier *= segment.regional_uplift.value
                adjustments.append(f"Vertex AI regional endpoint ({regional}) x{segment.regional_uplift.value}")
            rates = segment.rates
            if off_peak and segment.off_peak is not None and int(off_peak) >> schedules[segment.off_peak] & 1:
                rates = segment.off_peak_rates
                adjustments.append("off-peak rates (off_peak_pricing window open when LiteLLM billed the call)")
            for svc in SERVICE_TIERS:
                for index, threshold in enumerate(segment.thresholds):
                    upper = segment.thresholds[index + 1] if index + 1 < len(segment.thresholds) else None
                    row = {
                        "identity_id": identity_id, "provider": provider, "model": model,
                        "model_map_key": model_map_key, "model_group": model_group, "deployment_id": deployment_id,
                        "regional": regional, "off_peak": off_peak,
                        "valid_from": segment.valid_from.isoformat() if segment.valid_from else None,
                        "valid_to": segment.valid_to.isoformat() if segment.valid_to else None,
                        "service_tier": svc,
                        "tier_low": threshold if threshold else -1,
                        "tier_high": upper,
                        "price_model": segment.model_key,
                        "multiplier": str(multiplier),
                        "adjustments": "; ".join(adjustments) or None,
                    }
                    for category in PRICED_CATEGORIES:
                        rate = rates.get((svc, threshold, category))
                        row[f"rate_{category}"] = str(rate.value) if rate else None
                    segments.append(row)
    con.execute(f"DROP TABLE IF EXISTS {table}")
    schema = {
        "identity_id": "BIGINT", "provider": "VARCHAR", "model": "VARCHAR", "model_map_key": "VARCHAR",
        "model_group": "VARCHAR", "deployment_id": "VARCHAR", "regional": "VARCHAR", "off_peak": "VARCHAR", "valid_from": "VARCHAR", "valid_to": "VARCHAR", "service_tier": "VARCHAR",
        "tier_low": "BIGINT", "tier_high": "BIGINT", "price_model": "VARCHAR", "multiplier": "VARCHAR",
        "adjustments": "VARCHAR", **{c: "VARCHAR" for c in _RATE_COLUMNS},
    }
    # One JSON parameter instead of one INSERT per row: fast and needs no extra library.
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT row_number() OVER () AS price_row, identity_id, provider, model,"
        " model_map_key, model_group, deployment_id, regional, off_peak,"
        " valid_from::TIMESTAMPTZ AS valid_from, valid_to::TIMESTAMPTZ AS valid_to, service_tier, tier_low, tier_high,"
        f" price_model, multiplier::{MULTIPLIER} AS multiplier, adjustments,"
        + ", ".join(f"coalesce({c}::{MONEY}, 0) AS {c}" for c in _RATE_COLUMNS)
        + " FROM (SELECT unnest(from_json($rows, $schema), recursive := true))",
        {"rows": json.dumps(segments), "schema": json.dumps([schema])},
    )


def _segment_match_sql(segment: str, identity: dict[str, str], service_tier: str, instant: str, prompt_tokens: str) -> str:
    """SQL: `segment` is the price row for a call (or group) with these properties."""
    same = " AND ".join(f"coalesce({segment}.{col}, '') = coalesce({identity[col]}, '')" for col in PRICE_IDENTITY)
    return (
        f"{same} AND {segment}.service_tier = {service_tier}"
        f" AND ({segment}.valid_from IS NULL OR {instant} >= {segment}.valid_from)"
        f" AND ({segment}.valid_to IS NULL OR {instant} < {segment}.valid_to)"
        f" AND {prompt_tokens} > {segment}.tier_low AND ({segment}.tier_high IS NULL OR {prompt_tokens} <= {segment}.tier_high)"
    )


class GroupPricing:
    """Re-price calls after summing them: exact, since cost is linear in tokens, and far
    cheaper than finding a price for each of millions of calls.

    1. `keys(c)` and `probes(c)` go into the caller's GROUP BY over calls `c`. The keys
       keep apart calls that could have different prices — identity, service tier, and
       which of the book's validity periods and long-context tiers they fall in — without
       knowing the prices yet; the probes are one call time and prompt size per group.
    2. `install(con, grouped)` resolves prices for the identities in table `grouped`
       into temp table `table` (its own, so per-call views keep `price_segments`).
    3. `join(g, s)` is the ON condition that gives each group `g` its price row `s`;
       `costed_sql(g, s)` prices the group's sums.
    """

    table = "group_price_segments"

    def __init__(self, con, book: PriceBook) -> None:  # noqa: ANN001
        """Pricing with `book` plus the deployment prices logged in `con`'s calls (the same book
        `install_priced_calls` uses per call)."""
        self.book = book.with_logged_deployment_prices(con)
        self.instants, self.thresholds = self.book.boundaries()
        self.schedules = self.book.off_peak_schedules()
        # Which schedules are open is only worth computing (and splitting groups by) for
        # calls an off-peak entry can price: found once over the store's distinct identities.
        self.off_peak_models = self.book.off_peak_models(con) if self.schedules else []

    @property
    def params(self) -> dict[str, Any]:
        """The values `keys()` refers to: the book's dates and tier thresholds come from
        price files, so they reach SQL as parameters, never as text."""
        return {
            **{f"price_instant_{i}": moment for i, moment in enumerate(self.instants)},
            **{f"price_threshold_{i}": threshold for i, threshold in enumerate(self.thresholds)},
            **self._off_peak_sql("c")[1],
        }

    def _off_peak_sql(self, calls: str) -> tuple[str, dict[str, Any]]:
        if not self.off_peak_models:
            return "''", {}
        mask, params = open_schedules_params_sql(calls, self.schedules, "price_off_peak_")
        return (f"CASE WHEN list_contains($price_off_peak_models, {calls}.model) THEN {mask} ELSE '' END",
                {**params, "price_off_peak_models": self.off_peak_models})

    def keys(self, calls: str = "c") -> list[str]:
        """SELECT items of the group keys; run the query with `params`."""
        period = " + ".join(
            f"({calls}.start_time >= $price_instant_{i})::INT" for i in range(len(self.instants))
        )
        tier = " + ".join(f"({calls}.prompt_tokens > $price_threshold_{i})::INT" for i in range(len(self.thresholds)))
        off_peak = self._off_peak_sql(calls)[0]
        return [
            *(f"{off_peak if col == 'off_peak' else _identity_sql(col, calls)} AS price_{col}"
              for col in PRICE_IDENTITY),
            f"{_service_tier_sql(calls)} AS price_service_tier",
            f"{calls}.usage_logged AS price_usage_logged",
            f"{period or '0'} AS price_period",
            f"{tier or '0'} AS price_tier",
        ]

    def probes(self, calls: str = "c") -> list[str]:
        return [f"min({calls}.start_time) AS price_probe_time", f"min({calls}.prompt_tokens) AS price_probe_tokens"]

    def install(self, con, grouped: str) -> None:  # noqa: ANN001
        identities = con.execute(
            f"SELECT DISTINCT {', '.join(f'price_{col}' for col in PRICE_IDENTITY)} FROM {grouped}"
        ).fetchall()
        install_price_segments(con, self.book, identities, self.table)

    def join(self, grouped: str = "g", segment: str = "s") -> str:
        """Calls that logged no token counts get no price row: unpriced, never $0."""
        return f"{grouped}.price_usage_logged AND " + _segment_match_sql(
            segment,
            {col: f"{grouped}.price_{col}" for col in PRICE_IDENTITY},
            f"{grouped}.price_service_tier",
            f"{grouped}.price_probe_time",
            f"{grouped}.price_probe_tokens",
        )


def install_priced_calls(con, book: PriceBook, calls_table: str = "calls") -> None:  # noqa: ANN001
    """Create temp views `call_prices` (every call with its `price_row`) and
    `priced_calls`: every call with its re-priced cost per category. For per-call views
    (pricing diff and check); aggregates use `GroupPricing`.

    Columns added to `calls`: `priced` (a price was found), `price_model` (the price-book
    name used), `tier_threshold`, `cost_<category>`, `repriced_cost` (NULL when unpriced;
    0 for LiteLLM cache hits, which never reached the provider), `price_adjustments`.
    """
    book = book.with_logged_deployment_prices(con, calls_table)
    install_windows(con, book.off_peak_schedules(), "off_peak_windows")
    identity = {col: _identity_sql(col, "c") for col in PRICE_IDENTITY}
    identities = con.execute(f"SELECT DISTINCT {', '.join(identity.values())} FROM {calls_table} c").fetchall()
    install_price_segments(con, book, identities)
    # Which price applies to each call: a hash join on the call's identity, then the
    # validity window, service tier and long-context tier.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW call_prices AS
        SELECT c.*, s.price_row
        FROM {calls_table} c
        LEFT JOIN price_segments s
          ON c.usage_logged AND {_segment_match_sql("s", identity, _service_tier_sql("c"), "c.start_time", "c.prompt_tokens")}
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW priced_calls AS
        WITH joined AS (
            SELECT c.* EXCLUDE (price_row),
                   s.price_row IS NOT NULL AS priced,
                   s.price_model,
                   greatest(s.tier_low, 0) AS tier_threshold,
                   s.adjustments AS price_adjustments,
                   s.rate_input AS price_rate_input,
                   s.rate_output AS price_rate_output,
                   s.rate_cache_read AS price_rate_cache_read,
                   s.multiplier AS price_multiplier,
                   {", ".join(f"{base_cost(name)} AS base_{name}" for name in BASE_COSTS)}
            FROM call_prices c LEFT JOIN price_segments s USING (price_row)
        )
        SELECT * EXCLUDE ({", ".join(f"base_{name}" for name in BASE_COSTS)}, price_multiplier),
               {", ".join(f"{_adjusted(f'base_{name}')} AS cost_{name}" for name in BASE_COSTS)},
               {_adjusted(" + ".join(f"base_{name}" for name in BASE_COSTS))} AS repriced_cost
        FROM joined
        """
    )


def category_cost_sql(name: str, tokens: str = "g", segment: str = "s") -> str:
    """SQL: the re-priced cost of one category (`BASE_COSTS` name) of already-summed tokens
    (alias `tokens`, with its `cache_hit`) at one price row (alias `segment`): 0 for LiteLLM
    cache hits and for tokens no price row priced (the unpriced are counted apart)."""
    expr = base_cost(name, tokens, segment)
    return (f"CASE WHEN {tokens}.cache_hit OR {segment}.price_row IS NULL THEN CAST(0 AS {MONEY})"
            f" WHEN {segment}.multiplier = 1 THEN {expr} ELSE CAST(({expr}) * {segment}.multiplier AS {MONEY}) END")


def costed_sql(tokens: str = "g", segment: str = "s") -> str:
    """SQL: the re-priced cost of already-summed tokens (alias `tokens`) at one price row
    (alias `segment`); NULL when unpriced, 0 for LiteLLM cache hits. Pricing after summing
    is exact (costs are linear in tokens) and far cheaper than pricing each call."""
    expr = " + ".join(base_cost(name, tokens, segment) for name in BASE_COSTS)
    return (
        f"CASE WHEN {tokens}.cache_hit THEN CAST(0 AS {MONEY}) WHEN {segment}.price_row IS NOT NULL THEN"
        f" CASE WHEN {segment}.multiplier = 1 THEN {expr} ELSE CAST(({expr}) * {segment}.multiplier AS {MONEY}) END END"
    )


