"""Render one result as text: csv, json, jsonl, markdown (the CLI adds rich tables).

A result is a list of rows (dicts) plus column specs; every format is produced from
the same values so the figures agree byte for byte across formats. Decimals are
never rounded in machine formats (csv/json/jsonl); tables and markdown round money
for display only. This module returns text: the CLI, or a close package, decides
where it goes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from litecost.money import money_text

FORMATS = ("table", "csv", "json", "jsonl", "markdown")


@dataclass(frozen=True)
class Column:
    key: str
    header: str | None = None
    kind: str = "text"  # text | int | money (2 dp in tables) | usd (6 dp in tables) | pct | time | list
    #                     | mixed (text, or whole numbers that tables print with separators)
    # Tables only. `give_way`: 0 = always shown; a narrow terminal drops the highest first.
    # `prose`: long text that wraps instead of widening the table.
    give_way: int = 0
    prose: bool = False

    @property
    def title(self) -> str:
        return self.header or self.key

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "money", "usd", "pct")


_DECIMAL_MARK = "\u0000decimal:"


def _decimal_text(value: Decimal) -> str:
    """Exact, unrounded, without exponent or trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # A marker replaced by the bare number afterwards: JSON numbers, never rounded
        # through float.
        return _DECIMAL_MARK + _decimal_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _dumps(value: Any, **kwargs: Any) -> str:
    text = json.dumps(value, default=_json_default, ensure_ascii=False, **kwargs)
    marker = json.dumps(_DECIMAL_MARK)[1:-1]
    return re.sub('"' + re.escape(marker) + r'(-?[0-9.]+)"', r"\1", text)


# Spreadsheets run cells that start with these as formulas, also after leading spaces.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(text: str) -> str:
    """A CSV text cell a spreadsheet will show as text, not run: a leading `'`."""
    return "'" + text if text.startswith(_FORMULA_START) or text.lstrip(" \n").startswith(_FORMULA_START) else text


def _plain(value: Any, column: Column | None = None, csv_guard: bool = False) -> str:
    """The machine text of a value (csv cells)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    text = str(value)
    if csv_guard and (column is None or not column.numeric):
        return guard_formula(text)
    return text


def _display(value: Any, column: Column) -> str:
    """The human text of a value (tables)."""
    if value is None:
        return ""
    if column.kind in ("money", "usd") and isinstance(value, (Decimal, float, int)):
        return money_text(value, 2 if column.kind == "money" else 6)
    if column.kind == "pct" and isinstance(value, (Decimal, float, int)):
        return money_text(value, 2, "%")
    if column.kind in ("int", "mixed") and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if column.kind == "int" and isinstance(value, Decimal) and value == value.to_integral_value():
        return f"{int(value):,}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def to_json_document(document: dict[str, Any]) -> str:
    return _dumps(document, indent=2) + "\n"


def to_csv(rows: list[dict[str, Any]], columns: list[Column], *, csv_guard: bool = True) -> str:
    """CSV with `\n` line ends. A value holding a bare CR is quoted too: Python's writer
    quotes only the characters of its line terminator, and a spreadsheet splits the row
    at a CR (the writer runs with `\r\n` and each row's terminator becomes `\n`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def write(cells: list[str]) -> None:
        writer.writerow(cells)
        out.seek(out.tell() - 2)
        out.truncate()
        out.write("\n")

    # Headers name dimensions (`tag:NAME`): user text, guarded like any cell.
    write([guard_formula(c.key) if csv_guard else c.key for c in columns])
    for row in rows:
        write([_plain(row.get(c.key), c, csv_guard) for c in columns])
    return out.getvalue()


def to_jsonl(rows: list[dict[str, Any]], columns: list[Column]) -> str:
    return "".join(_dumps({c.key: row.get(c.key) for c in columns}) + "\n" for row in rows)


def _markdown_cell(text: str) -> str:
    """A table cell: a `|` would end it and a line break the table."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def to_markdown(rows: list[dict[str, Any]], columns: list[Column], title: str | None = None) -> str:
    """Markdown is read by people (the close package): figures are rounded as in tables
    (money to cents, per-call USD to 6 decimals); csv and json keep them exact."""
    lines = [f"### {_markdown_cell(title)}", ""] if title else []
    lines.append("| " + " | ".join(_markdown_cell(c.title) for c in columns) + " |")
    lines.append("|" + "|".join("---:" if c.numeric else "---" for c in columns) + "|")
    for row in rows:
        cells = (_display(row.get(c.key), c) if c.numeric else _plain(row.get(c.key), c) for c in columns)
        lines.append("| " + " | ".join(_markdown_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"
