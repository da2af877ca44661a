"""Reference workloads that bench/run.py times next to each litecost command.

Each runs as its own fresh process (``python bench/baselines.py WHAT ARGS``), exactly
like the litecost command it is compared with, and prints one JSON line with what it
counted (so run.py can check it read every row).

Floors — the raw DuckDB work that litecost cannot avoid, on the same file:

* ``floor-jsonl PATH``: ``read_json`` with an explicit schema of every field litecost
  reads from a StandardLoggingPayload (ids, times, model/provider, key/team/user metadata,
  tags, token counts, cost, cost_breakdown, model_map_information, both usage objects as
  JSON); every column is materialised (``count(col)``) plus ``sum(prompt_tokens)``.
* ``floor-csv PATH``: ``read_csv`` with an explicit schema of the 36 SpendLogs columns;
  every column litecost reads is materialised, plus ``sum(prompt_tokens)``.
* ``floor-csv-json PATH``: the same, plus one ``json_extract_string`` of the metadata
  fields litecost needs (a CSV row's metadata must be parsed; the JSONL floor parses by
  construction).
* ``floor-jsonl-store PATH`` / ``floor-csv-store PATH``: the same read, its rows written
  into a new DuckDB database file (``CREATE TABLE AS``, 1 GB memory limit, then closed):
  a second, stricter reference for an ingest, which must store what it reads.
* ``floor-report DB VARIANT``: the plain aggregate behind a report over the ``calls`` table
  (period filter, tag unnest, group, sums of every token column and logged cost), without
  litecost's re-pricing join.
* ``floor-reconcile DB``: the log side of a reconciliation (per provider, model and hour:
  sums of token categories and cost) plus the invoice side.

Comparison — a straightforward pandas script (``pandas-jsonl``, ``pandas-csv``): read the
file, normalise the nested fields litecost needs, and compute the same count and token sum;
and a polars one for JSON lines (``polars-jsonl``): ``scan_ndjson`` with a schema of those
fields, the same columns selected.
"""

from __future__ import annotations

import json
import sys

PERIOD_START = "2026-10-01 00:00:00+00"
PERIOD_END = "2026-11-01 00:00:00+00"

# The StandardLoggingPayload fields litecost reads (sources/callbacks.py), as DuckDB types.
_USAGE = "JSON"
JSONL_COLUMNS = {
    "id": "VARCHAR",
    "trace_id": "VARCHAR",
    "session_id": "VARCHAR",
    "litellm_call_id": "VARCHAR",
    "call_type": "VARCHAR",
    "status": "VARCHAR",
    "error_str": "VARCHAR",
    "custom_llm_provider": "VARCHAR",
    "model": "VARCHAR",
    "model_group": "VARCHAR",
    "model_id": "VARCHAR",
    "startTime": "DOUBLE",
    "endTime": "DOUBLE",
    "prompt_tokens": "BIGINT",
    "completion_tokens": "BIGINT",
    "total_tokens": "BIGINT",
    "response_cost": "DOUBLE",
    "cache_hit": "BOOLEAN",
    "end_user": "VARCHAR",
    "request_tags": "VARCHAR[]",
    "cost_breakdown": "STRUCT(original_cost DOUBLE, total_cost DOUBLE, service_tier VARCHAR)",
    "model_map_information": "STRUCT(model_map_key VARCHAR, model_map_value JSON)",
    "metadata": (
        "STRUCT(user_api_key_hash VARCHAR, user_api_key_alias VARCHAR, user_api_key_team_id VARCHAR,"
        " user_api_key_team_alias VARCHAR, user_api_key_org_id VARCHAR, user_api_key_user_id VARCHAR,"
        f" user_api_key_end_user_id VARCHAR, spend_logs_metadata JSON, usage_object {_USAGE})"
    ),
    "hidden_params": f"STRUCT(usage_object {_USAGE})",
}
JSONL_LEAVES = [
    "id", "trace_id", "session_id", "litellm_call_id", "call_type", "status", "error_str", "custom_llm_provider",
    "model", "model_group", "model_id", "startTime", "endTime", "prompt_tokens", "completion_tokens",
    "total_tokens", "response_cost", "cache_hit", "end_user", "request_tags",
    "cost_breakdown.original_cost", "cost_breakdown.total_cost", "cost_breakdown.service_tier",
    "model_map_information.model_map_key", "model_map_information.model_map_value",
    "metadata.user_api_key_hash", "metadata.user_api_key_alias", "metadata.user_api_key_team_id",
    "metadata.user_api_key_team_alias", "metadata.user_api_key_org_id", "metadata.user_api_key_user_id",
    "metadata.user_api_key_end_user_id", "metadata.spend_logs_metadata", "metadata.usage_object",
    "hidden_params.usage_object",
]

