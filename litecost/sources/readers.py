"""Readers: what every reader of a log file shares, all in DuckDB SQL.

A reader (`spendlogs.py`, `callbacks.py`) gives the statements that prepare one detected
file and the query of its `pre_calls` rows, one per input record: the source line, the
raw fields as text, the JSON usage objects, and a parse error when the record could not
be read at all. `canonical.py` then validates and converts these into `calls` rows.
Nothing here loops over records in Python.

Line numbers: DuckDB's CSV reader numbers the rows it *returns*; rows it rejects
(bad encoding, wrong column count) are recorded in a rejects table with their real
line. `line_shift_sql` shifts the returned numbers past those rejected lines, so every
reject and every stored call points at the right line of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from litecost.files import json_document_limit
from litecost.memory import MEMORY_ENV, memory_settings
from litecost.sources.detect import SourceFile
from litecost.sql import identifier, string_literal

REJECTS_TABLE = "lc_read_rejects"
REJECTS_SCAN = "lc_read_scans"
# A statement whose SQL depends on whether the reader rejected any line (see `line_shift_sql`).
AfterRejects = Callable[[bool], str]

# Scratch tables are TEMP, like the ones DuckDB's CSV reader makes for its rejects:
# nothing of a reader's work may land in the database file.
EMPTY_REJECTS_TABLE = f"CREATE TEMP TABLE {REJECTS_TABLE} (line BIGINT, error_type VARCHAR, error_message VARCHAR, csv_line VARCHAR)"
# The reason the typed read gives a record it cannot handle; never stored (see ingest).
TYPED_READ_UNSUITABLE = "needs the record text (typed read)"


def reset_rejects_sql() -> list[str]:
    return [f"DROP TABLE IF EXISTS temp.{REJECTS_TABLE}", f"DROP TABLE IF EXISTS temp.{REJECTS_SCAN}"]


def compression(src: SourceFile) -> str:
    """Named, not left to DuckDB: it guesses from the file name, and detection goes by the
    bytes (a gzip file need not end in .gz)."""
    return f"compression='{'gzip' if src.compressed else 'none'}'"


def csv_options(header: bool, src: SourceFile) -> str:
    # A quoted CSV is read in strict mode: DuckDB 2.0's non-strict parallel reader can lose
    # a record that starts just after one of its 32 MiB split points (no reject, no error;
    # 3 of 1M payload-bearing SpendLogs rows, tests/test_large_csv.py).
    strict = "true" if header else "false"
    memory = memory_settings()  # the readers' buffers come out of the memory limit
    common = (
        f"{compression(src)}, strict_mode={strict}, ignore_errors=true, store_rejects=true, "
        f"rejects_scan='{REJECTS_SCAN}', rejects_table='{REJECTS_TABLE}', "
        f"max_line_size={memory.max_record_bytes}, buffer_size={memory.read_buffer_bytes}"
    )
    if header:
        return f"header=true, all_varchar=true, delim=',', quote='\"', escape='\"', {common}"
    return (
        "columns={'raw': 'VARCHAR'}, header=false, delim='\\x01', quote='', escape='', "
        f"auto_detect=false, {common}"
    )


def line_shift_sql(first_line: int, any_rejects: bool) -> str:
    """SQL: the file line of a returned row, given DuckDB's output ordinality `o`.

    A returned row o lies after every rejected line r_i (i-th, 1-based) whose number of
    returned rows before it, r_i - first_line - (i - 1), is below o. Usually no line was
    rejected, and then the line is a plain offset; a statement that needs this is an
    `AfterRejects`, built once the reader's rejects are known."""
    if not any_rejects:
        return f"(o + {first_line - 1})"
    return (
        f"(o + {first_line - 1} + (SELECT count(*) FROM (SELECT line, row_number() OVER (ORDER BY line) AS i"
        f" FROM (SELECT DISTINCT line FROM {REJECTS_TABLE})) r WHERE r.line - {first_line} - (r.i - 1) < o))"
    )


# What a reject's excerpt may show: identities, time, model, status, counts and cost;
# never a prompt, a response or any field whose meaning litecost does not know.
_EXCERPT_KEYS = (
    "id", "request_id", "litellm_call_id", "call_type", "status", "custom_llm_provider", "model",
    "startTime", "prompt_tokens", "completion_tokens", "response_cost", "spend",
)
_EXCERPT_VALUE = r'(?:"[^"\\]{0,80}"|-?[0-9][0-9.eE+-]{0,30}|true|false|null)'
_EXCERPT_PAIR = r'"(?:' + "|".join(_EXCERPT_KEYS) + r')"\s*:\s*' + _EXCERPT_VALUE


