"""Load one billing export into the temp table `inv_src`, all in DuckDB.

Every layout becomes the same thing: one row per source record with
`source_row` (1-based), `ref` (how to find the record in the file, for errors),
`rec` (the JSON record, for JSON inputs) and one VARCHAR column per field. A field is
known by `column_key()` of its name — lower-case letters and digits only — and its SQL
column has a generated name (`k1`, `k2`, …; see `Columns`): a file's column names are its
own text and never reach SQL. The key rule makes CSV 2.0 and
legacy CUR headers (`line_item_usage_type`, `lineItem/UsageType`), Azure's EA and
MCA casings (`CostInBillingCurrency`, `costInBillingCurrency`) and flattened or
nested GCP fields (`sku_description`, `sku.description`) the same column.

JSON is flattened one level: `{"amount": {"value": 1.35}}` gives `amount` (the
object as JSON text) and `amountvalue`. API pages (`{"data": [bucket, ...]}`) give
one row per `data[i].results[j]`, with the bucket's scalar fields (`start_time`,
`starting_at`, ...) as columns too; so the OpenAI Costs API page and the dashboard
Cost CSV have the same columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from litecost.errors import BadInputError
from litecost.invoices.sql import Check
from litecost.sql import Statement

if TYPE_CHECKING:
    import duckdb

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def column_key(name: str) -> str:
    """The comparable form of a column name: lower-case letters and digits only."""
    return _NOT_ALNUM.sub("", name.replace("\ufeff", "").lower())


@dataclass
class Columns:
    """The columns of `inv_src`: comparable key → the name shown to users, and key → the
    column's generated SQL name."""

    labels: dict[str, str] = field(default_factory=dict)
    idents: dict[str, str] = field(default_factory=dict)

    def add(self, label: str) -> str | None:
        """Register a file's column; return its generated SQL name (None: a later column
        with the key of an earlier one, which wins)."""
        key = column_key(label)
        if not key or key in self.labels:
            return None
        self.labels[key] = label
        self.idents[key] = f"k{len(self.idents) + 1}"
        return self.idents[key]

    def has(self, *names: str) -> bool:
        return any(column_key(n) in self.labels for n in names)

    def first(self, *names: str) -> str | None:
        for name in names:
            if column_key(name) in self.labels:
                return column_key(name)
        return None

    def __call__(self, *names: str) -> str:
        """SQL for the first present column among `names` (text, NULL when absent)."""
        key = self.first(*names)
        return f"inv_src.{self.idents[key]}" if key else "CAST(NULL AS VARCHAR)"

    def coalesce(self, *names: str) -> str:
        """SQL: the first non-empty value among the present columns."""
        keys = [column_key(n) for n in names if column_key(n) in self.labels]
        if not keys:
            return "CAST(NULL AS VARCHAR)"
        return "coalesce(" + ", ".join(f"NULLIF(trim(inv_src.{self.idents[k]}), '')" for k in keys) + ", NULL)"

    def check(self, *names: str, parsed: str, what: str, required: bool = False) -> Check:
        """The first present of `names` must parse (`parsed`, NULL when it does not) as `what`;
        `required` also refuses an empty cell."""
        return Check(self.label(*names), self(*names), parsed, what, required)

    def label(self, *names: str) -> str:
        """The user-visible name of the first present column (for error messages)."""
        key = self.first(*names)
        return self.labels[key] if key else names[0]


@dataclass(frozen=True)
class FileFormat:
    kind: str  # csv | json | parquet
    compressed: bool = False
    delimiter: str = ","
    page: bool = False  # JSON API pages: rows are data[i].results[j]
    header: tuple[str, ...] = ()  # CSV: the header names, read by detection


def _object_limit(path: Path) -> int:
    return max(16 * 1024 * 1024, path.stat().st_size + 1024 * 1024)


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300]


def load_source(con: duckdb.DuckDBPyConnection, path: Path, fmt: FileFormat) -> Columns:
    """Create `inv_src` for one file; return its columns."""
    import duckdb

    try:
        if fmt.kind == "csv":
            return _load_csv(con, path, fmt)
        if fmt.kind == "parquet":
            return _load_parquet(con, path)
        return _load_json(con, path, fmt)
    except duckdb.Error as exc:
        raise BadInputError(f"{path}: {read_error(exc)}", hint="re-export or repair the file; nothing was stored") from None


def read_error(exc: BaseException) -> str:
    """A DuckDB read error as one short phrase (a CSV error keeps its line number)."""
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    if line:
        found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
        detail = f"expected {found.group(1)} columns, found {found.group(2)}" if found else _first_line(exc).split("Original Line")[0]
        return f"line {line.group(1)}: {detail}"
    if "gzip" in text.lower() or "compressed" in text.lower():
        return "the gzip stream is damaged or cut short"
    return f"cannot be read ({_first_line(exc)})"


