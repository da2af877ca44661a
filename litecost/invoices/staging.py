"""Run one layout over one file: load, classify labels, stage lines, validate.

The result is the temp table `staged` (one row per invoice line, see
`layouts.STAGED_COLUMNS`) and `inv_models` (normalised model per raw model text).
Free-text labels and model names are parsed in Python once per *distinct* value and
joined back in SQL; no Python code runs per source row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from litecost.errors import BadInputError
from litecost.invoices.charges import INVOICE_CATEGORIES, KINDS, SERVICE_TIERS
from litecost.invoices.layouts import StageContext
from litecost.invoices.reading import load_source, read_error
from litecost.sql import string_list

if TYPE_CHECKING:
    import duckdb

    from litecost.invoices.detect import InvoiceSource
    from litecost.invoices.models import ModelAliases

_CHUNK = 500


@dataclass
class StagedFile:
    rows_read: int
    notes: list[str] = field(default_factory=list)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], width: int) -> None:
    """Insert a few hundred Python rows set-wise (one statement per chunk)."""
    placeholders = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        con.execute(
            f"INSERT INTO {table} VALUES " + ", ".join([placeholders] * len(chunk)),
            [value for row in chunk for value in row],
        )


def _classify_labels(con: duckdb.DuckDBPyConnection, label: str | None, classify: Callable | None) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE inv_labels (label VARCHAR, kind VARCHAR, category VARCHAR, model_raw VARCHAR,"
        " service_tier VARCHAR, context_tier VARCHAR, block BIGINT, route VARCHAR)"
    )
    if not label or classify is None:
        return
    labels = [r[0] for r in con.execute(f"SELECT DISTINCT {label} FROM inv_src WHERE {label} IS NOT NULL").fetchall()]
    rows = []
    for label in labels:
        charge = classify(label)
        rows.append((label, charge.kind, charge.category, charge.model_raw, charge.service_tier, charge.context_tier,
                     charge.block, charge.route))
    insert_rows(con, "inv_labels", rows, 8)


def _raise_first_problem(con: duckdb.DuckDBPyConnection, src: InvoiceSource) -> None:
    row = con.execute(
        "SELECT ref, problem.col, problem.val, problem.what FROM staged WHERE problem IS NOT NULL"
        " ORDER BY source_row LIMIT 1"
    ).fetchone()
    if row is None:
        return
    ref, column, value, what = row
    if value is None:
        message = f"{src.path}: {ref}, column {column!r} is empty (expected {what})"
    else:
        message = f"{src.path}: {ref}, column {column!r}: {value!r} is not {what}"
    raise BadInputError(message, hint="fix or re-export the file; nothing was stored")


def _check_vocabulary(con: duckdb.DuckDBPyConnection, src: InvoiceSource) -> None:
    """Every line in the vocabulary, with a period; else one clear error (never a stray value)."""
    kinds = string_list(KINDS)
    categories = string_list(INVOICE_CATEGORIES)
    tiers = string_list(SERVICE_TIERS)
    row = con.execute(
        "SELECT ref, CASE"
        " WHEN period_start IS NULL THEN 'has no period start'"
        " WHEN period_end IS NULL THEN 'has no period end'"
        " WHEN period_end < period_start THEN 'ends (' || period_end || ') before it starts (' || period_start || ')'"
        " WHEN amount IS NULL THEN 'has no amount'"
        f" WHEN NOT list_contains({kinds}, kind) THEN 'has kind ' || coalesce(kind, 'null') || ', not one of litecost''s kinds'"
        f" WHEN category IS NOT NULL AND NOT list_contains({categories}, category)"
        "  THEN 'has category ' || category || ', not a litecost token category'"
        f" WHEN NOT list_contains({tiers}, coalesce(service_tier, 'standard'))"
        "  THEN 'has service tier ' || service_tier || ', not one of standard, batch, priority, flex, provisioned'"
        " END AS reason FROM staged WHERE reason IS NOT NULL ORDER BY source_row LIMIT 1"
    ).fetchone()
    if row is not None:
        raise BadInputError(f"{src.path}: {row[0]} {row[1]}", hint="fix the file or the mapping; nothing was stored")


def _normalise_models(con: duckdb.DuckDBPyConnection, aliases: ModelAliases | None) -> None:
    from litecost.invoices.models import normalize_invoice_model

    con.execute("CREATE OR REPLACE TEMP TABLE inv_models (provider VARCHAR, model_raw VARCHAR, model VARCHAR)")
    pairs = con.execute("SELECT DISTINCT provider, model_raw FROM staged WHERE model_raw IS NOT NULL").fetchall()
    rows = [(p, raw, normalize_invoice_model(p, raw, aliases)) for p, raw in pairs]
    insert_rows(con, "inv_models", rows, 3)


def _notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    notes = [f"{n} line(s): {note}" for note, n in con.execute(
        "SELECT note, count(*) FROM staged WHERE note IS NOT NULL GROUP BY note ORDER BY note"
    ).fetchall()]
    unknown = con.execute(
        "SELECT count(*), list(DISTINCT replace(coalesce(label, description), chr(31), ': '))"
        " FILTER (WHERE coalesce(label, description) IS NOT NULL)"
        " FROM staged WHERE kind = 'other'"
    ).fetchone()
    if unknown[0]:
        names = sorted(unknown[1] or [])
        shown = "; ".join(names[:3]) + ("; …" if len(names) > 3 else "")
        notes.append(f"{unknown[0]} line(s) kept as kind 'other' (not recognised): {shown}")
    return notes


def stage_file(
    con: duckdb.DuckDBPyConnection,
    src: InvoiceSource,
    aliases: ModelAliases | None = None,
) -> StagedFile:
    """Fill `staged` and `inv_models` for one detected file; raise on a malformed cell."""
    import duckdb

    columns = load_source(con, src.path, src.fmt)
    stage = src.layout.stage(StageContext(src.path, columns, src.option_dict))
    try:
        _classify_labels(con, stage.label, stage.classify)
        con.execute(f"CREATE OR REPLACE TEMP TABLE staged AS {stage.sql}")
    except (duckdb.ConversionException, duckdb.OutOfRangeException, duckdb.InvalidInputException,
            duckdb.IOException) as exc:
        # The file is streamed here (CSV/Parquet sources are views): read errors surface now.
        raise BadInputError(f"{src.path}: {read_error(exc)}", hint="fix or re-export the file; nothing was stored") from None
    _raise_first_problem(con, src)
    _check_vocabulary(con, src)
    rows_read, missing = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE source_row NOT IN (SELECT source_row FROM staged)) FROM inv_src"
    ).fetchone()
    if missing:  # an adapter bug: a source row produced no line
        raise RuntimeError(f"{src.path}: {missing} source row(s) produced no invoice line ({src.layout.name})")
    _normalise_models(con, aliases)
    return StagedFile(rows_read, [*stage.notes, *_notes(con)])