def _text_excerpt(text: str) -> str:
    """SQL: an excerpt of JSON-like text that is not valid JSON: only its `key: value`
    pairs of excerpt keys with short scalar values, found by pattern."""
    return f"array_to_string(regexp_extract_all({text}, {string_literal(_EXCERPT_PAIR)}), ', ')"


def _csv_excerpt(line: str) -> str:
    """SQL: an excerpt of a CSV line the reader rejected: its leading plain fields, up to
    the first quoted field, object or list (where metadata, messages and responses are)."""
    return f"left(regexp_extract({line}, '^[^\"{{\\[]*'), 120)"


def read_rejects_sql(src: SourceFile) -> str:
    """Lines DuckDB itself could not read (encoding, column count), one row per line."""
    expected = "regexp_extract(error_message, 'Expected Number of Columns: (\\d+)', 1)"
    found = "regexp_extract(error_message, 'Found: (\\d+)', 1)"
    memory = memory_settings()
    too_long = (
        f"longer than {memory.max_record_bytes // (1024 * 1024)} MiB, the longest record litecost reads"
        f" within the memory limit of {memory.describe()}; raise {MEMORY_ENV} to read it"
    )
    reason = (
        "CASE error_type"
        " WHEN 'INVALID ENCODING' THEN 'not valid UTF-8; re-export the file as UTF-8'"
        f" WHEN 'LINE SIZE OVER MAXIMUM' THEN {string_literal(too_long)}"
        f" WHEN 'MISSING COLUMNS' THEN 'too few columns: expected ' || {expected} || ', found ' || {found}"
        f" WHEN 'TOO MANY COLUMNS' THEN 'too many columns: expected ' || {expected} || ', found ' || {found}"
        " ELSE lower(error_type) || ': ' || error_message END"
    )
    excerpt = _csv_excerpt("csv_line") if src.format == "csv" else _text_excerpt("csv_line")
    return (
        f"SELECT line, arg_min({reason}, error_type) AS reason,"
        f" any_value({excerpt}) AS excerpt FROM {REJECTS_TABLE} GROUP BY line"
    )


def _object_limit(src: SourceFile) -> int:
    """DuckDB's JSON reader reserves buffers of this size: the file itself bounds it."""
    return json_document_limit(src.path, src.compressed)


def _copy_text_undone(line: str) -> str:
    r"""SQL: a JSON line as written, or — when it is not valid JSON but is once every doubled
    backslash is made single — that repaired line. PostgreSQL's `COPY ... TO STDOUT` (text
    format) doubles each backslash of `row_to_json` output, which breaks every escaped quote
    (a failed call's traceback). Only lines holding a doubled backslash pay the checks."""
    single = f"replace({line}, '\\\\', '\\')"
    return (
        f"CASE WHEN contains({line}, '\\\\') AND NOT json_valid({line}) AND json_valid({single})"
        f" THEN {single} ELSE {line} END"
    )


