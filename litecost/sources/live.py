"""Live sources named where a path goes: the proxy's PostgreSQL (`postgres.py`) and its
spend API (`spend_api.py`), each read from where its last read into the database stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from litecost.errors import LitecostError, UsageError
from litecost.sources import postgres, spend_api
from litecost.sources.detect import SourceFile


def is_live(text: str) -> bool:
    return postgres.is_postgres_dsn(text) or spend_api.is_spend_api_url(text)


def source_name(text: str) -> str:
    """How the source is shown and recorded (no password, key or query); a malformed URL is
    a usage error here, before anything is read."""
    return postgres.source_name(text) if postgres.is_postgres_dsn(text) else spend_api.source_name(text)


@dataclass
class LiveRead:
    source: SourceFile
    stopped: LitecostError | None = None  # it read part of its window: stored, then reported


def read_live(db: str | Path | None, text: str, *, since: datetime | None = None, until: datetime | None = None,
              overlap: timedelta = postgres.DEFAULT_OVERLAP, table: str = postgres.DEFAULT_TABLE,
              keep_payloads: bool = False, source_tz: str = "UTC", wait_seconds: float = 0.0,
              backoff_s: float = 1.0) -> LiveRead:
    """Read the live source `text` over the window that follows its earlier reads into `db`."""
    if since is not None and until is not None and until <= since:
        raise UsageError(f"--until {until.isoformat()} is not after --since {since.isoformat()}")
    database = postgres.is_postgres_dsn(text)
    last = postgres.last_pulled_into(db, source_name(text), table if database else spend_api.TABLE,
                                     wait_seconds=wait_seconds)
    window = postgres.pull_window(last, since, until, overlap)
    if database:
        return LiveRead(postgres.pull_spendlogs(text, window, table=table, keep_payloads=keep_payloads,
                                                source_tz=source_tz))
    read = spend_api.pull_spend_api(text, window.start, window.end, backoff_s=backoff_s)
    return LiveRead(read.source, read.stopped)
