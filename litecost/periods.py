"""Periods: `--period`, `--since/--until` and `--tz` → half-open UTC intervals.

`--tz` chooses the calendar: which local midnight a day, week, month or quarter
starts at. Stored data is always UTC; only the edges move. No function here reads
the clock: callers pass `now`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litecost.errors import UsageError

PERIOD_HELP = (
    "2026-10, 2026-Q4, 2026-W41, 2026-10-05, 2026, last-month, this-month, yesterday, today"
)


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC
    label: str
    tz: str

    def previous(self) -> Period:
        """The equal-length period just before this one (a calendar month for months)."""
        zone = zone_info(self.tz)
        local_start = self.start.astimezone(zone)
        local_end = self.end.astimezone(zone)
        if _is_month_start(local_start) and _is_month_start(local_end):
            months = (local_end.year - local_start.year) * 12 + local_end.month - local_start.month
            prev_start = _add_months(local_start.date(), -months)
            return _local_span(prev_start, local_start.date(), zone, f"previous {self.label}", self.tz)
        length = self.end - self.start
        return Period(self.start - length, self.start, f"previous {self.label}", self.tz)

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat(), "tz": self.tz}


def known_zone(name: str) -> ZoneInfo | None:
    """The zone `name` if both Python and DuckDB know it, else None: days are cut in DuckDB
    and periods in Python (`right/UTC`, `posixrules`, `localtime` are files of the system's
    zone database, not zones DuckDB computes in)."""
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    # UTC, the default everywhere, spares a DuckDB connection and its zone list (26 ms).
    return zone if name == "UTC" or name in _duckdb_zones() else None


def zone_info(name: str) -> ZoneInfo:
    """The zone `name` (`known_zone`), or a one-line error."""
    zone = known_zone(name)
    if zone is None:
        raise UsageError(f"unknown time zone {name!r}", hint="use an IANA name such as UTC or Europe/Berlin")
    return zone


@functools.lru_cache(maxsize=1)
def _duckdb_zones() -> frozenset[str]:
    import duckdb

    with duckdb.connect() as con:
        return frozenset(row[0] for row in con.execute("SELECT name FROM pg_timezone_names()").fetchall())


def _is_month_start(moment: datetime) -> bool:
    return moment.day == 1 and moment.hour == 0 and moment.minute == 0 and moment.second == 0 and moment.microsecond == 0


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(timezone.utc)


def _local_span(first: date, end: date, zone: ZoneInfo, label: str, tz: str) -> Period:
    return Period(_local_midnight(first, zone), _local_midnight(end, zone), label, tz)


# Windows litecost computes: far wider than any log (calls must start in 2000–2099), and
# clear of the ends of Python's and DuckDB's calendars, where a time zone's offset (or a
# previous period) would step outside them.
FIRST_YEAR, LAST_YEAR = 1970, 2199


def _check_year(year: int, what: str, text: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise UsageError(
            f"{what} {text!r} is outside the years litecost handles ({FIRST_YEAR}–{LAST_YEAR})",
            hint="LiteLLM calls start between 2000 and 2099",
        )


def parse_period(text: str, tz: str = "UTC", *, now: datetime | None = None) -> Period:
    zone = zone_info(tz)
    value = text.strip()
    if year := re.match(r"(\d{4})(?:-|$)", value):
        _check_year(int(year[1]), "--period", text)
    today = (now or datetime.now(timezone.utc)).astimezone(zone).date()
    try:
        if value in ("this-month", "last-month"):
            first = today.replace(day=1)
            if value == "last-month":
                first = _add_months(first, -1)
            return _local_span(first, _add_months(first, 1), zone, first.strftime("%Y-%m"), tz)
        if value in ("today", "yesterday"):
            day = today if value == "today" else today - timedelta(days=1)
            return _local_span(day, day + timedelta(days=1), zone, day.isoformat(), tz)
        if m := re.fullmatch(r"(\d{4})", value):
            year = int(m[1])
            return _local_span(date(year, 1, 1), date(year + 1, 1, 1), zone, value, tz)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
            first = date(int(m[1]), int(m[2]), 1)
            return _local_span(first, _add_months(first, 1), zone, value, tz)
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", value):
            first = date(int(m[1]), 3 * (int(m[2]) - 1) + 1, 1)
            return _local_span(first, _add_months(first, 3), zone, value.upper(), tz)
        if m := re.fullmatch(r"(\d{4})-[Ww](\d{2})", value):
            first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return _local_span(first, first + timedelta(days=7), zone, value.upper(), tz)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            return _local_span(day, day + timedelta(days=1), zone, value, tz)
    except ValueError:
        pass
    raise UsageError(f"--period {text!r} is not a period", hint=f"use one of: {PERIOD_HELP}")


def parse_instant(text: str, tz: str = "UTC", *, what: str = "--since") -> datetime:
    """A date (local midnight in `tz`) or a date-time (naive means `tz`) → UTC."""
    zone = zone_info(tz)
    value = text.strip()
    if year := re.match(r"(\d{4})-", value):
        _check_year(int(year[1]), what, text)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return _local_midnight(date.fromisoformat(value), zone)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a date or time", hint="use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(timezone.utc)


def resolve_period(
    period: str | None, since: str | None, until: str | None, tz: str = "UTC", *, now: datetime | None = None
) -> Period | None:
    """The reporting window from the CLI options; None means all time."""
    if period and (since or until):
        raise UsageError("give either --period or --since/--until, not both")
    if period:
        return parse_period(period, tz, now=now)
    if not since and not until:
        return None
    start = parse_instant(since, tz, what="--since") if since else datetime(2000, 1, 1, tzinfo=timezone.utc)
    end = parse_instant(until, tz, what="--until") if until else datetime(2100, 1, 1, tzinfo=timezone.utc)
    if end <= start:
        raise UsageError(f"--until {until} is not after --since {since}")
    label = f"{since or '…'} to {until or '…'}"
    return Period(start, end, label, tz)
