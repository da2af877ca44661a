"""GET with retries, for the HTTP sources (the proxy's spend API, providers' usage and cost
APIs): 429 and 5xx answers and lost connections are tried again, after the `Retry-After` the
server asks for or an exponential backoff; a refused key is a usage error naming where the
key comes from; nothing here ever shows the key."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from litecost.errors import BadInputError, SourceUnavailableError, UsageError
from litecost.redact import redact

ATTEMPTS = 5
RETRY_AFTER_CAP_S = 120.0
BACKOFF_CAP_S = 30.0
TIMEOUT_S = 60.0
RETRIED = {429, 500, 502, 503, 504}


class RetryingClient:
    """One source's HTTP client. `name` is how errors name the source (no key in it);
    `key_hint` says how to give a key that the server will accept."""

    def __init__(self, name: str, headers: dict[str, str], key_hint: str, *, backoff_s: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        import httpx

        self.name, self.key_hint, self.backoff_s, self.sleep = name, key_hint, backoff_s, sleep
        self.http = httpx.Client(headers={"Accept": "application/json", **headers}, timeout=TIMEOUT_S,
                                 follow_redirects=False)
        self.requests = 0

    def __enter__(self) -> RetryingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def get(self, url: str, params: dict) -> bytes:
        """The body of a 200 answer to GET `url`."""
        import httpx

        why, retry_after = "", None
        for attempt in range(ATTEMPTS):
            if attempt:
                self.sleep(self.delay(attempt, retry_after))
                retry_after = None
            self.requests += 1
            try:
                response = self.http.get(url, params=params)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:  # trying again cannot help
                raise UsageError(f"{self.name}: {redact(str(exc))}", hint="give an http:// or https:// URL") from None
            except httpx.TransportError as exc:
                why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if response.status_code in RETRIED:
                why = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After")
                continue
            if response.status_code in (401, 403):
                raise UsageError(f"{self.name}: the server refused the key (HTTP {response.status_code}: {_detail(response)})",
                                 hint=self.key_hint)
            if response.status_code != 200:
                raise BadInputError(f"{self.name}: HTTP {response.status_code}: {_detail(response)}",
                                    hint="check the URL and its parameters; nothing was stored")
            return response.content
        raise SourceUnavailableError(f"{self.name}: {redact(why)} after {ATTEMPTS} attempts",
                                     hint="the server is down or overloaded; run again later")

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before attempt `attempt` (1-based retries): the server's
        `Retry-After` (seconds or an HTTP date, at most 2 minutes), else 1, 2, 4, 8 … s."""
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), RETRY_AFTER_CAP_S)
            except ValueError:
                try:
                    moment = parsedate_to_datetime(retry_after)
                    return min(max((moment - datetime.now(timezone.utc)).total_seconds(), 0.0), RETRY_AFTER_CAP_S)
                except (TypeError, ValueError):
                    pass
        return min(self.backoff_s * 2 ** (attempt - 1), BACKOFF_CAP_S)


def _detail(response) -> str:  # noqa: ANN001
    text = response.text.strip().replace("\n", " ")
    return redact(text[:200]) or response.reason_phrase
