"""Render one result in every output format: table, csv, json, jsonl, markdown.

The text formats are the library's (`litecost.formats`); this module adds the rich table
the terminal shows, fitted to its width.
"""

from __future__ import annotations

from typing import Any

from litecost.formats import (  # noqa: F401 - the CLI's one place to import renderers from
    FORMATS, Column, _display, guard_formula, to_csv, to_json_document, to_jsonl, to_markdown,
)


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