def _unique_names(header: tuple[str, ...]) -> list[str]:
    names: list[str] = []
    for i, name in enumerate(header):
        name = name or f"column{i + 1}"
        while name in names:
            name += "_"
        names.append(name)
    return names


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path, fmt: FileFormat) -> Columns:
    # The header read by detection fixes the columns: no dialect sniffing (which fails on
    # short files), and a ragged row is an error naming its line.
    names = _unique_names(fmt.header)
    # The file's column names and its path are its own text, never SQL: columns are read
    # by position under generated names (c1, c2, …), and the path and delimiter reach the
    # view through variables (a view keeps no parameters).
    struct = "{" + ", ".join(f"'c{i + 1}': 'VARCHAR'" for i in range(len(names))) + "}"
    _bind_file(con, path, fmt.delimiter)
    options = f"auto_detect=false, header=true, columns={struct}, quote='\"', escape='\"', delim=getvariable('inv_delim')"
    if fmt.compressed:
        options += ", compression='gzip'"
    reader = f"read_csv(getvariable('inv_path'), {options})"
    columns = Columns()
    selects = []
    for i, name in enumerate(names):
        ident = columns.add(name)
        if ident:
            selects.append(f"c{i + 1} AS {ident}")
    # Line numbers assume one line per record (header on line 1), as `litecost ingest` does.
    # A view, not a copy: staging streams the file once more instead of materialising
    # every column of a multi-GB export.
    _replace_source(con, "VIEW", "SELECT ordinality + 1 AS source_row, 'line ' || (ordinality + 1) AS ref,"
                    " CAST(NULL AS JSON) AS rec" + "".join(", " + s for s in selects) + f" FROM {reader} WITH ORDINALITY")
    return columns


def _bind_file(con: duckdb.DuckDBPyConnection, path: Path, delimiter: str = ",") -> None:
    con.execute("SET VARIABLE inv_path = $path", {"path": str(path)})
    con.execute("SET VARIABLE inv_delim = $delim", {"delim": delimiter})


def _replace_source(con: duckdb.DuckDBPyConnection, kind: str, select: str) -> None:
    """(Re)create `inv_src`: always a view, over the file itself or (JSON) a flattened copy."""
    if kind == "TABLE":
        con.execute(f"CREATE OR REPLACE TEMP TABLE inv_src_rows AS {select}")
        select = "SELECT * FROM inv_src_rows"
    con.execute(f"CREATE OR REPLACE TEMP VIEW inv_src AS {select}")


def _load_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> Columns:
    _bind_file(con, path)
    described = con.execute("DESCRIBE SELECT * FROM read_parquet(getvariable('inv_path'))").fetchall()
    # Columns by position under generated names (c1, c2, …): their names are the file's text.
    generated = ", ".join(f"c{i + 1}" for i in range(len(described)))
    reader = f"read_parquet(getvariable('inv_path')) WITH ORDINALITY AS inv_file({generated}, ordinality)"
    columns = Columns()
    selects = []
    for i, (name, dtype, *_) in enumerate(described):
        ident = columns.add(name)
        if not ident:
            continue
        nested = any(t in dtype.upper() for t in ("STRUCT", "MAP", "[]", "LIST"))
        # Nested values (CUR 2.0 `product` map, tags) as JSON text, like a CSV export writes them.
        value = f"CAST(to_json(c{i + 1}) AS VARCHAR)" if nested else f"CAST(c{i + 1} AS VARCHAR)"
        selects.append(f"{value} AS {ident}")
    _replace_source(con, "VIEW", "SELECT ordinality AS source_row, 'row ' || ordinality AS ref,"
                    " CAST(NULL AS JSON) AS rec" + "".join(", " + s for s in selects) + f" FROM {reader}")
    return columns