def json_records_sql(src: SourceFile) -> list[str | AfterRejects]:
    """Statements that fill temp table `records(src_line, rec JSON, raw, parse_error)`."""
    statements = reset_rejects_sql()
    if src.format == "jsonl":
        # No WITH ORDINALITY (it makes DuckDB read on one thread): lines keep the file's
        # order, so a line's place in the table is its number.
        statements.append(f"CREATE OR REPLACE TEMP TABLE lines AS SELECT raw FROM read_csv($path, {csv_options(header=False, src=src)})")
        # A view, not a copy: each record is parsed once, by the extraction that needs it.
        statements.append(lambda any_rejects: (
            "CREATE OR REPLACE TEMP VIEW records AS"
            f" SELECT {line_shift_sql(1, any_rejects)} AS src_line, raw, {_copy_text_undone('raw')} AS rec"
            " FROM (SELECT CASE WHEN o = 1 THEN ltrim(raw, chr(65279)) ELSE raw END AS raw, o"
            " FROM (SELECT raw, rowid - (SELECT min(rowid) FROM lines) + 1 AS o FROM lines))"
            " WHERE raw IS NOT NULL AND (starts_with(raw, '{') OR trim(raw, ' \t\r') <> '')"
        ))
    elif src.format in ("json_array", "json_objects"):
        # A list of records, or pretty-printed objects (a payload saved with an indent) one
        # after another: each object a record, numbered in order (its lines are not records).
        layout = "array" if src.format == "json_array" else "unstructured"
        statements.append(EMPTY_REJECTS_TABLE)
        statements.append(
            "CREATE OR REPLACE TEMP TABLE json_records AS SELECT ordinality AS src_line, json::VARCHAR AS raw, json AS rec"
            f" FROM read_json_objects($path, format='{layout}', maximum_object_size={_object_limit(src)}, {compression(src)})"
            " WITH ORDINALITY"
        )
        statements.append("CREATE OR REPLACE TEMP VIEW records AS SELECT * FROM json_records")
    elif src.format == "json_page":
        statements.append(EMPTY_REJECTS_TABLE)
        # Rows are numbered across pages: a live read of the spend API (`spend_api.py`) writes
        # its pages one after another into one file. Not `json_each` in a lateral join: it
        # copies the whole page for each of its rows (1,000 rows of a 2.7 MB page: 2.7 GB).
        statements.append(
            "CREATE OR REPLACE TEMP TABLE json_records AS SELECT row_number() OVER (ORDER BY page_no, idx) AS src_line,"
            " rec::VARCHAR AS raw, rec FROM (SELECT page_no, unnest(recs) AS rec, generate_subscripts(recs, 1) AS idx"
            " FROM (SELECT ordinality AS page_no, json_extract(json, '$.data[*]') AS recs"
            f" FROM read_json_objects($path, format='unstructured', maximum_object_size={_object_limit(src)}, {compression(src)})"
            " WITH ORDINALITY))"
        )
        statements.append("CREATE OR REPLACE TEMP VIEW records AS SELECT * FROM json_records")
    else:  # pragma: no cover - guarded by the caller
        raise ValueError(src.format)
    return statements


def json_value_text(expr: str) -> str:
    """SQL: the text `expr` trimmed (of the spaces DuckDB's `trim` removes: Unicode's, not
    tabs or newlines), NULL when nothing is left. Only a value that starts or ends with a
    space, or holds a non-ASCII character (which may be a space such as U+00A0), is trimmed:
    trimming copied every one of a call's thirty-odd texts, 0.37 CPU-s per 200k lines."""
    return (f"CASE WHEN starts_with({expr}, ' ') OR ends_with({expr}, ' ') OR strlen({expr}) <> length({expr})"
            f" THEN NULLIF(trim({expr}), '') ELSE NULLIF({expr}, '') END")


def json_document(expr: str) -> str:
    """`json_value_text` for a JSON document of kilobytes: one that starts with `{` is kept as it is
    (trimming copied every metadata text: a third of a SpendLogs CSV's staging time)."""
    return f"CASE WHEN starts_with({expr}, '{{') THEN {expr} ELSE {json_value_text(expr)} END"


