"""The callback reader: LiteLLM callback JSON (StandardLoggingPayload lines, kwargs dumps,
minimal custom dicts) → `pre_calls` rows (see `readers.py`)."""

from __future__ import annotations

from litecost import tokens
from litecost.files import read_head
from litecost.memory import memory_settings
from litecost.sources.detect import SourceFile
from litecost.sources.readers import (
    EMPTY_REJECTS_TABLE, TYPED_READ_UNSUITABLE, JsonPaths, compression, content_id_sql, json_error_sql,
    json_records_sql, json_value_text, object_json, reset_rejects_sql, stored_payload,
)

def callbacks_pre_calls_sql(src: SourceFile, keep_payloads: bool = False, typed: bool = False) -> list[str]:
    """Statements that prepare callback JSON (StandardLoggingPayload, kwargs dumps with a
    `standard_logging_object`, or minimal custom dicts), the last one the SELECT of its
    `pre_calls` rows (see `load_pre_calls`).

    `typed` (JSON lines only) reads the file with `read_json` and a schema of exactly the
    fields below: each line parsed once, no copy of the text. It raises a DuckDB error
    on any line that does not fit (see `JsonPaths`), numbers rows by the non-blank lines
    they came from, and cannot identify minimal records (their id is a hash of the record
    text), which it marks with `TYPED_READ_UNSUITABLE`; the caller then falls back.
    A file whose first lines are no kwargs dumps is read without the members of their
    `standard_logging_object` (~60 fields: 10-15% of the typed read); a line that has one
    is then marked `TYPED_READ_UNSUITABLE` too.
    """
    text = JsonPaths("rec", "cf", typed=typed)
    value = text.json
    slo = "$.standard_logging_object"
    nested = not typed or _may_hold_kwargs_dumps(src)

    def both(path: str) -> tuple[str, ...]:
        """A payload field: inside `standard_logging_object` for kwargs dumps, else top level."""
        return (f"{slo}.{path}", f"$.{path}") if nested else (f"$.{path}",)

    def payload(path: str) -> str:
        return text(*both(path))

    def metadata(path: str) -> str:
        return text(*both(f"metadata.{path}"))

    def payload_json(path: str) -> str:
        return value(*both(path))

    def payload_number(path: str) -> str:
        return text.number(*both(path))

    number = text.number
    # The usage objects, in order (see tokens.USAGE_ROOTS): the first one present of each
    # list, its members read on their own (the typed read keeps no copy of the object).
    usage_roots = (
        [*both("metadata.usage_object"), "$.usage"],
        [*both("hidden_params.usage_object")],
    )

    def usage_leaf(root: int, path: str) -> str:
        *tried, last = usage_roots[root]
        if not tried:
            return number(f"{last}.{path}")
        present = " ".join(f"WHEN {text.present(r)} THEN {number(f'{r}.{path}')}" for r in tried)
        return f"CASE {present} ELSE {number(f'{last}.{path}')} END"

    kwargs_dump = f"{text(f'{slo}.id')} IS NOT NULL" if nested else text.present(slo)
    shape = (
        f"CASE WHEN {kwargs_dump} THEN 'kwargs'"
        f" WHEN {text('$.id')} IS NOT NULL THEN 'payload'"
        f" WHEN {text('$.model')} IS NOT NULL AND ({number('$.cost')} IS NOT NULL OR {number('$.response_cost')} IS NOT NULL) THEN 'minimal'"
        " END"
    )
    minimal_id = "NULL" if typed else content_id_sql("json(raw)::VARCHAR")
    columns = {
        "request_id": f"CASE WHEN shape = 'minimal' THEN {minimal_id} ELSE {json_value_text(payload('id'))} END",
        "start_raw": number(*both("startTime"), "$.start_time", "$.timestamp"),
        "end_raw": number(*both("endTime"), "$.end_time"),
        "status": f"coalesce({json_value_text(payload('status'))}, CASE WHEN {json_value_text(payload('error_str'))} IS NOT NULL THEN 'failure' END)",
        "call_type": json_value_text(payload("call_type")),
        "provider": json_value_text(payload("custom_llm_provider")),
        "model": json_value_text(payload("model")),
        "model_resolved": json_value_text(payload("response.model")),
        "model_group": json_value_text(payload("model_group")),
        "deployment_id": json_value_text(payload("model_id")),
        "api_key": f"coalesce({json_value_text(metadata('user_api_key_hash'))}, {json_value_text(metadata('user_api_key'))})",
        "key_alias": json_value_text(metadata("user_api_key_alias")),
        "team_id": f"coalesce({json_value_text(metadata('user_api_key_team_id'))}, {json_value_text(metadata('team_id'))})",
        "team_alias": f"coalesce({json_value_text(metadata('user_api_key_team_alias'))}, {json_value_text(metadata('team_alias'))})",
        "org_id": json_value_text(metadata("user_api_key_org_id")),
        # The internal user comes only from the key. LiteLLM's `user` request parameter (a
        # kwargs dump's top-level `user`, the payload's `model_parameters.user`) names the
        # customer: the end user, where nothing else names one.
        "user_id": json_value_text(metadata("user_api_key_user_id")),
        "end_user": f"coalesce({json_value_text(payload('end_user'))}, {json_value_text(metadata('user_api_key_end_user_id'))},"
        f" {json_value_text(text('$.user'))}, {json_value_text(payload('model_parameters.user'))})",
        "tags_json": f"CASE WHEN shape = 'minimal' THEN coalesce({text('$.metadata.tags')}, {text('$.request_tags')}) ELSE {payload('request_tags')} END",
        "cache_hit": json_value_text(payload("cache_hit")),
        # The tier that served (and was billed), not the one requested in model_parameters.
        "service_tier": f"coalesce({payload('cost_breakdown.service_tier')}, {payload('response.service_tier')}, {metadata('usage_object.service_tier')})",
        "prompt_raw": f"coalesce({payload_number('prompt_tokens')}, {number('$.usage.prompt_tokens')})",
        "completion_raw": f"coalesce({payload_number('completion_tokens')}, {number('$.usage.completion_tokens')})",
        "total_raw": f"coalesce({payload_number('total_tokens')}, {number('$.usage.total_tokens')})",
        "cost_raw": f"CASE WHEN shape = 'minimal' THEN coalesce({number('$.cost')}, {number('$.response_cost')}) ELSE {payload_number('response_cost')} END",
        "cost_original_raw": payload_number("cost_breakdown.original_cost"),
        "cost_breakdown_total_raw": payload_number("cost_breakdown.total_cost"),
        "vertex_location": json_value_text(payload("cost_breakdown.vertex_location")),
        # Its first line, at most 300 characters: the reason, never the traceback.
        "litellm_cost_failure": json_value_text(f"left(split_part({payload('response_cost_failure_debug_info.error_str')}, chr(10), 1), 300)"),
        "model_map_key": payload("model_map_information.model_map_key"),
        "model_map_value": object_json(payload_json("model_map_information.model_map_value")),
        "spend_logs_metadata": object_json(value(*both("metadata.spend_logs_metadata"))),
        "litellm_call_id": json_value_text(payload("litellm_call_id")),
        "session_id": f"coalesce({json_value_text(payload('session_id'))}, {json_value_text(payload('trace_id'))})",
        **{column: usage_leaf(root, path) for column, root, path in tokens.usage_leaves()},
        "payload_messages": stored_payload(payload("messages")) if keep_payloads else "NULL",
        "payload_response": stored_payload(payload("response")) if keep_payloads else "NULL",
    }
    if typed:
        statements = reset_rejects_sql() + [EMPTY_REJECTS_TABLE]
        # No WITH ORDINALITY: it makes DuckDB read the file on one thread. Rows keep the
        # file's order instead (preserve_insertion_order), so whoever materialises them
        # numbers them (see ingest).
        extracted = (
            f"SELECT NULL::BIGINT AS src_line, NULL AS excerpt, {', '.join(text.column_items())}"
            f" FROM read_json($path, format='newline_delimited', records=true,"
            f" {compression(src)},"
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
    unsuitable = ""
    if typed:
        # No record text to identify a minimal record by; no members read of a kwargs dump's payload.
        shapes = "('minimal')" if nested else "('minimal', 'kwargs')"
        unsuitable = f"WHEN shape IN {shapes} THEN '{TYPED_READ_UNSUITABLE}'"
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


# A kwargs dump names its payload's key near its start; 64 KiB hold a few of the longest.
_KWARGS_SNIFF_BYTES = 64 * 1024


def _may_hold_kwargs_dumps(src: SourceFile) -> bool:
    """Whether the typed read must read `standard_logging_object` members: unless the
    file's first 64 KiB never name one (a gzip is not looked into)."""
    if src.compressed:
        return True
    head, _ = read_head(src.read_path, _KWARGS_SNIFF_BYTES)
    return b'"standard_logging_object"' in head
