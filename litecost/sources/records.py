"""Readers: turn one detected input file into `pre_calls` rows, all in DuckDB SQL.

Each reader fills the temp table `pre_calls` with one row per input record: the
source line, the raw fields as text, the JSON usage objects, and a parse error when
the record could not be read at all. `canonical.py` then validates and converts
these into `calls` rows. Nothing here loops over records in Python.

Line numbers: DuckDB's CSV reader numbers the rows it *returns*; rows it rejects
(bad encoding, wrong column count) are recorded in a rejects table with their real
line. `_line_fix` shifts the returned numbers past those rejected lines, so every
reject and every stored call points at the right line of the file.
"""

from __future__ import annotations

from litecost.sources.detect import SourceFile

REJECTS_TABLE = "lc_read_rejects"
REJECTS_SCAN = "lc_read_scans"
MAX_LINE_BYTES = 64 * 1024 * 1024

# Payload keys that can carry prompts, responses or credentials: never read, and
# removed from any excerpt we keep of a rejected record.
PAYLOAD_KEYS = (
    "messages", "response", "proxy_server_request", "input", "prompt", "original_response",
    "complete_streaming_response", "async_complete_streaming_response", "additional_args",
    "api_key", "requester_custom_headers", "headers", "optional_params", "litellm_params",
    "standard_logging_object", "metadata", "model_parameters", "hidden_params", "response_headers",
)
_PAYLOAD_PATCH = "{" + ",".join(f'"{k}":null' for k in PAYLOAD_KEYS) + "}"

# SpendLogs columns litecost reads; any may be absent in older LiteLLM versions,
# except the ones detection requires.
SPENDLOGS_COLUMNS = (
    "request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens",
    "completion_tokens", "startTime", "endTime", "model", "model_id", "model_group",
    "custom_llm_provider", "user", "metadata", "cache_hit", "request_tags", "team_id",
    "organization_id", "end_user", "session_id", "status", "litellm_call_id",
)


def _reset_rejects_sql() -> list[str]:
    return [f"DROP TABLE IF EXISTS {REJECTS_TABLE}", f"DROP TABLE IF EXISTS {REJECTS_SCAN}"]


