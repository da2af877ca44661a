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
