"""Readers: turn one detected input file into `pre_calls` rows, all in DuckDB SQL.

Each reader gives a query of `pre_calls` rows, one per input record: the
source line, the raw fields as text, the JSON usage objects, and a parse error when
the record could not be read at all. `canonical.py` then validates and converts
these into `calls` rows. Nothing here loops over records in Python.

Line numbers: DuckDB's CSV reader numbers the rows it *returns*; rows it rejects
(bad encoding, wrong column count) are recorded in a rejects table with their real
line. `_line_fix` shifts the returned numbers past those rejected lines, so every
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


# SpendLogs columns litecost reads; any may be absent in older LiteLLM versions,
# except the ones detection requires.
PAYLOAD_COLUMNS = ("messages", "response")
SPENDLOGS_COLUMNS = (
    "request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens",
    "completion_tokens", "startTime", "endTime", "model", "model_id", "model_group",
    "custom_llm_provider", "user", "metadata", "cache_hit", "request_tags", "team_id",
    "organization_id", "end_user", "session_id", "status", "litellm_call_id",
)


# SpendLogs columns only ever read as numbers or times (see JsonPaths.number).
_SPENDLOGS_NUMBERS = {"spend", "total_tokens", "prompt_tokens", "completion_tokens", "startTime", "endTime"}

# Scratch tables are TEMP, like the ones DuckDB's CSV reader makes for its rejects:
# nothing of a reader's work may land in the database file.
_EMPTY_REJECTS_TABLE = f"CREATE TEMP TABLE {REJECTS_TABLE} (line BIGINT, error_type VARCHAR, error_message VARCHAR, csv_line VARCHAR)"
# The reason the typed read gives a record it cannot handle; never stored (see ingest).
TYPED_READ_UNSUITABLE = "needs the record text (typed read)"


def _reset_rejects_sql() -> list[str]:
    return [f"DROP TABLE IF EXISTS temp.{REJECTS_TABLE}", f"DROP TABLE IF EXISTS temp.{REJECTS_SCAN}"]


def _compression(src: SourceFile) -> str:
    """Named, not left to DuckDB: it guesses from the file name, and detection goes by the
    bytes (a gzip file need not end in .gz)."""
    return f"compression='{'gzip' if src.compressed else 'none'}'"


def _csv_options(header: bool, src: SourceFile) -> str:
    # A quoted CSV is read in strict mode: DuckDB 2.0's non-strict parallel reader can lose
    # a record that starts just after one of its 32 MiB split points (no reject, no error;
    # 3 of 1M payload-bearing SpendLogs rows, tests/test_large_csv.py).
    strict = "true" if header else "false"
    memory = memory_settings()  # the readers' buffers come out of the memory limit
    common = (
        f"{_compression(src)}, strict_mode={strict}, ignore_errors=true, store_rejects=true, "
        f"rejects_scan='{REJECTS_SCAN}', rejects_table='{REJECTS_TABLE}', "
        f"max_line_size={memory.max_record_bytes}, buffer_size={memory.read_buffer_bytes}"
    )
    if header:
        return f"header=true, all_varchar=true, delim=',', quote='\"', escape='\"', {common}"
    return (
        "columns={'raw': 'VARCHAR'}, header=false, delim='\\x01', quote='', escape='', "
        f"auto_detect=false, {common}"
    )


def _line_fix(first_line: int) -> str:
    """SQL: the file line of a returned row, given DuckDB's output ordinality `o`.

    A returned row o lies after every rejected line r_i (i-th, 1-based) whose number of
    returned rows before it, r_i - first_line - (i - 1), is below o. The placeholder
    LINE_SHIFT is replaced by `load_pre_calls` once it knows whether any line was
    rejected: usually none, and then the line is a plain offset.
    """
    return "LINE_SHIFT:" + str(first_line)


def _line_shift_sql(first_line: int, any_rejects: bool) -> str:
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


def json_records_sql(src: SourceFile) -> list[str]:
    """Statements that fill temp table `records(src_line, rec JSON, raw, parse_error)`."""
    statements = _reset_rejects_sql()
    if src.format == "jsonl":
        # No WITH ORDINALITY (it makes DuckDB read on one thread): lines keep the file's
        # order, so a line's place in the table is its number.
        statements.append(f"CREATE OR REPLACE TEMP TABLE lines AS SELECT raw FROM read_csv($path, {_csv_options(header=False, src=src)})")
        # A view, not a copy: each record is parsed once, by the extraction that needs it.
        statements.append(
            "CREATE OR REPLACE TEMP VIEW records AS"
            f" SELECT {_line_fix(1)} AS src_line, raw, {_copy_text_undone('raw')} AS rec"
            " FROM (SELECT CASE WHEN o = 1 THEN ltrim(raw, chr(65279)) ELSE raw END AS raw, o"
            " FROM (SELECT raw, rowid - (SELECT min(rowid) FROM lines) + 1 AS o FROM lines))"
            " WHERE raw IS NOT NULL AND (starts_with(raw, '{') OR trim(raw, ' \t\r') <> '')"
        )
    elif src.format == "json_array":
        statements.append(_EMPTY_REJECTS_TABLE)
        statements.append(
            "CREATE OR REPLACE TEMP TABLE json_records AS SELECT ordinality AS src_line, json::VARCHAR AS raw, json AS rec"
            f" FROM read_json_objects($path, format='array', maximum_object_size={_object_limit(src)}, {_compression(src)}) WITH ORDINALITY"
        )
        statements.append("CREATE OR REPLACE TEMP VIEW records AS SELECT * FROM json_records")
    elif src.format == "json_page":
        statements.append(_EMPTY_REJECTS_TABLE)
        statements.append(
            "CREATE OR REPLACE TEMP TABLE json_records AS SELECT e.key::BIGINT + 1 AS src_line, e.value::VARCHAR AS raw, e.value AS rec"
            f" FROM read_json_objects($path, format='unstructured', maximum_object_size={_object_limit(src)}, {_compression(src)}) j,"
            " json_each(j.json, '$.data') e"
        )
        statements.append("CREATE OR REPLACE TEMP VIEW records AS SELECT * FROM json_records")
    else:  # pragma: no cover - guarded by the caller
        raise ValueError(src.format)
    return statements


def _text(expr: str) -> str:
    return f"NULLIF(trim({expr}), '')"


def _json_document(expr: str) -> str:
    """`_text` for a JSON document of kilobytes: one that starts with `{` is kept as it is
    (trimming copied every metadata text: a third of a SpendLogs CSV's staging time)."""
    return f"CASE WHEN starts_with({expr}, '{{') THEN {expr} ELSE {_text(expr)} END"


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
        self.fields: dict[tuple[str, str], str] = {}  # (path, kind) -> column name; kind: text | number | json

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
        items = []
        for (path, kind), name in self.fields.items():
            if self.typed:
                expr = self._typed_ref(path, kind == "json")
            else:
                ref = f"{self.alias}[{paths.index(path) + 1}]"
                expr = {"json": _non_null_json(ref), "text": _json_text(ref), "number": f"({ref} ->> '$')"}[kind]
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
            node[0].add("json" if kind == "json" else "text")
        return root

    def read_json_columns(self) -> str:
        """The `columns=` struct for `read_json`: objects whose members we read are
        STRUCTs; a value read whole is JSON (or VARCHAR when only its text is used)."""

        def type_of(kinds: set[str], children: dict) -> str:
            if children and not kinds:
                return "STRUCT(" + ", ".join(f"{identifier(k)} {type_of(*v)}" for k, v in children.items()) + ")"
            return "VARCHAR" if kinds == {"text"} and not children else "JSON"

        members = ", ".join(f"{string_literal(k)}: {string_literal(type_of(*v))}" for k, v in self._tree().items())
        return "{" + members + "}"

    def _typed_ref(self, path: str, as_json: bool) -> str:
        """The column expression of one field over `read_json(columns=read_json_columns())`."""
        keys = _path_keys(path)
        node: tuple = (set(), self._tree())
        expr = ""
        for depth, key in enumerate(keys):
            node = node[1][key]
            expr = identifier(key) if depth == 0 else f"{expr}[{string_literal(key)}]"
            kinds, children = node
            if kinds or not children:  # read whole: a JSON (or VARCHAR) value
                rest = keys[depth + 1:]
                if not rest:
                    if as_json:
                        return expr
                    return expr if kinds == {"text"} and not children else _json_text(expr)
                inner = f"json_extract({expr}, {string_literal('$.' + '.'.join(rest))})"
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


def _payload(expr: str) -> str:
    """Stored prompt/response text, only when it says something (LiteLLM writes `{}`)."""
    return f"CASE WHEN {_text(expr)} NOT IN ('{{}}', '[]', 'null') THEN {_text(expr)} END"


def _object_json(expr: str) -> str:
    """A JSON value kept only when it is an object (LiteLLM writes null or {} otherwise)."""
    return f"CASE WHEN json_type({expr}) = 'OBJECT' THEN {expr} END"


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


def _metadata_fields(md: JsonPaths, mj: Callable[..., str]) -> dict[str, str]:
    """SpendLogs `metadata` fields shared by every SpendLogs layout."""
    return {
        "md_status": md("$.status"),
        "key_alias": _text(md("$.user_api_key_alias")),
        "md_team_id": _text(md("$.user_api_key_team_id")),
        "team_alias": _text(md("$.user_api_key_team_alias")),
        "md_org_id": _text(md("$.user_api_key_org_id")),
        "md_user_id": _text(md("$.user_api_key_user_id")),
        "md_call_id": _text(md("$.litellm_call_id")),
        "service_tier": md("$.cost_breakdown.service_tier", "$.usage_object.service_tier"),
        "cost_original_raw": md.number("$.cost_breakdown.original_cost"),
        "cost_breakdown_total_raw": md.number("$.cost_breakdown.total_cost"),
        "vertex_location": _text(md("$.cost_breakdown.vertex_location")),
        "model_map_key": md("$.model_map_information.model_map_key"),
        "model_map_value": _object_json(mj("$.model_map_information.model_map_value")),
        "spend_logs_metadata": _object_json(mj("$.spend_logs_metadata")),
        "usage_a": mj("$.additional_usage_values"),
        "usage_b": mj("$.usage_object"),
    }



def spendlogs_pre_calls_sql(src: SourceFile, keep_payloads: bool = False) -> list[str]:
    """Statements that prepare a SpendLogs file (CSV, Parquet or JSON), the last one the
    SELECT of its `pre_calls` rows (see `load_pre_calls`).

    `messages` and `response` (prompts and answers, when the proxy stored them) are read
    only with `keep_payloads`.
    """
    if src.format in ("csv", "parquet"):
        present = set(src.columns)

        def col(name: str) -> str:
            return f'CAST("{name}" AS VARCHAR)' if name in present else "NULL"

        wanted = SPENDLOGS_COLUMNS + (PAYLOAD_COLUMNS if keep_payloads else ())
        # Only the columns we read, straight from the file into staging: no copy of the
        # rows (at 1M rows their metadata alone is 3 GB to spill and read back), and no
        # WITH ORDINALITY (it makes DuckDB read on one thread). Rows keep the file's order
        # (preserve_insertion_order), so whoever materialises them numbers them
        # (`numbered_rows_sql`): DuckDB 2.0's CSV reader has no row numbers of its own.
        columns = ", ".join(f'"{name}"' for name in wanted if name in present)
        if src.format == "csv":
            statements = _reset_rejects_sql()
            reader = f"read_csv($path, {_csv_options(header=True, src=src)})"
            line = "NULL::BIGINT"
        else:
            # The Parquet reader numbers its rows itself: a row's line is its row number.
            statements = _reset_rejects_sql() + [_EMPTY_REJECTS_TABLE]
            reader = "read_parquet($path, file_row_number=true)"
            columns += ", file_row_number"
            line = "file_row_number + 1"
        fields = {name: col(name) for name in wanted}
        row_extractions: list[str] = []
        row_columns = []
        parse_error = "NULL"
        excerpt = (
            "left(concat_ws(',', "
            + ", ".join(col(c) for c in ("request_id", "startTime", "model", "spend", "prompt_tokens", "completion_tokens"))
            + "), 200)"
        )
        source = f"(SELECT {columns} FROM {reader})"
        source_exclude = "file_row_number" if src.format == "parquet" else None
    else:
        statements = json_records_sql(src)
        row = JsonPaths("rec", "sf")
        fields = {
            name: (row.number if name in _SPENDLOGS_NUMBERS else row)(f"$.{name}")
            for name in SPENDLOGS_COLUMNS + (PAYLOAD_COLUMNS if keep_payloads else ())
        }
        row_extractions = [row.select_item()]
        row_columns = row.column_items()
        line = "src_line"
        parse_error = json_error_sql("sf")
        excerpt = "NULL"  # computed for rejected records only: see rejected_excerpts_sql()
        source = "records"
        source_exclude = "src_line"

    md = JsonPaths("md", "mf")
    meta = _metadata_fields(md, md.json)
    field_items = ", ".join(f'{expr} AS "f_{name}"' for name, expr in fields.items())
    statements.append(
        f"""
        WITH extracted AS (
            SELECT {line} AS src_line, {excerpt} AS excerpt
                   {''.join(', ' + item for item in row_extractions)}, *{f' EXCLUDE ({source_exclude})' if source_exclude else ''}
            FROM {source}
        ), named AS (
            SELECT *{''.join(', ' + item for item in row_columns)} FROM extracted
        ), base AS (
            SELECT src_line, {parse_error} AS parse_error, excerpt, {field_items} FROM named
        ), parsed AS (
            SELECT *, {_json_document('"f_metadata"')} AS md FROM base
        ), meta AS (
            SELECT *, {md.select_item()} FROM parsed
        ), meta_named AS (
            SELECT *, {', '.join(md.column_items())} FROM meta
        ), checked AS (
            SELECT *, md IS NOT NULL AND mf IS NULL AS metadata_invalid FROM meta_named
        ), mapped AS (
            SELECT *, {', '.join(f'{expr} AS {name}' for name, expr in meta.items())} FROM checked
        )
        SELECT
            src_line, parse_error, excerpt,
            CASE WHEN metadata_invalid THEN 'metadata is not valid JSON' END AS field_error,
            {_text('"f_request_id"')} AS request_id,
            "f_startTime" AS start_raw, "f_endTime" AS end_raw,
            coalesce({_text('"f_status"')}, md_status) AS status,
            {_text('"f_call_type"')} AS call_type,
            {_text('"f_custom_llm_provider"')} AS provider,
            {_text('"f_model"')} AS model,
            NULL::VARCHAR AS model_resolved,
            {_text('"f_model_group"')} AS model_group,
            {_text('"f_model_id"')} AS deployment_id,
            {_text('"f_api_key"')} AS api_key,
            key_alias,
            coalesce({_text('"f_team_id"')}, md_team_id) AS team_id,
            team_alias,
            coalesce({_text('"f_organization_id"')}, md_org_id) AS org_id,
            coalesce({_text('"f_user"')}, md_user_id) AS user_id,
            {_text('"f_end_user"')} AS end_user,
            {_text('"f_request_tags"')} AS tags_json,
            {_text('"f_cache_hit"')} AS cache_hit,
            service_tier,
            "f_prompt_tokens" AS prompt_raw, "f_completion_tokens" AS completion_raw, "f_total_tokens" AS total_raw,
            "f_spend" AS cost_raw,
            cost_original_raw, cost_breakdown_total_raw, vertex_location, NULL::VARCHAR AS litellm_cost_failure,
            model_map_key, model_map_value, spend_logs_metadata,
            coalesce({_text('"f_litellm_call_id"')}, md_call_id) AS litellm_call_id,
            {_text('"f_session_id"')} AS session_id,
            usage_a, usage_b,
            {_payload('"f_messages"') if keep_payloads else 'NULL'} AS payload_messages,
            {_payload('"f_response"') if keep_payloads else 'NULL'} AS payload_response
        FROM mapped
        """
    )
    return statements


def callbacks_pre_calls_sql(src: SourceFile, keep_payloads: bool = False, typed: bool = False) -> list[str]:
    """Statements that prepare callback JSON (StandardLoggingPayload, kwargs dumps with a
    `standard_logging_object`, or minimal custom dicts), the last one the SELECT of its
    `pre_calls` rows (see `load_pre_calls`).

    `typed` (JSON lines only) reads the file with `read_json` and a schema of exactly the
    fields below: each line parsed once, no copy of the text. It raises a DuckDB error
    on any line that does not fit (see `JsonPaths`), numbers rows by the non-blank lines
    they came from, and cannot identify minimal records (their id is a hash of the record
    text), which it marks with `TYPED_READ_UNSUITABLE`; the caller then falls back.
    """
    text = JsonPaths("rec", "cf", typed=typed)
    value = text.json
    slo = "$.standard_logging_object"

    def payload(path: str) -> str:
        """A payload field: inside `standard_logging_object` for kwargs dumps, else top level."""
        return text(f"{slo}.{path}", f"$.{path}")

    def metadata(path: str) -> str:
        return text(f"{slo}.metadata.{path}", f"$.metadata.{path}")

    def payload_json(path: str) -> str:
        return value(f"{slo}.{path}", f"$.{path}")

    def payload_number(path: str) -> str:
        return text.number(f"{slo}.{path}", f"$.{path}")

    number = text.number
    shape = (
        f"CASE WHEN {text(f'{slo}.id')} IS NOT NULL THEN 'kwargs'"
        f" WHEN {text('$.id')} IS NOT NULL THEN 'payload'"
        f" WHEN {text('$.model')} IS NOT NULL AND ({number('$.cost')} IS NOT NULL OR {number('$.response_cost')} IS NOT NULL) THEN 'minimal'"
        " END"
    )
    minimal_id = "NULL" if typed else content_id_sql("json(raw)::VARCHAR")
    columns = {
        "request_id": f"CASE WHEN shape = 'minimal' THEN {minimal_id} ELSE {_text(payload('id'))} END",
        "start_raw": number(f"{slo}.startTime", "$.startTime", "$.start_time", "$.timestamp"),
        "end_raw": number(f"{slo}.endTime", "$.endTime", "$.end_time"),
        "status": f"coalesce({_text(payload('status'))}, CASE WHEN {_text(payload('error_str'))} IS NOT NULL THEN 'failure' END)",
        "call_type": _text(payload("call_type")),
        "provider": _text(payload("custom_llm_provider")),
        "model": _text(payload("model")),
        "model_resolved": _text(payload("response.model")),
        "model_group": _text(payload("model_group")),
        "deployment_id": _text(payload("model_id")),
        "api_key": f"coalesce({_text(metadata('user_api_key_hash'))}, {_text(metadata('user_api_key'))})",
        "key_alias": _text(metadata("user_api_key_alias")),
        "team_id": f"coalesce({_text(metadata('user_api_key_team_id'))}, {_text(metadata('team_id'))})",
        "team_alias": f"coalesce({_text(metadata('user_api_key_team_alias'))}, {_text(metadata('team_alias'))})",
        "org_id": _text(metadata("user_api_key_org_id")),
        # The internal user comes only from the key. LiteLLM's `user` request parameter (a
        # kwargs dump's top-level `user`, the payload's `model_parameters.user`) names the
        # customer: the end user, where nothing else names one.
        "user_id": _text(metadata("user_api_key_user_id")),
        "end_user": f"coalesce({_text(payload('end_user'))}, {_text(metadata('user_api_key_end_user_id'))},"
        f" {_text(text('$.user'))}, {_text(payload('model_parameters.user'))})",
        "tags_json": f"CASE WHEN shape = 'minimal' THEN coalesce({text('$.metadata.tags')}, {text('$.request_tags')}) ELSE {payload('request_tags')} END",
        "cache_hit": _text(payload("cache_hit")),
        # The tier that served (and was billed), not the one requested in model_parameters.
        "service_tier": f"coalesce({payload('cost_breakdown.service_tier')}, {payload('response.service_tier')}, {metadata('usage_object.service_tier')})",
        "prompt_raw": f"coalesce({payload_number('prompt_tokens')}, {number('$.usage.prompt_tokens')})",
        "completion_raw": f"coalesce({payload_number('completion_tokens')}, {number('$.usage.completion_tokens')})",
        "total_raw": f"coalesce({payload_number('total_tokens')}, {number('$.usage.total_tokens')})",
        "cost_raw": f"CASE WHEN shape = 'minimal' THEN coalesce({number('$.cost')}, {number('$.response_cost')}) ELSE {payload_number('response_cost')} END",
        "cost_original_raw": payload_number("cost_breakdown.original_cost"),
        "cost_breakdown_total_raw": payload_number("cost_breakdown.total_cost"),
        "vertex_location": _text(payload("cost_breakdown.vertex_location")),
        # Its first line, at most 300 characters: the reason, never the traceback.
        "litellm_cost_failure": _text(f"left(split_part({payload('response_cost_failure_debug_info.error_str')}, chr(10), 1), 300)"),
        "model_map_key": payload("model_map_information.model_map_key"),
        "model_map_value": _object_json(payload_json("model_map_information.model_map_value")),
        "spend_logs_metadata": _object_json(value(f"{slo}.metadata.spend_logs_metadata", "$.metadata.spend_logs_metadata")),
        "litellm_call_id": _text(payload("litellm_call_id")),
        "session_id": f"coalesce({_text(payload('session_id'))}, {_text(payload('trace_id'))})",
        "usage_a": f"coalesce({value(f'{slo}.metadata.usage_object', '$.metadata.usage_object')}, {value('$.usage')})",
        "usage_b": payload_json("hidden_params.usage_object"),
        "payload_messages": _payload(payload("messages")) if keep_payloads else "NULL",
        "payload_response": _payload(payload("response")) if keep_payloads else "NULL",
    }
    if typed:
        statements = _reset_rejects_sql() + [_EMPTY_REJECTS_TABLE]
        # No WITH ORDINALITY: it makes DuckDB read the file on one thread. Rows keep the
        # file's order instead (preserve_insertion_order), so whoever materialises them
        # numbers them (see ingest).
        extracted = (
            f"SELECT NULL::BIGINT AS src_line, NULL AS excerpt, {', '.join(text.column_items())}"
            f" FROM read_json($path, format='newline_delimited', records=true,"
            f" {_compression(src)},"
            f" columns={text.read_json_columns()}, maximum_object_size={memory_settings().max_record_bytes})"
        )
        parse_error = "NULL"
    else:
        statements = json_records_sql(src)
        extracted = (
            f"SELECT *, {', '.join(text.column_items())}"
            f" FROM (SELECT src_line, raw, rec, NULL AS excerpt, {text.select_item()} FROM records)"
        )
        parse_error = json_error_sql("cf")
    unsuitable = f"WHEN shape = 'minimal' THEN '{TYPED_READ_UNSUITABLE}'" if typed else ""
    statements.append(
        f"""
        WITH extracted AS (
            {extracted}
        ), checked AS (
            SELECT *, {parse_error} AS parse_error FROM extracted
        ), shaped AS (
            SELECT *, CASE WHEN parse_error IS NULL THEN {shape} END AS shape FROM checked
        )
        SELECT
            src_line, parse_error, excerpt,
            CASE WHEN parse_error IS NULL AND shape IS NULL
                 THEN 'not a LiteLLM callback record (no id, standard_logging_object, or model+cost)' {unsuitable} END AS field_error,
            {', '.join(f'{expr} AS {name}' for name, expr in columns.items())}
        FROM shaped
        """
    )
    return statements


def numbered_after_staging(src: SourceFile) -> int | None:
    """For files read straight into staging, the file line of their first row (after a
    CSV's header): `numbered_rows_sql` numbers the staged rows. None: rows come numbered."""
    if src.kind == "spendlogs" and src.format == "csv":
        return 2
    return None


def content_id_sql(text: str) -> str:
    """SQL: the id of a record that has none of its own, from its content (`text`)."""
    return f"'lc-' || left(sha256({text}), 32)"


def numbered_rows_sql(table: str, first_line: int, any_rejects: bool) -> str:
    """SELECT over `table` (rows in file order) with `src_line` and `source_line` set to
    each row's line in the file, past the lines the reader rejected."""
    line = _line_shift_sql(first_line, any_rejects)
    return (
        f"SELECT * EXCLUDE (o) REPLACE ({line} AS src_line, {line} AS source_line)"
        f" FROM (SELECT *, rowid - (SELECT min(rowid) FROM {table}) + 1 AS o FROM {table})"
    )


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
    params = {"path": str(src.path)}
    any_rejects = None
    for statement in statements:
        if "LINE_SHIFT:" in statement:
            if any_rejects is None:
                any_rejects = con.execute(f"SELECT count(*) > 0 FROM {REJECTS_TABLE}").fetchone()[0]
            statement = re.sub(
                r"LINE_SHIFT:(\d+)", lambda m, shifted=any_rejects: _line_shift_sql(int(m.group(1)), shifted), statement
            )
        con.execute(statement, params if "$path" in statement else None)
    return "(" + select + ")"