def _csv_options(header: bool) -> str:
    common = (
        "strict_mode=false, ignore_errors=true, store_rejects=true, "
        f"rejects_scan='{REJECTS_SCAN}', rejects_table='{REJECTS_TABLE}', "
        f"max_line_size={MAX_LINE_BYTES}, buffer_size={4 * MAX_LINE_BYTES}"
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


def read_rejects_sql() -> str:
    """Lines DuckDB itself could not read (encoding, column count), one row per line."""
    return (
        f"SELECT line, arg_min(error_type || ': ' || error_message, error_type) AS reason,"
        f" any_value(csv_line) AS excerpt FROM {REJECTS_TABLE} GROUP BY line"
    )


def json_records_sql(src: SourceFile) -> list[str]:
    """Statements that fill temp table `records(src_line, rec JSON, raw, parse_error)`."""
    statements = _reset_rejects_sql()
    if src.format == "jsonl":
        statements.append(
            "CREATE OR REPLACE TEMP TABLE lines AS SELECT raw, ordinality AS o"
            f" FROM read_csv($path, {_csv_options(header=False)}) WITH ORDINALITY"
        )
        statements.append(
            "CREATE OR REPLACE TEMP TABLE records AS"
            f" SELECT {_line_fix(1)} AS src_line, raw,"
            " CASE WHEN json_valid(raw) THEN raw::JSON END AS rec"
            " FROM (SELECT CASE WHEN o = 1 THEN ltrim(raw, chr(65279)) ELSE raw END AS raw, o FROM lines)"
            " WHERE raw IS NOT NULL AND trim(raw, ' \t\r') <> ''"
        )
    elif src.format == "json_array":
        statements.append(f"CREATE TABLE {REJECTS_TABLE} (line BIGINT, error_type VARCHAR, error_message VARCHAR, csv_line VARCHAR)")
        statements.append(
            "CREATE OR REPLACE TEMP TABLE records AS SELECT ordinality AS src_line, json::VARCHAR AS raw, json AS rec"
            " FROM read_json_objects($path, format='array', maximum_object_size=1073741824) WITH ORDINALITY"
        )
    elif src.format == "json_page":
        statements.append(f"CREATE TABLE {REJECTS_TABLE} (line BIGINT, error_type VARCHAR, error_message VARCHAR, csv_line VARCHAR)")
        statements.append(
            "CREATE OR REPLACE TEMP TABLE records AS SELECT e.key::BIGINT + 1 AS src_line, e.value::VARCHAR AS raw, e.value AS rec"
            " FROM read_json_objects($path, format='unstructured', maximum_object_size=1073741824) j,"
            " json_each(j.json, '$.data') e"
        )
    else:  # pragma: no cover - guarded by the caller
        raise ValueError(src.format)
    return statements


def _text(expr: str) -> str:
    return f"NULLIF(trim({expr}), '')"


def _json_text(expr: str) -> str:
    """A field that holds JSON either as a string (CSV, Postgres text) or as a value."""
    return f"NULLIF(trim({expr}), '')"


def json_error_sql() -> str:
    return (
        "CASE WHEN rec IS NULL THEN 'not valid JSON'"
        " WHEN json_type(rec) <> 'OBJECT' THEN 'a JSON ' || lower(json_type(rec)) || ', expected an object'"
        " END"
    )


def excerpt_sql() -> str:
    """A short excerpt of a rejected JSON record without payload fields (redacted later)."""
    return (
        "left(CASE WHEN rec IS NOT NULL AND json_type(rec) = 'OBJECT'"
        f" THEN json_merge_patch(rec, '{_PAYLOAD_PATCH}')::VARCHAR"
        # Unparseable text: cut at the first key that may carry prompt text.
        " ELSE regexp_replace(left(raw, 400), '\"(messages|content|prompt|input|response|text|metadata)\".*$', '\"\\1\": …', 's')"
        " END, 200)"
    )


def spendlogs_pre_calls_sql(src: SourceFile) -> list[str]:
    """Statements that fill `pre_calls` from a SpendLogs file (CSV, Parquet or JSON)."""
    if src.format in ("csv", "parquet"):
        present = set(src.columns)

        def col(name: str) -> str:
            return f'CAST("{name}" AS VARCHAR)' if name in present else "NULL"

        if src.format == "csv":
            statements = _reset_rejects_sql() + [
                "CREATE OR REPLACE TEMP TABLE sl_rows AS SELECT *, ordinality AS o"
                f" FROM read_csv($path, {_csv_options(header=True)}) WITH ORDINALITY"
            ]
            line = _line_fix(2)
        else:
            statements = _reset_rejects_sql() + [
                f"CREATE TABLE {REJECTS_TABLE} (line BIGINT, error_type VARCHAR, error_message VARCHAR, csv_line VARCHAR)",
                "CREATE OR REPLACE TEMP TABLE sl_rows AS SELECT *, ordinality AS o FROM read_parquet($path) WITH ORDINALITY",
            ]
            line = "o"
        fields = {name: col(name) for name in SPENDLOGS_COLUMNS}
        parse_error = "NULL"
        excerpt = (
            "left(concat_ws(',', " + ", ".join(col(c) for c in ("request_id", "startTime", "model", "spend", "prompt_tokens", "completion_tokens")) + "), 200)"
        )
        source = "sl_rows"
    else:
        statements = json_records_sql(src)
        fields = {name: f"rec->>'{name}'" for name in SPENDLOGS_COLUMNS}
        line = "src_line"
        parse_error = json_error_sql()
        excerpt = excerpt_sql()
        source = "records"
        # JSON records that are not objects have no fields.
        fields = {k: f"CASE WHEN json_type(rec) = 'OBJECT' THEN {v} END" for k, v in fields.items()}

    md = "md"
    statements.append(
        f"""
        CREATE OR REPLACE TEMP TABLE pre_calls AS
        WITH base AS (
            SELECT {line} AS src_line, {parse_error} AS parse_error, {excerpt} AS excerpt,
                   {', '.join(f'{expr} AS "f_{name}"' for name, expr in fields.items())}
            FROM {source}
        ), parsed AS (
            SELECT *,
                   CASE WHEN json_valid({_json_text('"f_metadata"')}) THEN {_json_text('"f_metadata"')}::JSON END AS md,
                   {_json_text('"f_metadata"')} IS NOT NULL AND NOT json_valid({_json_text('"f_metadata"')}) AS metadata_invalid
            FROM base
        )
        SELECT
            src_line, parse_error, excerpt,
            CASE WHEN metadata_invalid THEN 'metadata is not valid JSON' END AS field_error,
            {_text('"f_request_id"')} AS request_id,
            "f_startTime" AS start_raw, "f_endTime" AS end_raw,
            coalesce({_text('"f_status"')}, {md}->>'status') AS status,
            {_text('"f_call_type"')} AS call_type,
            {_text('"f_custom_llm_provider"')} AS provider,
            {_text('"f_model"')} AS model,
            NULL::VARCHAR AS model_resolved,
            {_text('"f_model_group"')} AS model_group,
            {_text('"f_model_id"')} AS deployment_id,
            {_text('"f_api_key"')} AS api_key,
            {_text(f"{md}->>'user_api_key_alias'")} AS key_alias,
            coalesce({_text('"f_team_id"')}, {_text(f"{md}->>'user_api_key_team_id'")}) AS team_id,
            {_text(f"{md}->>'user_api_key_team_alias'")} AS team_alias,
            coalesce({_text('"f_organization_id"')}, {_text(f"{md}->>'user_api_key_org_id'")}) AS org_id,
            coalesce({_text('"f_user"')}, {_text(f"{md}->>'user_api_key_user_id'")}) AS user_id,
            {_text('"f_end_user"')} AS end_user,
            {_json_text('"f_request_tags"')} AS tags_json,
            {_text('"f_cache_hit"')} AS cache_hit,
            coalesce({md}->'cost_breakdown'->>'service_tier', {md}->'usage_object'->>'service_tier') AS service_tier,
            "f_prompt_tokens" AS prompt_raw, "f_completion_tokens" AS completion_raw, "f_total_tokens" AS total_raw,
            "f_spend" AS cost_raw,
            {md}->'cost_breakdown'->>'original_cost' AS cost_original_raw,
            {md}->'cost_breakdown'->>'total_cost' AS cost_breakdown_total_raw,
            {md}->'model_map_information'->>'model_map_key' AS model_map_key,
            CASE WHEN json_type({md}->'model_map_information'->'model_map_value') = 'OBJECT'
                 THEN {md}->'model_map_information'->'model_map_value' END AS model_map_value,
            CASE WHEN json_type({md}->'spend_logs_metadata') = 'OBJECT' THEN {md}->'spend_logs_metadata' END AS spend_logs_metadata,
            coalesce({_text('"f_litellm_call_id"')}, {_text(f"{md}->>'litellm_call_id'")}) AS litellm_call_id,
            {_text('"f_session_id"')} AS session_id,
            {md}->'additional_usage_values' AS usage_a,
            {md}->'usage_object' AS usage_b
        FROM parsed
        """
    )
    return statements


def callbacks_pre_calls_sql(src: SourceFile) -> list[str]:
    """Statements that fill `pre_calls` from callback JSON (StandardLoggingPayload,
    kwargs dumps with a `standard_logging_object`, or minimal custom dicts)."""
    statements = json_records_sql(src)
    statements.append(
        f"""
        CREATE OR REPLACE TEMP TABLE pre_calls AS
        WITH base AS (
            SELECT src_line, raw, rec, {json_error_sql()} AS parse_error, {excerpt_sql()} AS excerpt,
                   CASE WHEN json_type(rec) = 'OBJECT' THEN
                     CASE WHEN json_type(rec->'standard_logging_object') = 'OBJECT' THEN 'kwargs'
                          WHEN rec->>'id' IS NOT NULL THEN 'payload'
                          WHEN rec->>'model' IS NOT NULL AND (json_exists(rec, '$.cost') OR json_exists(rec, '$.response_cost')) THEN 'minimal'
                     END END AS shape
            FROM records
        ), shaped AS (
            SELECT *,
                   CASE WHEN shape = 'kwargs' THEN rec->'standard_logging_object' ELSE rec END AS p,
                   CASE WHEN shape = 'kwargs' THEN rec->'standard_logging_object'->'metadata'
                        WHEN json_type(rec->'metadata') = 'OBJECT' THEN rec->'metadata' END AS md
            FROM base
        )
        SELECT
            src_line, parse_error, excerpt,
            CASE WHEN parse_error IS NULL AND shape IS NULL
                 THEN 'not a LiteLLM callback record (no id, standard_logging_object, or model+cost)' END AS field_error,
            CASE WHEN shape = 'minimal'
                 THEN 'lc-' || left(sha256(json(raw)::VARCHAR), 32)
                 ELSE {_text("p->>'id'")} END AS request_id,
            coalesce(p->>'startTime', p->>'start_time', p->>'timestamp') AS start_raw,
            coalesce(p->>'endTime', p->>'end_time') AS end_raw,
            coalesce({_text("p->>'status'")}, CASE WHEN {_text("p->>'error_str'")} IS NOT NULL THEN 'failure' END) AS status,
            {_text("p->>'call_type'")} AS call_type,
            {_text("p->>'custom_llm_provider'")} AS provider,
            {_text("p->>'model'")} AS model,
            CASE WHEN json_type(p->'response') = 'OBJECT' THEN {_text("p->'response'->>'model'")} END AS model_resolved,
            {_text("p->>'model_group'")} AS model_group,
            {_text("p->>'model_id'")} AS deployment_id,
            coalesce({_text("md->>'user_api_key_hash'")}, {_text("md->>'user_api_key'")}) AS api_key,
            {_text("md->>'user_api_key_alias'")} AS key_alias,
            coalesce({_text("md->>'user_api_key_team_id'")}, {_text("md->>'team_id'")}) AS team_id,
            coalesce({_text("md->>'user_api_key_team_alias'")}, {_text("md->>'team_alias'")}) AS team_alias,
            {_text("md->>'user_api_key_org_id'")} AS org_id,
            coalesce({_text("md->>'user_api_key_user_id'")}, {_text("p->>'user'")}) AS user_id,
            coalesce({_text("p->>'end_user'")}, {_text("md->>'user_api_key_end_user_id'")}) AS end_user,
            CASE WHEN shape = 'minimal' THEN coalesce(md->>'tags', p->>'request_tags') ELSE p->>'request_tags' END AS tags_json,
            {_text("p->>'cache_hit'")} AS cache_hit,
            coalesce(p->'cost_breakdown'->>'service_tier', p->'model_parameters'->>'service_tier',
                     md->'usage_object'->>'service_tier') AS service_tier,
            coalesce(p->>'prompt_tokens', p->'usage'->>'prompt_tokens') AS prompt_raw,
            coalesce(p->>'completion_tokens', p->'usage'->>'completion_tokens') AS completion_raw,
            coalesce(p->>'total_tokens', p->'usage'->>'total_tokens') AS total_raw,
            CASE WHEN shape = 'minimal' THEN coalesce(p->>'cost', p->>'response_cost') ELSE p->>'response_cost' END AS cost_raw,
            p->'cost_breakdown'->>'original_cost' AS cost_original_raw,
            p->'cost_breakdown'->>'total_cost' AS cost_breakdown_total_raw,
            p->'model_map_information'->>'model_map_key' AS model_map_key,
            CASE WHEN json_type(p->'model_map_information'->'model_map_value') = 'OBJECT'
                 THEN p->'model_map_information'->'model_map_value' END AS model_map_value,
            CASE WHEN json_type(md->'spend_logs_metadata') = 'OBJECT' THEN md->'spend_logs_metadata' END AS spend_logs_metadata,
            {_text("p->>'litellm_call_id'")} AS litellm_call_id,
            coalesce({_text("p->>'session_id'")}, {_text("p->>'trace_id'")}) AS session_id,
            coalesce(md->'usage_object', p->'usage') AS usage_a,
            p->'hidden_params'->'usage_object' AS usage_b
        FROM shaped
        """
    )
    return statements


def load_pre_calls(con, src: SourceFile) -> None:  # noqa: ANN001 - a duckdb connection
    """Read `src` into the temp table `pre_calls` (and `lc_read_rejects`)."""
    import re

    statements = spendlogs_pre_calls_sql(src) if src.kind == "spendlogs" else callbacks_pre_calls_sql(src)
    params = {"path": str(src.path)}
    any_rejects = None
    for statement in statements:
        if "LINE_SHIFT:" in statement:
            if any_rejects is None:
                any_rejects = con.execute(f"SELECT count(*) > 0 FROM {REJECTS_TABLE}").fetchone()[0]
            statement = re.sub(
                r"LINE_SHIFT:(\d+)", lambda m: _line_shift_sql(int(m.group(1)), any_rejects), statement
            )
        con.execute(statement, params if "$path" in statement else None)
