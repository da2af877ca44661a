"""Fetch a provider's bill for a period from its admin API, save it, and hand it to the import.

The pages are saved as they came (a JSON list of the page documents, the layout the OpenAI
Costs adapter reads) with a sidecar `*.fetch.json` naming the endpoint, the request's
parameters and the fetch time — never the key — so a close is reproducible: the saved file
imports again to the same lines. The import itself is `importer.import_invoices`, which also
supersedes an earlier fetch of the same period, as it does a re-imported export.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from litecost import files
from litecost.errors import BadInputError, UsageError
from litecost.http import RetryingClient
from litecost.periods import Period

OPENAI_BASE_URL = "https://api.openai.com"
OPENAI_COSTS = "/v1/organization/costs"
OPENAI_KEY = "OPENAI_ADMIN_KEY"
OPENAI_BUCKETS_PER_PAGE = 31  # a month of daily buckets (the API allows 1–180; default 7)
MAX_PAGES = 10_000  # a cursor that never ends is the server's bug, not a reason to run forever


@dataclass(frozen=True)
class Fetched:
    path: Path  # the saved pages
    sidecar: Path  # what was asked, when
    pages: int
    requests: int  # including retries


def fetch_openai_costs(period: Period, directory: Path, *, base_url: str = OPENAI_BASE_URL,
                       backoff_s: float = 1.0) -> Fetched:
    """Every daily bucket of the Costs API in `period` (UTC days), grouped by line item and
    project, saved under `directory`."""
    key = os.environ.get(OPENAI_KEY)
    if not key:
        raise UsageError(f"no OpenAI admin key: set {OPENAI_KEY}",
                         hint="an admin key (sk-admin-…) from platform.openai.com → Settings → Admin keys; never the command line")
    if period.tz != "UTC" or period.start.astimezone(timezone.utc).time() != datetime.min.time():
        raise UsageError(f"the Costs API bills whole UTC days; {period.label} in {period.tz} is not",
                         hint="give the period in UTC (the default)")
    url = base_url.rstrip("/") + OPENAI_COSTS
    params: dict[str, object] = {
        "start_time": int(period.start.timestamp()), "end_time": int(period.end.timestamp()),
        "bucket_width": "1d", "group_by": ["line_item", "project_id"], "limit": OPENAI_BUCKETS_PER_PAGE,
    }
    name = f"OpenAI Costs API ({base_url.rstrip('/')})"
    pages: list[bytes] = []
    with RetryingClient(name, {"Authorization": f"Bearer {key}"},
                        f"set {OPENAI_KEY} to an admin key (a project or user API key cannot read costs)",
                        backoff_s=backoff_s) as client:
        cursor = None
        while True:
            body = client.get(url, {**params, **({"page": cursor} if cursor else {})})
            try:
                page = json.loads(body)
                has_more, cursor = bool(page.get("has_more")), page.get("next_page")
                if not isinstance(page.get("data"), list):
                    raise TypeError
            except (ValueError, TypeError, AttributeError):
                raise BadInputError(f"{name}: the answer is not a Costs API page",
                                    hint="check --base-url; nothing was stored") from None
            pages.append(body)
            if not has_more:
                break
            if not cursor or len(pages) >= MAX_PAGES:
                raise BadInputError(f"{name}: page {len(pages)} says there is more but gives no next page",
                                    hint="run again later; nothing was stored")
        requests = client.requests
    stem = f"openai-costs-{period.label}"
    path = _write_atomically(directory / f"{stem}.json", b"[\n" + b",\n".join(pages) + b"\n]\n")
    sidecar = _write_atomically(directory / f"{stem}.fetch.json", json.dumps({
        "provider": "openai", "endpoint": url, "params": params, "pages": len(pages),
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "period": {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()},
    }, indent=2).encode() + b"\n")
    return Fetched(path, sidecar, len(pages), requests)


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