class JsonPaths:
    """Many fields of one JSON document, read in one of two ways.

    Callers register the fields they need: calling the object gives a field's text,
    `.json()` a JSON value (an absent key and a JSON `null` are both SQL NULL); with
    several paths the first one present wins. Each field becomes a column named
    `{alias}_{n}`, defined by `column_items()` over one of two sources:

    * extracted (default): `select_item()` runs one `json_extract(source, [paths])` per
      row, a single parse that feeds every field (DuckDB parses a document again for
      every `->>`). Works on any text: a document that is not valid JSON extracts as
      NULL (see `json_error_sql`).
    * typed: `read_json_columns()` is the `columns=` schema for DuckDB's `read_json`,
      which parses each line once, straight into typed columns. Fastest, but DuckDB
      refuses the whole file if any record does not fit the schema (not JSON, an object
      where a string was expected, a duplicate key), so the caller must be ready to
      fall back to the extracted read.
    """

    def __init__(self, source: str, alias: str, *, typed: bool = False) -> None:
        self.source = source
        self.alias = alias
        self.typed = typed
        self.fields: dict[tuple[str, str], str] = {}  # (path, kind) -> column name; kind: text | number | json | present

    @property
    def paths(self) -> list[str]:
        return list(dict.fromkeys(path for path, _ in self.fields))

    def _refs(self, paths: tuple[str, ...], kind: str) -> str:
        refs = [self.fields.setdefault((path, kind), f"{self.alias}_{len(self.fields) + 1}") for path in paths]
        return refs[0] if len(refs) == 1 else f"coalesce({', '.join(refs)})"

    def __call__(self, *paths: str) -> str:
        return self._refs(paths, "text")

    def json(self, *paths: str) -> str:
        return self._refs(paths, "json")

    def present(self, path: str) -> str:
        """Whether the record has a non-null value at `path` (an object whose members are
        read on their own stays a STRUCT in the typed read: its presence is that)."""
        return self._refs((path,), "present")

    def number(self, *paths: str) -> str:
        """The text of a value that is only ever read as a number or a time: the two reads
        may spell a fraction differently (`0.000015`, `1.5e-05`), never its value, so the
        general read skips `_json_text`'s normalisation."""
        return self._refs(paths, "number")

    def select_item(self) -> str:
        """The extracted read: every path in one parse, as a JSON list named `alias`."""
        path_list = ", ".join(string_literal(p) for p in self.paths) or "'$.__none__'"
        return f"try(json_extract({self.source}, [{path_list}])) AS {self.alias}"

    def column_items(self) -> list[str]:
        """SELECT items defining every registered field's column."""
        paths = self.paths
        tree = self._tree() if self.typed else {}  # once: it is every field's (O(fields²) per file otherwise)
        items = []
        for (path, kind), name in self.fields.items():
            if self.typed:
                expr = self._typed_ref(path, kind, tree)
            else:
                ref = f"{self.alias}[{paths.index(path) + 1}]"
                expr = {"json": _non_null_json(ref), "text": _json_text(ref), "number": f"({ref} ->> '$')",
                        "present": f"({_non_null_json(ref)} IS NOT NULL)"}[kind]
            items.append(f"{expr} AS {name}")
        return items

    # -- the typed read ------------------------------------------------------------

    def _tree(self) -> dict:
        """Registered paths as a tree: {key: (kinds requested here, {children})}."""
        root: dict = {}
        for path, kind in self.fields:
            node = (set(), root)
            for key in _path_keys(path):
                node = node[1].setdefault(key, (set(), {}))
            node[0].add(kind if kind in ("json", "present") else "text")
        return root

    def read_json_columns(self) -> str:
        """The `columns=` struct for `read_json`: objects whose members we read are
        STRUCTs; a value read whole is JSON (or VARCHAR when only its text is used)."""

        def type_of(kinds: set[str], children: dict) -> str:
            if children and kinds <= {"present"}:
                return "STRUCT(" + ", ".join(f"{identifier(k)} {type_of(*v)}" for k, v in children.items()) + ")"
            return "VARCHAR" if kinds == {"text"} and not children else "JSON"

        members = ", ".join(f"{string_literal(k)}: {string_literal(type_of(*v))}" for k, v in self._tree().items())
        return "{" + members + "}"

    def _typed_ref(self, path: str, kind: str, tree: dict) -> str:
        """The column expression of one field over `read_json(columns=read_json_columns())`,
        `tree` being `_tree()`."""
        as_json = kind == "json"
        keys = _path_keys(path)
        node: tuple = (set(), tree)
        expr = ""
        for depth, key in enumerate(keys):
            node = node[1][key]
            expr = identifier(key) if depth == 0 else f"{expr}[{string_literal(key)}]"
            kinds, children = node
            rest = keys[depth + 1:]
            if kind == "present" and not rest:
                return f"({expr} IS NOT NULL)"  # a STRUCT or a JSON value: NULL for JSON null or no value
            if kinds - {"present"} or not children:  # read whole: a JSON (or VARCHAR) value
                if not rest:
                    if as_json:
                        return expr
                    return expr if kinds == {"text"} and not children else _json_text(expr)
                inner = f"json_extract({expr}, {string_literal('$.' + '.'.join(rest))})"
                if kind == "present":
                    return f"({_non_null_json(inner)} IS NOT NULL)"
                return _non_null_json(inner) if as_json else _json_text(inner)
        raise AssertionError(path)  # pragma: no cover - every path ends at a leaf


def _path_keys(path: str) -> list[str]:
    if not re.fullmatch(r"\$(\.[A-Za-z_][A-Za-z0-9_]*)+", path):
        raise ValueError(f"unsupported JSON path {path!r}")
    return path[2:].split(".")


