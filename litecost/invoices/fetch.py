"""Fetch a provider's bill for a period from its admin API, save it, and hand it to the import.

Each report (OpenAI: the Costs API and the completions and embeddings Usage API; Anthropic:
the cost report and the messages usage report) is read page by page, following the `next_page` cursor, and
saved as it came — a JSON list of the page documents, the layout the adapters read — with a
sidecar `*.fetch.json` naming the endpoint, the request's parameters and the fetch time (never
the key), so a close is reproducible: the saved files import again to the same lines. Nothing
is saved unless every report of the provider was read whole. The import itself is
`importer.import_invoices`, which also supersedes an earlier fetch of the same period, as it
does a re-imported export.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from litecost import files
from litecost.errors import BadInputError, UsageError
from litecost.http import RetryingClient
from litecost.periods import Period

MAX_PAGES = 10_000  # a cursor that never ends is the server's bug, not a reason to run forever
# Buckets a page asks for, per width: the most both providers allow (a month of days; a week of hours).
BUCKETS_PER_PAGE = {"1d": 31, "1h": 168}


@dataclass(frozen=True)
class Report:
    name: str  # in the saved file's name: {provider}-{name}-{period}.json
    endpoint: str
    group_by: tuple[str, ...]  # always asked for: what the adapter needs to place a line
    groups: frozenset[str]  # every grouping the endpoint takes (--group-by adds to group_by)
    widths: tuple[str, ...] = ("1d",)  # bucket widths it takes; the cost reports only whole days


@dataclass(frozen=True)
class BillingApi:
    provider: str
    title: str
    base_url: str
    key_env: str
    key_hint: str  # where such a key comes from
    reports: tuple[Report, ...]
    group_param: str  # the query parameter of a grouping, repeated per value
    headers: Callable[[str], dict[str, str]]
    window: Callable[[Period], dict[str, object]]
    span: Callable[[dict], tuple[datetime, datetime]]  # a bucket's start and end


def _rfc3339_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _unix_instant(seconds: int | float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _rfc3339(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


APIS = {
    "openai": BillingApi(
        "openai", "OpenAI admin API", "https://api.openai.com", "OPENAI_ADMIN_KEY",
        "an admin key (sk-admin-…) from platform.openai.com → Settings → Admin keys; a project or user API key cannot read costs",
        (
            Report("costs", "/v1/organization/costs", ("line_item", "project_id"),
                   frozenset({"line_item", "project_id", "api_key_id"})),
            Report("usage-completions", "/v1/organization/usage/completions", ("model", "project_id", "batch", "service_tier"),
                   frozenset({"project_id", "user_id", "api_key_id", "model", "batch", "service_tier"}), ("1d", "1h")),
            Report("usage-embeddings", "/v1/organization/usage/embeddings", ("model", "project_id"),
                   frozenset({"project_id", "user_id", "api_key_id", "model"}), ("1d", "1h")),
        ),
        "group_by",
        lambda key: {"Authorization": f"Bearer {key}"},
        lambda period: {"start_time": int(period.start.timestamp()), "end_time": int(period.end.timestamp())},
        lambda bucket: (_unix_instant(bucket["start_time"]), _unix_instant(bucket["end_time"])),
    ),
    "anthropic": BillingApi(
        "anthropic", "Anthropic Admin API", "https://api.anthropic.com", "ANTHROPIC_ADMIN_KEY",
        "an admin key (sk-ant-admin…) from console.anthropic.com → Settings → Admin keys; an API key cannot read costs",
        (
            Report("cost-report", "/v1/organizations/cost_report", ("workspace_id", "description"),
                   frozenset({"workspace_id", "description"})),
            Report("usage-messages", "/v1/organizations/usage_report/messages",
                   ("model", "workspace_id", "service_tier", "context_window", "inference_geo"),
                   frozenset({"api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo",
                              "account_id", "service_account_id"}), ("1d", "1h")),
        ),
        "group_by[]",
        lambda key: {"x-api-key": key, "anthropic-version": "2023-06-01"},
        lambda period: {"starting_at": _rfc3339(period.start), "ending_at": _rfc3339(period.end)},
        lambda bucket: (_rfc3339_instant(bucket["starting_at"]), _rfc3339_instant(bucket["ending_at"])),
    ),
}


@dataclass(frozen=True)
class Fetched:
    report: str
    path: Path  # the saved pages
    sidecar: Path  # what was asked, when
    pages: int


@dataclass(frozen=True)
class EdgeBucket:
    """A bucket the API answered that reaches outside the period: imported whole (what the
    provider billed for its span cannot be split), so the import's period, and the window
    `reconcile` compares by default, runs to its end."""

    report: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class FetchRun:
    saved: list[Fetched]
    requests: int  # over all reports, retries included
    edge_buckets: list[EdgeBucket]


def fetch_bill(provider: str, period: Period, directory: Path, *, base_url: str | None = None,
               bucket: str = "1d", group_by: tuple[str, ...] = (), backoff_s: float = 1.0,
               on_page: Callable[[str, int], None] | None = None) -> FetchRun:
    """Every bucket of each of `provider`'s reports in `period` (whole UTC days), saved under
    `directory`: `bucket` wide where the report takes it (the cost reports are daily only),
    grouped as the adapters need and by `group_by` too where the report takes it.
    `on_page(report, pages)` hears each page as it arrives."""
    api = APIS[provider]
    if bucket not in BUCKETS_PER_PAGE:
        raise UsageError(f"--bucket {bucket!r} is not one of {', '.join(BUCKETS_PER_PAGE)}")
    takes = frozenset().union(*(report.groups for report in api.reports))
    unknown = [g for g in group_by if g not in takes]
    if unknown:
        raise UsageError(f"--group-by {unknown[0]!r}: the {api.title} reports group by {', '.join(sorted(takes))}",
                         hint="give one of those (repeat --group-by for more)")
    key = os.environ.get(api.key_env)
    if not key:
        raise UsageError(f"no {api.title} key: set {api.key_env}", hint=f"{api.key_hint}; never on the command line")
    if period.tz != "UTC" or period.start.astimezone(timezone.utc).time() != datetime.min.time():
        raise UsageError(f"the {api.title} bills whole UTC days; {period.label} in {period.tz} is not",
                         hint="give the period in UTC (the default)")
    origin = (base_url or api.base_url).rstrip("/")
    name = f"{api.title} ({origin})"
    read: list[tuple[Report, str, dict[str, object], list[bytes], list[tuple[datetime, datetime]]]] = []
    with RetryingClient(name, api.headers(key), f"set {api.key_env} to {api.key_hint}", backoff_s=backoff_s) as client:
        for report in api.reports:
            url = origin + report.endpoint
            width = bucket if bucket in report.widths else "1d"
            groups = [*report.group_by, *(g for g in group_by if g in report.groups and g not in report.group_by)]
            params = {**api.window(period), "bucket_width": width, api.group_param: groups,
                      "limit": BUCKETS_PER_PAGE[width]}
            heard = (lambda n, r=report.name: on_page(r, n)) if on_page else (lambda n: None)
            read.append((report, url, params, *_pages(client, url, params, name, api.span, heard)))
        requests = client.requests
    edges = [EdgeBucket(report.name, *span) for report, _, _, _, spans in read
             for span in spans if span[0] < period.start or span[1] > period.end]
    fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    saved = []
    for report, url, params, pages, _ in read:
        stem = f"{provider}-{report.name}-{period.label}"
        path = _write_atomically(directory / f"{stem}.json", b"[\n" + b",\n".join(pages) + b"\n]\n")
        sidecar = _write_atomically(directory / f"{stem}.fetch.json", json.dumps({
            "provider": provider, "report": report.name, "endpoint": url, "params": params, "pages": len(pages),
            "fetched_at": fetched_at,
            "period": {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()},
        }, indent=2).encode() + b"\n")
        saved.append(Fetched(report.name, path, sidecar, len(pages)))
    return FetchRun(saved, requests, edges)


def _pages(client: RetryingClient, url: str, params: dict[str, object], name: str,
           span: Callable[[dict], tuple[datetime, datetime]],
           on_page: Callable[[int], object]) -> tuple[list[bytes], list[tuple[datetime, datetime]]]:
    """Every page of `url`, as it came, and every bucket's start and end (`span`), in order."""
    pages: list[bytes] = []
    spans: list[tuple[datetime, datetime]] = []
    cursor = None
    while True:
        body = client.get(url, {**params, **({"page": cursor} if cursor else {})})
        try:
            page = json.loads(body)
            has_more, cursor = bool(page.get("has_more")), page.get("next_page")
            if not isinstance(page.get("data"), list):
                raise TypeError
        except (ValueError, TypeError, AttributeError, RecursionError):  # nested too deep for Python, too
            raise BadInputError(f"{name}: the answer of {url} is not a page of buckets",
                                hint="check --base-url; nothing was stored") from None
        try:
            spans.extend(span(bucket) for bucket in page["data"])
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            raise BadInputError(f"{name}: a bucket without a readable start and end",
                                hint="check --base-url; nothing was stored") from None
        pages.append(body)
        on_page(len(pages))
        if not has_more:
            return pages, spans
        if not cursor or len(pages) >= MAX_PAGES:
            raise BadInputError(f"{name}: page {len(pages)} of {url} says there is more but gives no next page",
                                hint="run again later; nothing was stored")


def _write_atomically(target: Path, data: bytes) -> Path:
    """`data` into `target` (a regular file, or none yet) in a folder made as needed."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot make {target.parent}: {exc.strerror or exc}",
                         hint="give --dir a folder you may write") from None
    if target.exists() and not target.is_file():
        raise UsageError(f"{target} exists and is not a file", hint="give --dir a folder of your own")
    files.write_atomically(target, data)
    return target
