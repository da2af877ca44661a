"""A live source: the LiteLLM proxy's own PostgreSQL, its `LiteLLM_SpendLogs` table.

`pull_spendlogs` copies the rows of a window of `"startTime"` out of the proxy's database
with one server-side `COPY (SELECT …) TO STDOUT (FORMAT csv, HEADER)` — the layout of a
`psql \\copy … CSV HEADER` export, so the SpendLogs CSV reader takes it as it takes such a
file — into a temporary file, streamed in the blocks the server sends (nothing is parsed in
Python). Only the columns litecost reads are selected: prompts and responses never leave
the server unless asked for. The window starts where the last pull of the same source
ended, less an overlap (LiteLLM writes spend logs in batches, and a call when it ends), so
a rerun reads little and stores nothing twice (rows are deduplicated by `request_id`).

The password never appears in what litecost shows or stores: a source is named by its
DSN without it (`source_name`), and libpq's own ways to supply it (`PGPASSWORD`,
`~/.pgpass`, a service file) work as they do for psql.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from litecost import files
from litecost.errors import BadInputError, SourceUnavailableError, UsageError
from litecost.redact import redact
from litecost.sources.detect import KnownDigest, LivePull, SourceFile
from litecost.sources.spendlogs import PAYLOAD_COLUMNS, SPENDLOGS_COLUMNS

SCHEMES = ("postgresql://", "postgres://")
DEFAULT_TABLE = "LiteLLM_SpendLogs"
# A rerun reads again the calls that started this long before the newest one read.
DEFAULT_OVERLAP = timedelta(hours=1)
CONNECT_TIMEOUT_S = 10
_REQUIRED = ("request_id", "startTime")


def is_postgres_dsn(text: str) -> bool:
    return text.startswith(SCHEMES)


def source_name(dsn: str) -> str:
    """The DSN as litecost shows and records it: `postgresql://user@host:port/dbname`,
    without a password or any other parameter."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - psycopg's ProgrammingError; its text may quote the DSN
        raise UsageError(f"{_without_password(dsn)} is not a PostgreSQL connection URL",
                         hint="write postgresql://USER@HOST:PORT/DBNAME (the password from PGPASSWORD or ~/.pgpass)") from None
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = str(parts.get("host") or "")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname') or ''}"


def _without_password(dsn: str) -> str:
    """`dsn` with the password of its user part, or a password parameter, taken out (for a
    DSN too broken to parse)."""
    import re

    text = re.sub(r"^(\w+://[^:/@]*):[^@]*@", r"\1:[REDACTED]@", dsn)
    return redact(re.sub(r"(?i)(password=)[^&]*", r"\1[REDACTED]", text))


@dataclass(frozen=True)
class Window:
    """The `"startTime"` window of a pull, UTC; None: unbounded on that side."""

    start: datetime | None
    end: datetime | None


def pull_window(last_newest: datetime | None, since: datetime | None, until: datetime | None,
                overlap: timedelta = DEFAULT_OVERLAP) -> Window:
    """Where a pull starts: `since` when given (a backfill), else the newest `"startTime"`
    an earlier pull of the source read, less `overlap`, else the first row."""
    start = since if since is not None else (last_newest - overlap if last_newest is not None else None)
    return Window(start, until)


def pull_spendlogs(dsn: str, window: Window, *, table: str = DEFAULT_TABLE, keep_payloads: bool = False,
                   source_tz: str = "UTC") -> SourceFile:
    """Copy the rows of `window` out of `table` into a temporary SpendLogs CSV; the returned
    source is read by ingest like an exported file and records the pull (`LivePull`).

    Raises `SourceUnavailableError` when the server cannot be reached, `UsageError` for
    refused credentials, `BadInputError` when the table is missing or is not LiteLLM's.
    """
    import psycopg
    from psycopg import sql

    name = source_name(dsn)
    zone = ZoneInfo(source_tz)
    scratch = tempfile.TemporaryDirectory(prefix="litecost-pg-")
    target = Path(scratch.name) / "spendlogs.csv"
    try:
        conn = psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT_S, application_name="litecost")
    except psycopg.OperationalError as exc:
        scratch.cleanup()
        raise _connection_error(name, dsn, exc) from None
    try:
        with conn:
            # One snapshot for the columns, the rows and their newest time.
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            columns = _table_columns(conn, name, table)
            wanted = [c for c in (*SPENDLOGS_COLUMNS, *(PAYLOAD_COLUMNS if keep_payloads else ())) if c in columns]
            conditions, params = [], []
            if window.start is not None:
                conditions.append(sql.SQL('"startTime" >= %s'))
                params.append(_naive(window.start, zone))
            if window.end is not None:
                conditions.append(sql.SQL('"startTime" < %s'))
                params.append(_naive(window.end, zone))
            where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")
            relation = sql.Identifier(table)
            # In the table's own order: an ORDER BY "startTime" made the server's COPY of 1M rows
            # take 51 s instead of 31 s, and a row's place in a pull means nothing to anyone.
            query = sql.SQL("SELECT {columns} FROM {table}{where}").format(
                columns=sql.SQL(", ").join(sql.Identifier(c) for c in wanted), table=relation, where=where)
            with conn.cursor() as cur:
                with cur.copy(sql.SQL("COPY ({}) TO STDOUT (FORMAT csv, HEADER)").format(query), params) as copy, \
                        _Sink(target) as sink:
                    for row in copy:  # the server sends a row per message: gathered into blocks
                        sink.add(row)
                newest = cur.execute(
                    sql.SQL('SELECT max("startTime") FROM {table}{where}').format(table=relation, where=where), params
                ).fetchone()[0]
    except psycopg.OperationalError as exc:
        scratch.cleanup()
        raise _connection_error(name, dsn, exc) from None
    except psycopg.Error as exc:
        scratch.cleanup()
        raise BadInputError(f"{name}: reading {table} failed: {_first_line(exc, dsn)}",
                            hint="check that this is the LiteLLM proxy's database; nothing was stored") from None
    except OSError as exc:
        scratch.cleanup()
        raise UsageError(f"{name}: cannot write the rows read into {target}: {exc.strerror or exc}",
                         hint="free space in TMPDIR or point TMPDIR at a larger disk; nothing was stored") from None
    except BaseException:
        scratch.cleanup()
        raise
    digest, lines, size = sink.digest.hexdigest(), sink.lines, sink.size
    pull = LivePull(name, table, window.start, window.end,
                    newest.replace(tzinfo=zone).astimezone(timezone.utc) if newest is not None else None)
    return SourceFile(
        path=target, kind="spendlogs", format="csv", compressed=False, size_bytes=size,
        digest=KnownDigest(files.Digest(digest, lines)), columns=tuple(wanted),
        label=f"{name} ({table})", pull=pull, scratch=scratch,
    )