# SpendLogs columns with their types; any column not listed is read as VARCHAR.
CSV_TYPES = {
    "spend": "DOUBLE", "total_tokens": "BIGINT", "prompt_tokens": "BIGINT", "completion_tokens": "BIGINT",
    "startTime": "TIMESTAMP", "endTime": "TIMESTAMP", "completionStartTime": "TIMESTAMP",
    "request_duration_ms": "BIGINT", "created_at": "TIMESTAMP", "updated_at": "TIMESTAMP",
}
# The columns litecost reads (sources/spendlogs.py SPENDLOGS_COLUMNS).
CSV_NEEDED = (
    "request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
    "startTime", "endTime", "model", "model_id", "model_group", "custom_llm_provider", "user", "metadata",
    "cache_hit", "request_tags", "team_id", "organization_id", "end_user", "session_id", "status", "litellm_call_id",
)
METADATA_PATHS = (
    "$.status", "$.user_api_key_alias", "$.user_api_key_team_id", "$.user_api_key_team_alias",
    "$.user_api_key_org_id", "$.user_api_key_user_id", "$.cost_breakdown.original_cost",
    "$.cost_breakdown.total_cost", "$.model_map_information.model_map_key",
    "$.model_map_information.model_map_value", "$.spend_logs_metadata", "$.additional_usage_values",
    "$.usage_object",
)

TOKEN_COLUMNS = (
    "input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens",
    "reasoning_tokens", "audio_input_tokens", "audio_output_tokens", "image_input_tokens", "web_search_requests",
)


