"""One detected log file → the query of its `pre_calls` rows, by whichever reader its kind needs."""

from __future__ import annotations

from litecost.sources.callbacks import callbacks_pre_calls_sql
from litecost.sources.detect import SourceFile
from litecost.sources.readers import REJECTS_TABLE
from litecost.sources.spendlogs import spendlogs_pre_calls_sql
from litecost.sql import Statement


def numbered_after_staging(src: SourceFile) -> int | None:
    """For files read straight into staging, the file line of their first row (after a
    CSV's header): `numbered_rows_sql` numbers the staged rows. None: rows come numbered."""
    if src.kind == "spendlogs" and src.format == "csv":
        return 2
    return None


def typed_read_applies(src: SourceFile) -> bool:
    """Whether `load_pre_calls(typed=True)` can read this file (see callbacks_pre_calls_sql)."""
    return src.kind == "callbacks" and src.format == "jsonl"


def load_pre_calls(con, src: SourceFile, keep_payloads: bool = False, typed: bool = False) -> str:  # noqa: ANN001 - a duckdb connection
    """Prepare `src` (reading it into temp tables where the general readers need a copy)
    and return the subquery of its `pre_calls` rows, to be run with the parameter `$path`
    where it names it: the file is read by the query that stages its rows, and its name
    is a parameter, never SQL text. With `typed`, rows are unnumbered (`src_line` NULL).
    Lines the reader rejects go to `lc_read_rejects`."""
    typed = typed and typed_read_applies(src)
    if src.kind == "spendlogs":
        *statements, select = spendlogs_pre_calls_sql(src, keep_payloads)
    else:
        *statements, select = callbacks_pre_calls_sql(src, keep_payloads, typed=typed)
    params = {"path": src.read_path}
    any_rejects = None
    for statement in statements:
        if callable(statement):  # an AfterRejects: its SQL depends on whether any line was rejected
            if any_rejects is None:
                any_rejects = con.execute(f"SELECT count(*) > 0 FROM {REJECTS_TABLE}").fetchone()[0]
            statement = statement(any_rejects)
        Statement.using(statement, params).execute(con)
    return "(" + select + ")"