class _Sink:
    """The rows COPY sends, written, hashed and counted in blocks of `BLOCK` bytes."""

    BLOCK = 1 << 20

    def __init__(self, target: Path) -> None:
        self.out = open(target, "wb")  # noqa: SIM115 - closed by __exit__
        self.buffer = bytearray()
        self.digest = files.log_digest()
        self.lines = self.size = 0

    def add(self, data: memoryview) -> None:
        self.buffer += data
        if len(self.buffer) >= self.BLOCK:
            self.flush()

    def flush(self) -> None:
        self.out.write(self.buffer)
        self.digest.update(self.buffer)
        self.lines += self.buffer.count(b"\n")
        self.size += len(self.buffer)
        self.buffer.clear()

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self.flush()
        finally:
            self.out.close()


def _table_columns(conn, name: str, table: str) -> set[str]:  # noqa: ANN001
    found = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
        ['"' + table.replace('"', '""') + '"'],
    ).fetchall()
    if not found:
        raise BadInputError(f"{name}: no table {table!r}",
                            hint="point at the LiteLLM proxy's database (its DATABASE_URL), or name the table with --table")
    columns = {row[0] for row in found}
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise BadInputError(f"{name}: table {table!r} has no column {', '.join(missing)}: not LiteLLM's SpendLogs",
                            hint="point at the LiteLLM proxy's LiteLLM_SpendLogs table")
    return columns


def _naive(moment: datetime, zone: ZoneInfo) -> datetime:
    """A UTC instant as the proxy's `timestamp(3)` column holds it: naive, in `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None)


def _first_line(exc: Exception, dsn: str) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    from psycopg.conninfo import conninfo_to_dict

    try:
        password = conninfo_to_dict(dsn).get("password")
    except Exception:  # noqa: BLE001
        password = None
    if password:
        text = text.replace(str(password), "[REDACTED]")
    return redact(text)


def _connection_error(name: str, dsn: str, exc: Exception) -> Exception:
    reason = _first_line(exc, dsn).removeprefix("connection failed: ")
    lowered = reason.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered or "authentication failed" in lowered:
        return UsageError(f"{name}: the server refused the credentials: {reason}",
                          hint="set PGPASSWORD or a ~/.pgpass line for this user (never the command line)")
    if "does not exist" in lowered:  # the database or the role
        return UsageError(f"{name}: {reason}", hint="check the user and database name in the URL")
    return SourceUnavailableError(f"{name}: cannot connect: {reason}",
                                  hint="check that the server is up and reachable; nothing was stored, run again later")


def parse_overlap(text: str) -> timedelta:
    """`--overlap`: 0, or a number with a unit: 90s, 30m, 2h, 1d."""
    import re

    match = re.fullmatch(r"\s*(\d{1,6})\s*([smhd]?)\s*", text)
    if not match or (match[2] == "" and match[1] != "0"):
        raise UsageError(f"--overlap {text!r} is not a duration", hint="write 0, or a number with s, m, h or d: 30m, 2h")
    return timedelta(seconds=int(match[1]) * {"": 0, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]])


def last_pulled_into(db: str | Path | None, source: str, table: str, *, wait_seconds: float = 0.0) -> datetime | None:
    """The newest `"startTime"` earlier pulls of `source` stored in the database at `db`
    (read-only: a pull that fails leaves no trace, not even a new database)."""
    from litecost.sources.ingest import last_pulled
    from litecost.store import Store, resolve_db_path

    if not resolve_db_path(db).exists():
        return None
    with Store.open(db, read_only=True, wait_seconds=wait_seconds) as store:
        return last_pulled(store, source, table)
