"""Render one result in every output format: table, csv, json, jsonl, markdown.

A result is a list of rows (dicts) plus column specs; every format is produced from
the same values so the figures agree byte for byte across formats. Decimals are
never rounded in machine formats (csv/json/jsonl); tables and markdown round money
for display only. This module returns text: the CLI decides where it goes.
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


def to_rich_table(rows: list[dict[str, Any]], columns: list[Column], title: str | None = None) -> FittedTable:
    return FittedTable([[_display(row.get(c.key), c) for c in columns] for row in rows], columns, title)


class FittedTable:
    """A rich table laid out for the width it is drawn at. Values are never cut short:
    columns give way whole (highest `give_way` first) until the rest fits, a header wraps
    between its words, prose wraps; only if the kept columns still cannot fit do their
    values fold onto more lines (whole, never with `…`). Below COMPACT_BELOW columns the
    table drops its borders for a one-space gap, as ccusage does on narrow terminals."""

    COMPACT_BELOW = 100

    def __init__(self, cells: list[list[str]], columns: list[Column], title: str | None) -> None:
        self.cells, self.columns, self.title = cells, columns, title

    def _natural(self, index: int) -> int:
        """The width a column needs: its longest value, or its header's longest word."""
        from rich.cells import cell_len

        column = self.columns[index]
        header = max((cell_len(word) for word in column.title.split()), default=0)
        values = [cell_len(row[index]) for row in self.cells]
        if column.prose:  # budgeted at a readable minimum; it takes whatever room is left
            longest_word = max((cell_len(word) for row in self.cells for word in row[index].split()), default=0)
            return max(header, min(longest_word, 24), 12)
        return max([header, *values])

    def layout(self, width: int) -> tuple[dict[int, int], bool]:
        """The columns to show at `width` with their widths, and whether they fit."""
        from rich.cells import cell_len

        shown = list(range(len(self.columns)))
        widths = {i: self._natural(i) for i in shown}
        # Boxed: a border and a space either side of each column; compact: one space between.
        per_column, fixed = (1, -1) if width < self.COMPACT_BELOW else (3, 1)

        def needed() -> int:
            return sum(widths[i] for i in shown) + per_column * len(shown) + fixed

        for index in sorted(shown, key=lambda i: (-self.columns[i].give_way, -i)):
            if needed() <= width or not self.columns[index].give_way:
                break
            shown.remove(index)
        fits = needed() <= width
        for index in shown:  # room to spare: headers on one line, left to right
            header = cell_len(self.columns[index].title)
            if fits and not self.columns[index].prose and needed() + header - widths[index] <= width:
                widths[index] = max(widths[index], header)
        prose = [i for i in shown if self.columns[i].prose]
        for index in prose:  # then prose takes what is left, up to its longest value
            longest = max((cell_len(row[index]) for row in self.cells), default=0)
            if fits:
                widths[index] = min(max(longest, widths[index]), widths[index] + (width - needed()))
        return {i: widths[i] for i in shown}, fits

    def __rich_console__(self, console, options):  # noqa: ANN001, ANN204
        from rich import box
        from rich.table import Table
        from rich.text import Text

        # Values are data, never rich markup: `[/bold]` in a tag is shown, not parsed.
        width = options.max_width
        shown, fits = self.layout(width)
        title = Text(self.title) if self.title else None
        if width < self.COMPACT_BELOW:
            table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                          pad_edge=False, padding=0)
        else:
            table = Table(title=title, title_justify="left", show_lines=False)
        for index in shown:
            column = self.columns[index]
            table.add_column(
                Text(column.title),
                justify="right" if column.numeric else "left",
                # Held at the width of its longest value when everything fits (a longer
                # header wraps between words); else rich folds values whole.
                min_width=shown[index] if fits else None,
                max_width=shown[index] if fits else None,
                overflow="fold",
            )
        for row in self.cells:
            table.add_row(*(Text(row[i]) for i in shown))
        yield table


class Bullets:
    """A titled list of sentences, each wrapped to the width it is drawn at with a hanging
    indent (reconcile's explanations, under its table)."""

    def __init__(self, title: str, items: list[str]) -> None:
        self.title, self.items = title, items

    def __rich_console__(self, console, options):  # noqa: ANN001, ANN204
        import textwrap

        from rich.text import Text

        lines = [self.title]
        for item in self.items:
            lines += textwrap.wrap(item, width=max(options.max_width, 20), initial_indent="- ",
                                   subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
        yield Text("\n".join(lines))


def render_rows(
    fmt: str,
    rows: list[dict[str, Any]],
    columns: list[Column],
    *,
    document: dict[str, Any] | None = None,
    rows_key: str = "rows",
    title: str | None = None,
    csv_guard: bool = True,
):  # noqa: ANN201 - str, or a rich renderable for "table"
    """Render rows; for json, `document` holds the keys around the rows."""
    if fmt == "csv":
        return to_csv(rows, columns, csv_guard=csv_guard)
    if fmt == "jsonl":
        return to_jsonl(rows, columns)
    if fmt == "json":
        body = dict(document or {"schema_version": 1})
        body[rows_key] = [{c.key: row.get(c.key) for c in columns} for row in rows]
        return to_json_document(body)
    if fmt == "markdown":
        return to_markdown(rows, columns, title)
    if fmt == "table":
        return to_rich_table(rows, columns, title)
    raise ValueError(fmt)