def _struct_literal(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"


def _leaf_sql(path: str) -> str:
    parts = path.split(".")
    return ".".join(f'"{p}"' for p in parts)


def _connect(read_only_db: str | None = None):
    import duckdb

    con = duckdb.connect(read_only_db or ":memory:", read_only=bool(read_only_db))
    con.execute("SET TimeZone = 'UTC'")
    return con


def floor_jsonl(path: str) -> dict:
    con = _connect()
    counts = ", ".join(f"count({_leaf_sql(p)})" for p in JSONL_LEAVES)
    row = con.execute(
        f"SELECT count(*), sum(prompt_tokens), {counts} FROM read_json(?, format='newline_delimited',"
        f" columns={_struct_literal(JSONL_COLUMNS)})",
        [path],
    ).fetchone()
    return {"rows": row[0], "prompt_tokens": int(row[1] or 0), "fields": len(JSONL_LEAVES)}


def _csv_columns(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    return {name: CSV_TYPES.get(name, "VARCHAR") for name in header}


def floor_csv(path: str, parse_json: bool = False) -> dict:
    con = _connect()
    columns = _csv_columns(path)
    needed = [c for c in CSV_NEEDED if c in columns]
    counts = ", ".join(f'count("{c}")' for c in needed)
    extra = ""
    if parse_json:
        paths = ", ".join(f"'{p}'" for p in METADATA_PATHS)
        extra = (f", count(json_extract_string(metadata, [{paths}])[2]),"
                 " count(CAST(request_tags AS JSON)->>'$[0]')")
    row = con.execute(
        f"SELECT count(*), sum(prompt_tokens), {counts}{extra} FROM read_csv(?, header=true, delim=',', quote='\"',"
        f" escape='\"', auto_detect=false, columns={_struct_literal(columns)}, max_line_size=67108864)",
        [path],
    ).fetchone()
    return {"rows": row[0], "prompt_tokens": int(row[1] or 0), "fields": len(needed), "metadata_parsed": parse_json}


def _stored(read_sql: str, path: str) -> dict:
    """Write the rows of `read_sql` (one `?` for the path) into a fresh DuckDB file."""
    import shutil
    import tempfile
    from pathlib import Path

    import duckdb

    folder = Path(tempfile.mkdtemp(prefix="litecost-floor-"))
    try:
        con = duckdb.connect(str(folder / "floor.duckdb"), config={"memory_limit": "1GB"})
        con.execute(f"CREATE TABLE calls AS {read_sql}", [path])
        rows, prompt = con.execute("SELECT count(*), sum(prompt_tokens) FROM calls").fetchone()
        con.close()
        return {"rows": rows, "prompt_tokens": int(prompt or 0), "bytes_written": (folder / "floor.duckdb").stat().st_size}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def floor_jsonl_store(path: str) -> dict:
    return _stored(
        f"SELECT * FROM read_json(?, format='newline_delimited', columns={_struct_literal(JSONL_COLUMNS)})", path
    )


def floor_csv_store(path: str) -> dict:
    columns = _csv_columns(path)
    needed = ", ".join(f'"{c}"' for c in CSV_NEEDED if c in columns)
    return _stored(
        f"SELECT {needed} FROM read_csv(?, header=true, delim=',', quote='\"', escape='\"', auto_detect=false,"
        # The buffer must hold max_line_size; its default (16 lines) exceeds the memory limit.
        f" columns={_struct_literal(columns)}, max_line_size=67108864, buffer_size=268435456)",
        path,
    )


def floor_parquet(path: str) -> dict:
    """read_parquet of the SpendLogs columns litecost reads, each materialised."""
    con = _connect()
    present = {r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()}
    needed = [c for c in CSV_NEEDED if c in present]
    # count(column) alone is answered from Parquet's statistics: sum the text lengths instead.
    counts = ", ".join(f'sum(length("{c}"::VARCHAR))' for c in needed)
    row = con.execute(f"SELECT count(*), sum(prompt_tokens::BIGINT), {counts} FROM read_parquet(?)", [path]).fetchone()
    return {"rows": row[0], "prompt_tokens": int(row[1] or 0), "fields": len(needed)}


def floor_parquet_store(path: str) -> dict:
    con = _connect()
    present = {r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()}
    con.close()
    needed = ", ".join(f'"{c}"' for c in CSV_NEEDED if c in present)
    return _stored(f"SELECT {needed} FROM read_parquet(?)", path)


def _sums(prefix: str = "") -> str:
    return ", ".join([f"sum({prefix}{c})" for c in TOKEN_COLUMNS] + [f"sum({prefix}logged_cost)"])


def floor_report(db: str, variant: str) -> dict:
    con = _connect(db)
    scoped = f"SELECT * FROM calls WHERE start_time >= TIMESTAMPTZ '{PERIOD_START}' AND start_time < TIMESTAMPTZ '{PERIOD_END}'"
    if variant in ("tag", "tag-even"):
        sql = (
            f"SELECT tag, count(*), count(*) FILTER (WHERE status = 'failure'), {_sums()} FROM ("
            f"SELECT unnest(CASE WHEN len(tags) = 0 THEN ['(untagged)'] ELSE tags END) AS tag, * FROM ({scoped}))"
            " GROUP BY tag"
        )
    elif variant == "team-model":
        sql = (
            f"SELECT coalesce(team_alias, team_id, '(no team)'), model, count(*), count(*) FILTER (WHERE status = 'failure'),"
            f" {_sums()} FROM ({scoped}) GROUP BY ALL"
        )
    else:
        raise SystemExit(f"unknown report variant {variant}")
    rows = con.execute(sql).fetchall()
    total = con.execute(f"SELECT count(*), {_sums()} FROM ({scoped})").fetchone()
    return {"groups": len(rows), "calls": total[0]}


def floor_reconcile(db: str) -> dict:
    con = _connect(db)
    sums = ", ".join(f"sum({c})" for c in TOKEN_COLUMNS)
    hourly = con.execute(
        f"SELECT provider, model, date_trunc('hour', start_time), count(*), sum(logged_cost), {sums} FROM calls"
        f" WHERE start_time >= TIMESTAMPTZ '{PERIOD_START}' - INTERVAL 14 HOUR"
        f" AND start_time < TIMESTAMPTZ '{PERIOD_END}' + INTERVAL 14 HOUR AND NOT cache_hit GROUP BY ALL"
    ).fetchall()
    invoice = con.execute(
        "SELECT provider, model_raw, model, kind, category, date_trunc('day', period_start), sum(quantity), sum(amount)"
        " FROM invoice_lines GROUP BY ALL"
    ).fetchall()
    return {"hourly_groups": len(hourly), "invoice_groups": len(invoice)}


def pandas_jsonl(path: str) -> dict:
    import pandas as pd

    df = pd.read_json(path, lines=True, dtype=False)
    meta = pd.json_normalize(df["metadata"].tolist())
    hidden = pd.json_normalize(df["hidden_params"].tolist())
    breakdown = pd.json_normalize([c or {} for c in df["cost_breakdown"].tolist()])
    mmi = pd.json_normalize([m or {} for m in df["model_map_information"].tolist()], max_level=0)

    def col(frame, name):
        return frame[name] if name in frame else pd.Series([None] * len(frame))

    out = pd.DataFrame({
        "request_id": df["id"], "start": pd.to_datetime(df["startTime"], unit="s", utc=True),
        "end": pd.to_datetime(df["endTime"], unit="s", utc=True), "status": df["status"],
        "provider": df["custom_llm_provider"], "model": df["model"], "model_group": df["model_group"],
        "key_hash": col(meta, "user_api_key_hash"), "key_alias": col(meta, "user_api_key_alias"),
        "team_id": col(meta, "user_api_key_team_id"), "team_alias": col(meta, "user_api_key_team_alias"),
        "user": col(meta, "user_api_key_user_id"), "tags": df["request_tags"],
        "prompt_tokens": df["prompt_tokens"], "completion_tokens": df["completion_tokens"],
        "cached_tokens": col(meta, "usage_object.prompt_tokens_details.cached_tokens"),
        "cache_creation": col(meta, "usage_object.prompt_tokens_details.cache_creation_tokens"),
        "reasoning": col(meta, "usage_object.completion_tokens_details.reasoning_tokens"),
        "hidden_cached": col(hidden, "usage_object.prompt_tokens_details.cached_tokens"),
        "cost": df["response_cost"], "original_cost": col(breakdown, "original_cost"),
        "map_key": col(mmi, "model_map_key"),
    })
    return {"rows": len(out), "prompt_tokens": int(out["prompt_tokens"].fillna(0).sum())}


def polars_jsonl(path: str) -> dict:
    import polars as pl

    usage = pl.Struct({
        "prompt_tokens": pl.Int64, "completion_tokens": pl.Int64,
        "prompt_tokens_details": pl.Struct({"cached_tokens": pl.Int64, "cache_creation_tokens": pl.Int64}),
        "completion_tokens_details": pl.Struct({"reasoning_tokens": pl.Int64}),
    })
    schema = {
        "id": pl.String, "startTime": pl.Float64, "endTime": pl.Float64, "status": pl.String,
        "custom_llm_provider": pl.String, "model": pl.String, "model_group": pl.String,
        "metadata": pl.Struct({"user_api_key_hash": pl.String, "user_api_key_alias": pl.String,
                               "user_api_key_team_id": pl.String, "user_api_key_team_alias": pl.String,
                               "user_api_key_user_id": pl.String, "usage_object": usage}),
        "hidden_params": pl.Struct({"usage_object": usage}),
        "request_tags": pl.List(pl.String), "prompt_tokens": pl.Int64, "completion_tokens": pl.Int64,
        "response_cost": pl.Float64, "cost_breakdown": pl.Struct({"original_cost": pl.Float64}),
        "model_map_information": pl.Struct({"model_map_key": pl.String}),
    }
    meta, details = pl.col("metadata").struct, pl.col("metadata").struct.field("usage_object").struct
    out = pl.scan_ndjson(path, schema=schema).select(
        pl.col("id").alias("request_id"),
        pl.from_epoch((pl.col("startTime") * 1e6).cast(pl.Int64), time_unit="us").alias("start"),
        pl.from_epoch((pl.col("endTime") * 1e6).cast(pl.Int64), time_unit="us").alias("end"),
        "status", pl.col("custom_llm_provider").alias("provider"), "model", "model_group",
        meta.field("user_api_key_hash").alias("key_hash"), meta.field("user_api_key_alias").alias("key_alias"),
        meta.field("user_api_key_team_id").alias("team_id"), meta.field("user_api_key_team_alias").alias("team_alias"),
        meta.field("user_api_key_user_id").alias("user"), pl.col("request_tags").alias("tags"),
        "prompt_tokens", "completion_tokens",
        details.field("prompt_tokens_details").struct.field("cached_tokens").alias("cached_tokens"),
        details.field("prompt_tokens_details").struct.field("cache_creation_tokens").alias("cache_creation"),
        details.field("completion_tokens_details").struct.field("reasoning_tokens").alias("reasoning"),
        pl.col("response_cost").alias("cost"), pl.col("cost_breakdown").struct.field("original_cost").alias("original_cost"),
        pl.col("model_map_information").struct.field("model_map_key").alias("map_key"),
    ).collect()
    return {"rows": out.height, "prompt_tokens": int(out["prompt_tokens"].fill_null(0).sum())}


def pandas_csv(path: str) -> dict:
    import pandas as pd

    df = pd.read_csv(path, usecols=lambda c: c in CSV_NEEDED, dtype=str, keep_default_na=False)
    meta = [json.loads(m) if m else {} for m in df["metadata"]]
    usage = [(m.get("usage_object") or {}) for m in meta]
    out = pd.DataFrame({
        "request_id": df["request_id"], "start": pd.to_datetime(df["startTime"], format="ISO8601", utc=True),
        "model": df["model"], "provider": df["custom_llm_provider"],
        "key_alias": [m.get("user_api_key_alias") for m in meta],
        "team_alias": [m.get("user_api_key_team_alias") for m in meta],
        "tags": [json.loads(t) if t else [] for t in df["request_tags"]],
        "prompt_tokens": pd.to_numeric(df["prompt_tokens"]),
        "cached_tokens": [((u.get("prompt_tokens_details") or {}).get("cached_tokens")) for u in usage],
        "spend": pd.to_numeric(df["spend"]),
        "original_cost": [(m.get("cost_breakdown") or {}).get("original_cost") for m in meta],
    })
    return {"rows": len(out), "prompt_tokens": int(out["prompt_tokens"].sum())}


def main(argv: list[str]) -> int:
    what, *args = argv
    if what == "floor-jsonl":
        result = floor_jsonl(args[0])
    elif what == "floor-csv":
        result = floor_csv(args[0])
    elif what == "floor-jsonl-store":
        result = floor_jsonl_store(args[0])
    elif what == "floor-csv-store":
        result = floor_csv_store(args[0])
    elif what == "floor-parquet":
        result = floor_parquet(args[0])
    elif what == "floor-parquet-store":
        result = floor_parquet_store(args[0])
    elif what == "floor-csv-json":
        result = floor_csv(args[0], parse_json=True)
    elif what == "floor-report":
        result = floor_report(args[0], args[1])
    elif what == "floor-reconcile":
        result = floor_reconcile(args[0])
    elif what == "floor-python":
        result = {}
    elif what == "pandas-jsonl":
        result = pandas_jsonl(args[0])
    elif what == "pandas-csv":
        result = pandas_csv(args[0])
    elif what == "polars-jsonl":
        result = polars_jsonl(args[0])
    else:
        raise SystemExit(f"unknown baseline {what!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
