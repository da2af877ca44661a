"""`litecost db ...`: look inside the store."""

from __future__ import annotations

from typing import Optional

import typer

from litecost.cli import options
from litecost.cli.common import LitecostGroup, OutputFormat, choose_format, db_path, write_output

app = typer.Typer(cls=LitecostGroup, help="Inspect the database: contents, ingest ledger, rejected records.", no_args_is_help=True)


def _open(ctx: typer.Context, wait: float):  # noqa: ANN202
    from litecost.store import Store

    return Store.open(db_path(ctx), read_only=True, wait_seconds=wait)


@app.command("info")
def info(ctx: typer.Context, fmt: Optional[OutputFormat] = options.FORMAT, wait: float = options.WAIT) -> None:
    """Tables and row counts, the time range of stored calls, the file size."""
    from litecost.dbinfo import database_info
    from litecost.cli.render import Column, render_rows

    fmt = choose_format(fmt)
    with _open(ctx, wait) as store:
        info_doc = database_info(store)
    if fmt is OutputFormat.json:
        from litecost.cli.render import to_json_document

        write_output(to_json_document(info_doc))
        return
    # Raw values (2371584, not "2,371,584 bytes"): the table adds the thousands separators.
    summary = [
        {"item": "database", "value": info_doc["path"]},
        {"item": "size (bytes)", "value": info_doc["size_bytes"]},
        {"item": "schema version", "value": info_doc["database_schema_version"]},
        {"item": "calls", "value": info_doc["calls"]},
        {"item": "first call (UTC)", "value": info_doc["first_call_utc"]},
        {"item": "last call (UTC)", "value": info_doc["last_call_utc"]},
        *({"item": f"table {t['table']} (rows)", "value": t["rows"]} for t in info_doc["tables"]),
        {"item": "memory limit (bytes)", "value": info_doc["memory_limit_bytes"]},
        {"item": "memory limit from", "value": info_doc["memory_limit_origin"]},
        {"item": "temp directory", "value": info_doc["temp_directory"]},
    ]
    write_output(render_rows(fmt.value, summary, [Column("item"), Column("value", kind="mixed")], document={"schema_version": 1}))


@app.command("ingests")
def ingests(
    ctx: typer.Context,
    limit: Optional[int] = options.LIMIT,
    fmt: Optional[OutputFormat] = options.FORMAT,
    wait: float = options.WAIT,
) -> None:
    """The ingest ledger: one row per ingested file with its counts."""
    from litecost.dbinfo import list_ingests
    from litecost.cli.render import Column, render_rows

    fmt = choose_format(fmt)
    with _open(ctx, wait) as store:
        rows = list_ingests(store, limit)
    # On a narrow terminal the digests, times and zone give way first; id, path and counts stay.
    columns = [
        Column("ingest_id", "id", "int"), Column("path"), Column("kind", give_way=40), Column("format", give_way=50),
        Column("rows_read", "read", "int"), Column("inserted", kind="int"), Column("duplicates", kind="int", give_way=20),
        Column("rejected", kind="int"), Column("conflicts", kind="int", give_way=30), Column("source_tz", give_way=60),
        # An ingest has the BLAKE3 of what it read, or, if stored before the ledger took BLAKE3 (schema 13), its SHA-256.
        Column("finished_at", "finished (UTC)", "time", give_way=80), Column("blake3", give_way=90),
        Column("sha256", give_way=100),
    ]
    write_output(render_rows(fmt.value, rows, columns, document={"schema_version": 1}, rows_key="ingests"))


def _ledger_rows(ctx: typer.Context, wait: float, fmt: Optional[OutputFormat], list_rows, columns, rows_key: str) -> None:  # noqa: ANN001
    """One of the ingest ledger's lists, in the chosen format."""
    from litecost.cli.render import render_rows

    fmt = choose_format(fmt)
    with _open(ctx, wait) as store:
        rows = list_rows(store)
    write_output(render_rows(fmt.value, rows, columns, document={"schema_version": 1}, rows_key=rows_key))


@app.command("rejects")
def rejects(
    ctx: typer.Context,
    ingest_id: Optional[int] = options.INGEST_ID,
    limit: Optional[int] = options.LIMIT,
    fmt: Optional[OutputFormat] = options.FORMAT,
    wait: float = options.WAIT,
) -> None:
    """Rejected input records: file, line, reason and a short redacted excerpt."""
    from litecost.cli.render import Column
    from litecost.dbinfo import list_rejects

    columns = [Column("ingest_id", "ingest", "int"), Column("path"), Column("line", kind="int"), Column("reason", prose=True),
               Column("excerpt", prose=True)]
    _ledger_rows(ctx, wait, fmt, lambda store: list_rejects(store, ingest_id, limit), columns, "rejects")


@app.command("conflicts")
def conflicts(
    ctx: typer.Context,
    ingest_id: Optional[int] = options.INGEST_ID,
    limit: Optional[int] = options.LIMIT,
    fmt: Optional[OutputFormat] = options.FORMAT,
    wait: float = options.WAIT,
) -> None:
    """Duplicate request ids whose content differed from the stored call (first version kept)."""
    from litecost.cli.render import Column
    from litecost.dbinfo import list_conflicts

    columns = [Column("ingest_id", "ingest", "int"), Column("path"), Column("line", kind="int"), Column("request_id"), Column("differences")]
    _ledger_rows(ctx, wait, fmt, lambda store: list_conflicts(store, ingest_id, limit), columns, "conflicts")
