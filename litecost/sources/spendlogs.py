"""The SpendLogs reader: LiteLLM proxy `LiteLLM_SpendLogs` rows exported as CSV, Parquet
or JSON, → `pre_calls` rows (see `readers.py`)."""

from __future__ import annotations

from collections.abc import Callable

from litecost import tokens
from litecost.sources.detect import SourceFile
from litecost.sources.readers import (
    EMPTY_REJECTS_TABLE, JsonPaths, csv_options, json_document, json_error_sql, json_records_sql, json_value_text,
    object_json, reset_rejects_sql, stored_payload,
)

# SpendLogs columns litecost reads; any may be absent in older LiteLLM versions,
# except the ones detection requires.
PAYLOAD_COLUMNS = ("messages", "response")
SPENDLOGS_COLUMNS = (
    "request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens",
    "completion_tokens", "startTime", "endTime", "model", "model_id", "model_group",
    "custom_llm_provider", "user", "metadata", "cache_hit", "request_tags", "team_id",
    "organization_id", "end_user", "session_id", "status", "litellm_call_id",
)


# The usage objects in `metadata`, in order (see tokens.USAGE_ROOTS).
_USAGE_ROOTS = ("$.additional_usage_values", "$.usage_object")

# SpendLogs columns only ever read as numbers or times (see JsonPaths.number).
_SPENDLOGS_NUMBERS = {"spend", "total_tokens", "prompt_tokens", "completion_tokens", "startTime", "endTime"}


def _metadata_fields(md: JsonPaths, mj: Callable[..., str]) -> dict[str, str]:
    """SpendLogs `metadata` fields shared by every SpendLogs layout."""
    return {
        "md_status": md("$.status"),
        "key_alias": json_value_text(md("$.user_api_key_alias")),
        "md_team_id": json_value_text(md("$.user_api_key_team_id")),
        "team_alias": json_value_text(md("$.user_api_key_team_alias")),
        "md_org_id": json_value_text(md("$.user_api_key_org_id")),
        "md_user_id": json_value_text(md("$.user_api_key_user_id")),
        "md_call_id": json_value_text(md("$.litellm_call_id")),
        "service_tier": md("$.cost_breakdown.service_tier", "$.usage_object.service_tier"),
        "cost_original_raw": md.number("$.cost_breakdown.original_cost"),
        "cost_breakdown_total_raw": md.number("$.cost_breakdown.total_cost"),
        "vertex_location": json_value_text(md("$.cost_breakdown.vertex_location")),
        "model_map_key": md("$.model_map_information.model_map_key"),
        "model_map_value": object_json(mj("$.model_map_information.model_map_value")),
        "spend_logs_metadata": object_json(mj("$.spend_logs_metadata")),
        **{column: md.number(f"{_USAGE_ROOTS[root]}.{path}") for column, root, path in tokens.usage_leaves()},
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
            statements = reset_rejects_sql()
            reader = f"read_csv($path, {csv_options(header=True, src=src)})"
            line = "NULL::BIGINT"
        else:
            # The Parquet reader numbers its rows itself: a row's line is its row number.
            statements = reset_rejects_sql() + [EMPTY_REJECTS_TABLE]
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
            SELECT *, {json_document('"f_metadata"')} AS md FROM base
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
            {json_value_text('"f_request_id"')} AS request_id,
            "f_startTime" AS start_raw, "f_endTime" AS end_raw,
            coalesce({json_value_text('"f_status"')}, md_status) AS status,
            {json_value_text('"f_call_type"')} AS call_type,
            {json_value_text('"f_custom_llm_provider"')} AS provider,
            {json_value_text('"f_model"')} AS model,
            NULL::VARCHAR AS model_resolved,
            {json_value_text('"f_model_group"')} AS model_group,
            {json_value_text('"f_model_id"')} AS deployment_id,
            {json_value_text('"f_api_key"')} AS api_key,
            key_alias,
            coalesce({json_value_text('"f_team_id"')}, md_team_id) AS team_id,
            team_alias,
            coalesce({json_value_text('"f_organization_id"')}, md_org_id) AS org_id,
            coalesce({json_value_text('"f_user"')}, md_user_id) AS user_id,
            {json_value_text('"f_end_user"')} AS end_user,
            {json_value_text('"f_request_tags"')} AS tags_json,
            {json_value_text('"f_cache_hit"')} AS cache_hit,
            service_tier,
            "f_prompt_tokens" AS prompt_raw, "f_completion_tokens" AS completion_raw, "f_total_tokens" AS total_raw,
            "f_spend" AS cost_raw,
            cost_original_raw, cost_breakdown_total_raw, vertex_location, NULL::VARCHAR AS litellm_cost_failure,
            model_map_key, model_map_value, spend_logs_metadata,
            coalesce({json_value_text('"f_litellm_call_id"')}, md_call_id) AS litellm_call_id,
            {json_value_text('"f_session_id"')} AS session_id,
            {', '.join(column for column, _, _ in tokens.usage_leaves())},
            {stored_payload('"f_messages"') if keep_payloads else 'NULL'} AS payload_messages,
            {stored_payload('"f_response"') if keep_payloads else 'NULL'} AS payload_response
        FROM mapped
        """
    )
    return statements
