"""litecost.http: how long a retry waits."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from litecost.errors import UsageError
from litecost.http import RetryingClient


def client() -> RetryingClient:
    return RetryingClient("test", {}, "set KEY", backoff_s=1.0, sleep=lambda s: None)


def test_retry_after_in_seconds_is_honoured_within_the_cap():
    c = client()
    assert c.delay(1, "3") == 3.0 and c.delay(1, "0") == 0.0 and c.delay(1, "86400") == 120.0


def test_retry_after_as_an_http_date():
    later = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 25 <= client().delay(1, format_datetime(later, usegmt=True)) <= 30
    assert client().delay(1, format_datetime(datetime(2000, 1, 1, tzinfo=timezone.utc), usegmt=True)) == 0.0


def test_without_retry_after_the_wait_doubles_up_to_its_cap():
    c = client()
    assert [c.delay(n, None) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert c.delay(10, None) == 30.0 and c.delay(2, "soon") == 2.0


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/x", "http://"])
def test_a_url_no_retry_can_mend_is_a_usage_error_at_once(url):
    c = client()
    with pytest.raises(UsageError):
        c.get(url, {})
    assert c.requests == 1
