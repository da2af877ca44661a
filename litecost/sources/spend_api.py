"""A live source: the LiteLLM proxy's `GET /spend/logs/v2`, for teams without access to its
database.

The endpoint (LiteLLM 1.110, `spend_management_endpoints.ui_view_spend_logs`) needs
`start_date` and `end_date` (UTC, `YYYY-MM-DD HH:MM:SS`, both inclusive), pages with
`page` / `page_size` (at most 1,000) over rows ordered by `"startTime"` only — OFFSET
pages shift when rows arrive or are purged while they are read, and rows that share a
start time have no fixed order. So this reads by time, not by offset: a window whose
`total` exceeds one page is cut in two at a whole second, again and again, until each
part fits one page; only a single second holding more than a page of calls is paged.
Parts are read oldest first and their bodies written one after another into one file,
which the SpendLogs JSON-page reader takes whole (nothing is parsed per row in Python).

A part that keeps failing (after retries of 429 and 5xx, honouring `Retry-After`) ends the
read: the parts before it are kept and ingested, the read is recorded as ending where
they end, and `SourceUnavailableError` follows, so the next run goes on from there.
The key comes from `LITECOST_PROXY_KEY` or `LITELLM_API_KEY`, never the command line.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from litecost import files
from litecost.errors import BadInputError, LitecostError, SourceUnavailableError, UsageError
from litecost.http import RetryingClient
from litecost.redact import redact
from litecost.sources.detect import KnownDigest, LivePull, SourceFile

SCHEMES = ("http://", "https://")
ENDPOINT = "/spend/logs/v2"
KEY_VARIABLES = ("LITECOST_PROXY_KEY", "LITELLM_API_KEY")
PAGE_SIZE = 1000  # the endpoint's maximum
TABLE = "/spend/logs/v2"  # the `table` of its pulls in the ledger
# The first read of a source with neither a cursor nor --since starts here (the endpoint
# needs a start; LiteLLM's proxy did not exist before).
EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)


def is_spend_api_url(text: str) -> bool:
    return text.startswith(SCHEMES)


def source_name(url: str) -> str:
    """The URL as shown and recorded: scheme, host, port and path; no user, password or query."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = -1
    if not parts.hostname or port == -1 or not parts.path.rstrip("/").endswith(ENDPOINT):
        raise UsageError(f"{_shown(url)} is not a LiteLLM spend-logs URL",
                         hint=f"give the proxy's endpoint, such as https://proxy.example{ENDPOINT}")
    host = parts.hostname + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def _shown(url: str) -> str:
    """`url` without user, password or query, for an error about the URL itself."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return redact(urlunsplit((parts.scheme, netloc, parts.path, "", "")))


def proxy_key() -> str:
    for name in KEY_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    raise UsageError("no key for the proxy's spend API",
                     hint=f"set {KEY_VARIABLES[0]} (or {KEY_VARIABLES[1]}) to a key that may read {ENDPOINT}")


@dataclass(frozen=True)
class _Part:
    start: datetime  # whole seconds, UTC, inclusive
    end: datetime  # whole seconds, UTC, inclusive


class _Client:
    """The endpoint's pages, through `RetryingClient`."""

    def __init__(self, url: str, key: str, name: str, *, backoff_s: float = 1.0) -> None:
        self.url, self.name = url, name
        self.http = RetryingClient(
            name, {"Authorization": f"Bearer {key}"},
            f"set {KEY_VARIABLES[0]} to a key that may read {ENDPOINT} (the proxy's master key or an admin key)",
            backoff_s=backoff_s)

    def close(self) -> None:
        self.http.close()

    def page(self, part: _Part, page: int) -> tuple[bytes, dict]:
        import orjson

        params = {"start_date": f"{part.start:%Y-%m-%d %H:%M:%S}", "end_date": f"{part.end:%Y-%m-%d %H:%M:%S}",
                  "page": page, "page_size": PAGE_SIZE, "sort_by": "startTime", "sort_order": "asc"}
        body = self.http.get(self.url, params)
        try:
            doc = orjson.loads(body)
            rows, total = doc["data"], int(doc["total"])
            if not isinstance(rows, list):
                raise TypeError
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise BadInputError(f"{self.name}: the answer is not a {ENDPOINT} page",
                                hint="check the URL: the proxy's spend-logs endpoint; nothing was stored") from None
        return body, {"total": total, "rows": len(rows)}


@dataclass
class SpendApiRead:
    """A read of the endpoint: the source to ingest, and why it stopped early (None: it did not)."""

    source: SourceFile
    stopped: LitecostError | None = None


def pull_spend_api(url: str, start: datetime | None, end: datetime | None, *, backoff_s: float = 1.0,
                   now: datetime | None = None) -> SpendApiRead:
    """Read every call that started in [start, end) (UTC; None: from `EPOCH`, to now) into
    one file of pages."""
    name = source_name(url)
    key = proxy_key()
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    first = (start or EPOCH).replace(microsecond=0)  # the endpoint reads whole seconds
    # [start, end) as inclusive seconds: a call in end's first millisecond is read and kept.
    last = end.replace(microsecond=0) if end is not None else now
    scratch = tempfile.TemporaryDirectory(prefix="litecost-api-")
    target = Path(scratch.name) / "spend-logs-pages.json"
    client = _Client(url, key, name, backoff_s=backoff_s)
    digest, size, done_until, stopped = files.log_digest(), 0, None, None
    try:
        with open(target, "wb") as out:
            def keep(body: bytes) -> None:
                nonlocal size
                out.write(body + b"\n")
                digest.update(body + b"\n")
                size += len(body) + 1

            pending = [_Part(first, max(last, first + timedelta(seconds=1)))]
            try:
                while pending:
                    part = pending.pop()
                    body, page = client.page(part, 1)
                    span = int((part.end - part.start).total_seconds())
                    if page["total"] > page["rows"] and span > 1:
                        # The halves share their middle second's first millisecond (the bounds
                        # are inclusive whole seconds): a call there is read twice, stored once.
                        middle = part.start + timedelta(seconds=span // 2)
                        pending.append(_Part(middle, part.end))  # oldest first: this one after
                        pending.append(_Part(part.start, middle))
                        continue
                    keep(body)
                    number = 1
                    while number * PAGE_SIZE < page["total"]:  # one second with more than a page of calls
                        number += 1
                        body, page = client.page(part, number)
                        keep(body)
                    done_until = part.end
            except SourceUnavailableError as exc:
                if done_until is None:
                    raise
                stopped = SourceUnavailableError(
                    f"{exc.message}; the calls that started up to {done_until:%Y-%m-%d %H:%M:%S} UTC were read and stored",
                    hint="the next run goes on from there")
    except BaseException:
        client.close()
        scratch.cleanup()
        raise
    client.close()
    window_end = (done_until + timedelta(seconds=1)) if stopped is not None else end
    pull = LivePull(name, TABLE, start, window_end, None)
    source = SourceFile(
        path=target, kind="spendlogs", format="json_page" if size else "empty", compressed=False, size_bytes=size,
        digest=KnownDigest(files.Digest(digest.hexdigest(), None)), label=name, pull=pull, scratch=scratch,
    )
    return SpendApiRead(source, stopped)
