"""What is in the store: tables, time range, ingest ledger, rejected records."""

from __future__ import annotations

from typing import Any

from litecost.memory import memory_settings
from litecost.store import SCHEMA_VERSION, Store, fetch_rows


def database_info(store: Store) -> dict[str, Any]:
    memory = memory_settings()
    first, last, calls = store.con.execute(
        "SELECT min(start_time), max(start_time), count(*) FROM calls"
    ).fetchone()
    return {
        "schema_version": 1,
        "path": str(store.path),
        "size_bytes": store.path.stat().st_size,
        "database_schema_version": store.applied_version() or SCHEMA_VERSION,
        "calls": calls,
        "first_call_utc": first,
        "last_call_utc": last,
        "tables": [{"table": name, "rows": count} for name, count in store.table_counts().items()],
        # The bound this machine and environment give every command (litecost.memory).
        "memory_limit_bytes": memory.limit_bytes,
        "memory_limit_origin": memory.origin,
        "temp_directory": str(memory.temp_dir or store.path.with_name(store.path.name + ".tmp")),
    }


def list_ingests(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    return fetch_rows(
        store.con,
        "SELECT ingest_id, path, kind, format, rows_read, inserted, duplicates, rejected, conflicts,"
        " source_tz, finished_at, blake3, sha256 FROM ingests ORDER BY ingest_id DESC LIMIT ?",
        [limit if limit is not None else 2**62],
    )


def list_rejects(store: Store, ingest_id: int | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    return fetch_rows(
        store.con,
        "SELECT ingest_id, path, line, reason, excerpt FROM rejects"
        " WHERE ? IS NULL OR ingest_id = ? ORDER BY ingest_id, line LIMIT ?",
        [ingest_id, ingest_id, limit if limit is not None else 2**62],
    )


def list_conflicts(store: Store, ingest_id: int | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    return fetch_rows(
        store.con,
        "SELECT ingest_id, path, line, request_id, differences FROM duplicate_conflicts"
        " WHERE ? IS NULL OR ingest_id = ? ORDER BY ingest_id, line LIMIT ?",
        [ingest_id, ingest_id, limit if limit is not None else 2**62],
    )
