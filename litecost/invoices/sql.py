"""SQL expression builders shared by the invoice adapters.

Adapters describe their layout as SQL over the temp table `inv_src` (see
`reading.py`); these helpers keep the parsing rules in one place: text cells,
decimal money, token quantities, instants in UTC, and the per-row problem check
that turns a malformed cell into a one-line error naming its file, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass

from litecost.sql import MONEY, QUANTITY, instant
from litecost.sql import string_literal as lit


def text(expr: str) -> str:
    """A cell as trimmed text; empty means absent."""
    return f"NULLIF(trim(CAST({expr} AS VARCHAR)), '')"


def money(expr: str) -> str:
    """Decimal money from text, exactly (never through a float). NULL when malformed."""
    return f"TRY_CAST({text(expr)} AS {MONEY})"


def number(expr: str) -> str:
    """A decimal quantity from text; NULL when malformed."""
    return f"TRY_CAST({text(expr)} AS {QUANTITY})"


def day_start(expr: str, *, us_dates: bool = False) -> str:
    """The UTC midnight starting the day a date (or timestamp) falls on."""
    return f"date_trunc('day', {instant(expr, us_dates=us_dates)})"


def block_of_unit(expr: str) -> str:
    """Tokens per quantity unit from a unit text: `1K` → 1000, `1M tokens` → 1000000,
    `1000 Tokens` → 1000, `10K` → 10000, `tokens` → 1. NULL when the text states no
    block size (e.g. `1 Hour`, `Units`)."""
    t = f"lower({text(expr)})"
    return (
        f"(CASE WHEN {t} IS NULL THEN NULL"
        f" WHEN regexp_full_match({t}, '\\s*[0-9][0-9,]*\\s*k(\\s+tokens?)?\\s*')"
        f" THEN TRY_CAST(replace(regexp_extract({t}, '[0-9][0-9,]*'), ',', '') AS BIGINT) * 1000"
        f" WHEN regexp_full_match({t}, '\\s*[0-9][0-9,]*\\s*m(\\s+tokens?)?\\s*')"
        f" THEN TRY_CAST(replace(regexp_extract({t}, '[0-9][0-9,]*'), ',', '') AS BIGINT) * 1000000"
        f" WHEN regexp_full_match({t}, '\\s*[0-9][0-9,]*\\s+tokens?\\s*')"
        f" THEN TRY_CAST(replace(regexp_extract({t}, '[0-9][0-9,]*'), ',', '') AS BIGINT)"
        f" WHEN regexp_full_match({t}, '\\s*tokens?\\s*') THEN 1"
        f" WHEN {t} = '1000_tokens' THEN 1000"
        " END)"
    )


@dataclass(frozen=True)
class Check:
    """One cell that must parse: `raw` (text SQL) is malformed when `parsed` is NULL.

    `required` also refuses an empty cell. `column` is the name shown to the user.
    """

    column: str
    raw: str
    parsed: str
    what: str
    required: bool = False


def problem(checks: list[Check]) -> str:
    """SQL: a struct naming the first failing check of a row, or NULL."""
    if not checks:
        return "CAST(NULL AS STRUCT(col VARCHAR, val VARCHAR, what VARCHAR))"
    branches = []
    for c in checks:
        raw = text(c.raw)
        if c.required:
            branches.append(
                f"WHEN {raw} IS NULL THEN {{'col': {lit(c.column)}, 'val': NULL::VARCHAR, 'what': {lit(c.what)}}}"
            )
        branches.append(
            f"WHEN {raw} IS NOT NULL AND ({c.parsed}) IS NULL"
            f" THEN {{'col': {lit(c.column)}, 'val': left({raw}, 80), 'what': {lit(c.what)}}}"
        )
    return "(CASE " + " ".join(branches) + " END)"


def currency_code(expr: str, default: str = "USD") -> str:
    """An ISO currency code as given, upper-cased (OpenAI writes `usd`); never converted."""
    return f"upper(coalesce({text(expr)}, {lit(default)}))"


def token_columns(items: list[tuple[str, str]]) -> str:
    """SQL: unnest one source row into (category, qty) pairs for wide usage layouts.

    Wide layouts (usage reports) give one column per token category; each becomes its
    own invoice line. `input` and `output` lines are always kept (so every source row
    lands, even an all-zero one); other categories only when non-zero.
    """
    structs = ", ".join(f"{{'cat': {lit(cat)}, 'qty': CAST({qty} AS {QUANTITY})}}" for cat, qty in items)
    return f"unnest([{structs}])"


def keep_token_line(alias: str = "u") -> str:
    return f"({alias}.cat IN ('input', 'output') OR coalesce({alias}.qty, 0) <> 0)"
