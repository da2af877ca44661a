"""SQL text: the one place that quotes, names the stored decimal types, and pairs a
statement with its parameters.

User values never enter SQL text; they travel as parameters of a `Statement`. What
is quoted here is our own text: JSON keys and paths, regular expressions, labels and
generated identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Money: USD (or the bill's currency) to 1e-18, wide enough for any month's total of
# per-token prices. Quantities: tokens, requests or a bill's fractional units.
MONEY = "DECIMAL(38, 18)"
QUANTITY = "DECIMAL(38, 6)"

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def string_literal(value: str | None) -> str:
    """A SQL string literal, or NULL."""
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A quoted SQL identifier (a column or struct member named by data, not by us)."""
    return '"' + name.replace('"', '""') + '"'


def string_list(values) -> str:  # noqa: ANN001 - any iterable of str
    """A SQL list literal of strings: `['a', 'b']`."""
    return "[" + ", ".join(string_literal(v) for v in values) + "]"


@dataclass(frozen=True)
class Statement:
    """SQL text and the values of its `$name` parameters, bound together."""

    sql: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def using(cls, sql: str, pool: Mapping[str, Any]) -> Statement:
        """The statement binding, from `pool`, exactly the parameters `sql` names.

        DuckDB refuses a named parameter the text does not use, so statements built from
        one shared pool take only theirs; a name the pool lacks is our bug, said here."""
        names = set(_PARAMETER.findall(sql))
        missing = names - pool.keys()
        if missing:
            raise KeyError(f"SQL names parameters without values: {', '.join(sorted(missing))}")
        return cls(sql, {name: pool[name] for name in names})

    def execute(self, con):  # noqa: ANN001, ANN201 - a DuckDB connection and its cursor
        return con.execute(self.sql, dict(self.params)) if self.params else con.execute(self.sql)


# A time of day followed by an offset, `Z` or ` UTC`: the text names its own instant.
_TIME_WITH_OFFSET = r"\d{2}:\d{2}(:\d{2}(\.\d*)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?|UTC)$"


def instant(text: str, *, naive_zone: str = "'UTC'", us_dates: bool = False) -> str:
    """SQL: a TIMESTAMPTZ from a cell in any form LiteLLM's logs or providers' bills write an
    instant: Unix seconds or milliseconds; ISO 8601 with an offset, `Z` or ` UTC`; a naive
    date or time, read in `naive_zone` (SQL: a literal, or a parameter such as `$source_tz`);
    more than six fractional digits (Azure writes seven, DuckDB keeps microseconds); and,
    with `us_dates`, Azure's `MM/DD/YYYY`. NULL when the cell is empty or none of these."""
    t = f"trim(CAST({text} AS VARCHAR))"
    micro = f"regexp_replace({t}, '(\\.\\d{{6}})\\d+', '\\1')"
    us = (f" WHEN regexp_full_match({t}, '\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}')"
          f" THEN timezone({naive_zone}, TRY_STRPTIME({t}, '%m/%d/%Y'))" if us_dates else "")
    with_offset = "regexp_replace({}, '\\s*UTC$', '+00:00')"
    return (
        f"CASE WHEN {t} IS NULL OR {t} = '' THEN NULL"
        f" WHEN regexp_full_match({t}, '\\d{{9,11}}(\\.\\d*)?') THEN to_timestamp(TRY_CAST({t} AS DOUBLE))"
        f" WHEN regexp_full_match({t}, '\\d{{12,14}}(\\.\\d*)?') THEN to_timestamp(TRY_CAST({t} AS DOUBLE) / 1000){us}"
        f" WHEN regexp_matches({t}, '{_TIME_WITH_OFFSET}')"
        f" THEN coalesce(TRY_CAST({with_offset.format(t)} AS TIMESTAMPTZ), TRY_CAST({with_offset.format(micro)} AS TIMESTAMPTZ))"
        # A named zone: only TIMESTAMPTZ reads it (TIMESTAMP would drop it).
        f" WHEN regexp_matches({t}, '\\d\\s+[A-Za-z_]+/[A-Za-z_/+-]+$') THEN TRY_CAST({t} AS TIMESTAMPTZ)"
        f" ELSE coalesce(timezone({naive_zone}, TRY_CAST({t} AS TIMESTAMP)), timezone({naive_zone}, TRY_CAST({micro} AS TIMESTAMP)))"
        " END"
    )