def json_rows_sql(path: Path, fmt: FileFormat, *, first_document_only: bool = False) -> list[str]:
    """Statements creating `inv_rows(source_row, ref, bucket, rec)` from a JSON file."""
    compression = ", compression='gzip'" if fmt.compressed else ""
    limit = " LIMIT 1" if first_document_only else ""
    statements = [
        "CREATE OR REPLACE TEMP TABLE inv_docs AS SELECT ordinality AS doc_no, json AS doc"
        f" FROM read_json_objects($path, format='unstructured', maximum_object_size={_object_limit(path)}{compression})"
        f" WITH ORDINALITY{limit}",
        # A top-level array is a list of pages or of records.
        "CREATE OR REPLACE TEMP TABLE inv_values AS"
        " SELECT doc_no, CAST(NULL AS BIGINT) AS elem_no, doc AS v FROM inv_docs WHERE json_type(doc) <> 'ARRAY'"
        " UNION ALL SELECT doc_no, CAST(e.key AS BIGINT), e.value FROM inv_docs, json_each(doc) e"
        " WHERE json_type(doc) = 'ARRAY'",
    ]
    where = "(CASE WHEN (SELECT count(*) FROM inv_docs) > 1 THEN 'document ' || doc_no || ', ' ELSE '' END)"
    elem = "(CASE WHEN elem_no IS NOT NULL THEN '[' || elem_no || ']' ELSE '' END)"
    if fmt.page:
        statements.append(
            "CREATE OR REPLACE TEMP TABLE inv_rows AS SELECT"
            " row_number() OVER (ORDER BY doc_no, elem_no NULLS FIRST, CAST(b.key AS BIGINT), CAST(r.key AS BIGINT)) AS source_row,"
            f" {where} || {elem} || CASE WHEN elem_no IS NOT NULL THEN '.' ELSE '' END"
            " || 'data[' || b.key || '].results[' || r.key || ']' AS ref,"
            " b.value AS bucket, r.value AS rec"
            " FROM inv_values, json_each(v, '$.data') b, json_each(b.value, '$.results') r"
            " WHERE json_type(v) = 'OBJECT' AND json_type(v, '$.data') = 'ARRAY'"
            " AND json_type(b.value) = 'OBJECT' AND json_type(b.value, '$.results') = 'ARRAY'"
        )
    else:
        statements.append(
            "CREATE OR REPLACE TEMP TABLE inv_rows AS SELECT"
            " row_number() OVER (ORDER BY doc_no, elem_no NULLS FIRST) AS source_row,"
            " 'record ' || row_number() OVER (ORDER BY doc_no, elem_no NULLS FIRST) AS ref,"
            " CAST(NULL AS JSON) AS bucket, v AS rec FROM inv_values"
        )
    return statements


def run_statement(con: duckdb.DuckDBPyConnection, statement: str, path: Path) -> None:
    """Execute, binding `$path` where the statement reads the file."""
    Statement.using(statement, {"path": str(path)}).execute(con)


def json_field_paths(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(label, source, JSON path) of every field in `inv_rows`, nested one level."""
    top = con.execute(
        "SELECT k.key, bool_or(json_type(k.value) = 'OBJECT') FROM inv_rows, json_each(rec) k"
        " WHERE json_type(rec) = 'OBJECT' GROUP BY k.key ORDER BY min(inv_rows.source_row), k.key"
    ).fetchall()
    nested = con.execute(
        "SELECT k.key, k2.key FROM inv_rows, json_each(rec) k, json_each(k.value) k2"
        " WHERE json_type(rec) = 'OBJECT' AND json_type(k.value) = 'OBJECT'"
        " GROUP BY k.key, k2.key ORDER BY k.key, k2.key"
    ).fetchall()
    bucket = con.execute(
        "SELECT k.key FROM inv_rows, json_each(bucket) k WHERE json_type(bucket) = 'OBJECT'"
        " AND json_type(k.value) NOT IN ('OBJECT', 'ARRAY') AND k.key NOT IN ('object', 'results')"
        " GROUP BY k.key ORDER BY k.key"
    ).fetchall()
    fields: list[tuple[str, str, str]] = []

    def path(*keys: str) -> str | None:
        if any('"' in k or "\\" in k for k in keys):
            return None
        return "$" + "".join(f'."{k}"' for k in keys)

    for key, _is_object in top:
        fields.append((key, "rec", path(key)))
    for parent, child in nested:
        fields.append((f"{parent}.{child}", "rec", path(parent, child)))
    for key in bucket:
        fields.append((key[0], "bucket", path(key[0])))
    return [f for f in fields if f[2] is not None]


def _load_json(con: duckdb.DuckDBPyConnection, path: Path, fmt: FileFormat) -> Columns:
    for statement in json_rows_sql(path, fmt):
        run_statement(con, statement, path)
    columns = Columns()
    rec_paths: list[tuple[str, str]] = []
    bucket_paths: list[tuple[str, str]] = []
    for label, source, json_path in json_field_paths(con):
        ident = columns.add(label)
        if ident:
            (rec_paths if source == "rec" else bucket_paths).append((ident, json_path))

    def extraction(source: str, paths: list[tuple[str, str]], alias: str) -> str:
        # One parse per record: a list of paths, then index into it. The paths are the
        # file's keys: they reach SQL as a variable's value, never as SQL text.
        variable = f"inv_{alias.strip('_')}_paths"
        con.execute(f"SET VARIABLE {variable} = $paths", {"paths": [p for _, p in paths] or ["$.__none__"]})
        return f"json_extract_string({source}, getvariable('{variable}')) AS {alias}"

    selects = [f"_r[{i + 1}] AS {k}" for i, (k, _) in enumerate(rec_paths)]
    selects += [f"_b[{i + 1}] AS {k}" for i, (k, _) in enumerate(bucket_paths)]
    _replace_source(con, "TABLE", "SELECT source_row, ref, rec" + "".join(", " + s for s in selects)
                    + f" FROM (SELECT source_row, ref, rec, {extraction('rec', rec_paths, '_r')},"
                    f" {extraction('bucket', bucket_paths, '_b')} FROM inv_rows)")
    return columns