def _json_text(expr: str) -> str:
    """A JSON value as text, as DuckDB's typed reader writes it into a VARCHAR: strings
    unquoted, objects and arrays as JSON, and fractional numbers in DuckDB's own form
    (`1.5e-05`, where `->>` would give `0.000015`), so both readers store the same text."""
    # Most values are strings: a cheap test on the JSON text spares them json_type.
    return (
        f"CASE WHEN starts_with({expr}::VARCHAR, '\"') THEN {expr} ->> '$'"
        f" WHEN json_type({expr}) = 'DOUBLE' AND NOT regexp_full_match({expr} ->> '$', '-?[0-9]+')"
        f" THEN CAST(CAST({expr} AS DOUBLE) AS VARCHAR) ELSE {expr} ->> '$' END"
    )


def _non_null_json(expr: str) -> str:
    """A JSON value, with JSON `null` as SQL NULL (the same as an absent key)."""
    return f"CASE WHEN json_type({expr}) <> 'NULL' THEN {expr} END"


def stored_payload(expr: str) -> str:
    """Stored prompt/response text, only when it says something (LiteLLM writes `{}`)."""
    return f"CASE WHEN {json_value_text(expr)} NOT IN ('{{}}', '[]', 'null') THEN {json_value_text(expr)} END"


def object_json(expr: str) -> str:
    """A JSON value (of `JsonPaths.json`) kept only when it is an object (LiteLLM writes null
    otherwise). Both reads give JSON values as DuckDB writes them, without spaces, so an
    object is a value that starts with `{`: no second parse of a ~400-byte price entry."""
    return f"CASE WHEN starts_with({expr}::VARCHAR, '{{') THEN {expr} END"


def json_error_sql(extracted: str) -> str:
    """Why a record could not be read, given its path extraction (NULL: not valid JSON).

    A valid document that does not start with `{` is not an object; only those few
    are parsed again, to name what they are.
    """
    return (
        f"CASE WHEN rec IS NULL OR {extracted} IS NULL THEN 'not valid JSON'"
        " WHEN NOT starts_with(ltrim(rec::VARCHAR), '{') THEN 'a JSON ' || CASE json_type(rec) WHEN 'ARRAY' THEN 'array'"
        " WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' ELSE 'number' END"
        " || ', expected an object (one LiteLLM record per line)'"
        " END"
    )


def rejected_excerpts_sql(src: SourceFile) -> str | None:
    """SELECT (src_line, excerpt) for JSON records; None where pre_calls has them inline (CSV)."""
    if src.format in ("csv", "parquet"):
        return None
    return (
        f"SELECT src_line, {excerpt_sql()} AS excerpt FROM records"
        " WHERE src_line IN (SELECT src_line FROM staged_calls WHERE reject_reason IS NOT NULL)"
    )


def excerpt_sql() -> str:
    """A short excerpt of a rejected JSON record: its excerpt keys (`_EXCERPT_KEYS`, at the
    top or in a kwargs dump's `standard_logging_object`) with scalar values, nothing else
    (redacted later)."""
    scalar = "('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN')"
    pairs = []
    for key in _EXCERPT_KEYS:
        value = f"coalesce(json_extract(rec, '$.{key}'), json_extract(rec, '$.standard_logging_object.{key}'))"
        pairs.append(f"CASE WHEN json_type({value}) IN {scalar} THEN '\"{key}\": ' || left({value}::VARCHAR, 82) END")
    return (
        "left(CASE WHEN json_valid(rec) AND json_type(rec) = 'OBJECT'"
        f" THEN concat_ws(', ', {', '.join(pairs)})"
        f" ELSE {_text_excerpt('raw')} END, 200)"
    )


def content_id_sql(text: str) -> str:
    """SQL: the id of a record that has none of its own, from its content (`text`)."""
    return f"'lc-' || left(sha256({text}), 32)"


def numbered_rows_sql(table: str, first_line: int, any_rejects: bool) -> str:
    """SELECT over `table` (rows in file order) with `src_line` and `source_line` set to
    each row's line in the file, past the lines the reader rejected."""
    line = line_shift_sql(first_line, any_rejects)
    return (
        f"SELECT * EXCLUDE (o) REPLACE ({line} AS src_line, {line} AS source_line)"
        f" FROM (SELECT *, rowid - (SELECT min(rowid) FROM {table}) + 1 AS o FROM {table})"
    )
