"""LiteLLM's off-peak pricing: other per-token rates while a time-of-week window is open.

A map entry's `off_peak_pricing` block (DeepSeek's and Tencent's entries) holds rates and
when they apply: `hours_utc` windows every day, and/or `windows`, each with `hours_utc` and
the `weekdays` (1 = Monday … 7 = Sunday) it holds on. A window is `"HH:MM-HH:MM"` in UTC,
start inclusive, end exclusive; one that ends before it starts wraps past midnight, and one
whose start equals its end is the whole day. Weekdays are read on the calendar of
`weekday_timezone` (UTC when absent) while the hours stay UTC — LiteLLM's rule, read from its
`llm_cost_calc/utils.py` (1.110.2).

LiteLLM decides at the moment it prices the call, which it does when it logs the call's
success, after the response: litecost reads the schedule at the call's end time (its start
time when no end was logged). Off-peak rates replace the rates that would otherwise apply, at
every long-context tier; see `PriceBook.resolve_segments`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from litecost.errors import BadInputError
from litecost.periods import known_zone

OFF_PEAK_KEY = "off_peak_pricing"
# The rates an off-peak block may replace (LiteLLM's apply_off_peak_pricing).
OFF_PEAK_RATE_KEYS = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "output_cost_per_reasoning_token",
)
_HOURS = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*$")
_DAY_NAMES = {
    "mon": 1, "monday": 1, "tue": 2, "tues": 2, "tuesday": 2, "wed": 3, "wednesday": 3,
    "thu": 4, "thur": 4, "thurs": 4, "thursday": 4, "fri": 5, "friday": 5,
    "sat": 6, "saturday": 6, "sun": 7, "sunday": 7,
}
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Window:
    """UTC minutes of the day [start, end) on `days` (ISO weekdays; None = every day)."""

    days: tuple[int, ...] | None
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class Schedule:
    """When an off-peak block's rates apply."""

    weekday_timezone: str
    windows: tuple[Window, ...]

    def is_open(self, instant: datetime) -> bool:
        """The rule in Python, for tests and `pricing show`; prices are applied in SQL
        (`open_schedules_sql`)."""
        utc = instant.astimezone(timezone.utc)
        minute = utc.hour * 60 + utc.minute
        weekday = utc.astimezone(ZoneInfo(self.weekday_timezone)).isoweekday()
        return any(
            (w.days is None or weekday in w.days) and _in_window(minute, w.start_minute, w.end_minute)
            for w in self.windows
        )


def _in_window(minute: int, start: int, end: int) -> bool:
    return start <= minute < end if start < end else minute >= start or minute < end


def parse_schedule(block: Any, where: str) -> Schedule:
    """The schedule of an `off_peak_pricing` block; anything LiteLLM would silently ignore
    is a one-line error here, so a price file never applies off-peak rates at other hours
    than its author meant. `where` names the entry (`file: model.off_peak_pricing`)."""
    hint = ('write "hours_utc": "HH:MM-HH:MM" (or a list of them) and/or "windows": '
            '[{"hours_utc": …, "weekdays": [1-7]}], optionally with "weekday_timezone"')
    if not isinstance(block, dict):
        raise BadInputError(f"{where} is {json.dumps(block)[:40]}, not an object", hint=hint)
    tz_name = block.get("weekday_timezone", "UTC")
    # Weekdays are read in DuckDB (`timezone()`) and in Python (`is_open`): both must know it.
    if not isinstance(tz_name, str) or known_zone(tz_name.strip()) is None:
        raise BadInputError(f"{where}.weekday_timezone is {json.dumps(tz_name)[:40]}, not a time zone",
                            hint="name an IANA time zone such as Asia/Shanghai, or leave the key out for UTC")
    windows: list[Window] = []
    if "hours_utc" in block:
        windows += _windows(block["hours_utc"], None, f"{where}.hours_utc", hint)
    rules = block.get("windows", [])
    if not isinstance(rules, list):
        raise BadInputError(f"{where}.windows is not a list", hint=hint)
    for index, rule in enumerate(rules):
        here = f"{where}.windows[{index}]"
        if not isinstance(rule, dict) or "hours_utc" not in rule:
            raise BadInputError(f"{here} has no hours_utc", hint=hint)
        days = _days(rule.get("weekdays"), f"{here}.weekdays")
        windows += _windows(rule["hours_utc"], days, f"{here}.hours_utc", hint)
    if not windows:
        raise BadInputError(f"{where} names no hours", hint=hint)
    return Schedule(tz_name.strip(), tuple(windows))


def _windows(value: Any, days: tuple[int, ...] | None, where: str, hint: str) -> list[Window]:
    spans = [value] if isinstance(value, str) else value
    if not isinstance(spans, list) or not spans:
        raise BadInputError(f"{where} is {json.dumps(value)[:40]}, not a list of HH:MM-HH:MM", hint=hint)
    windows = []
    for span in spans:
        match = _HOURS.match(span) if isinstance(span, str) else None
        if not match:
            raise BadInputError(f"{where} has {json.dumps(span)[:40]}, not HH:MM-HH:MM (UTC)", hint=hint)
        h1, m1, h2, m2 = map(int, match.groups())
        windows.append(Window(days, h1 * 60 + m1, h2 * 60 + m2))
    return windows


def _days(value: Any, where: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    hint = "weekdays are 1 (Monday) to 7 (Sunday) or their names"
    if not isinstance(value, list):
        raise BadInputError(f"{where} is {json.dumps(value)[:40]}, not a list", hint=hint)
    days = []
    for day in value:
        number = (day if isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= 7
                  else _DAY_NAMES.get(day.strip().lower()) if isinstance(day, str) else None)
        if number is None:
            raise BadInputError(f"{where} has {json.dumps(day)[:40]}, not a weekday", hint=hint)
        days.append(number)
    return tuple(sorted(set(days)))


def install_windows(con, schedules: Sequence[Schedule], table: str) -> None:  # noqa: ANN001
    """Temp `table`: one row per window of each schedule, `schedule` its index in `schedules`
    (the bit it sets in `open_schedules_sql`)."""
    rows = [
        {"schedule": index, "tz": schedule.weekday_timezone, "days": list(w.days) if w.days else None,
         "start_minute": w.start_minute, "end_minute": w.end_minute}
        for index, schedule in enumerate(schedules)
        for w in schedule.windows
    ]
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT * FROM (SELECT unnest(from_json($rows, $schema), recursive := true))",
        {"rows": json.dumps(rows),
         "schema": json.dumps([{"schedule": "INTEGER", "tz": "VARCHAR", "days": "INTEGER[]",
                                "start_minute": "INTEGER", "end_minute": "INTEGER"}])},
    )


def billing_instant_sql(calls: str) -> str:
    """SQL: the moment LiteLLM priced a call (see the module docstring)."""
    return f"coalesce({calls}.end_time, {calls}.start_time)"


def _minute_sql(instant: str) -> str:
    return f"(floor(epoch({instant}) / 60)::BIGINT % {MINUTES_PER_DAY})"


def _window_sql(minute: str, start: str, end: str, wraps: bool) -> str:
    if wraps:
        return f"({minute} >= {start} OR {minute} < {end})"
    return f"({minute} >= {start} AND {minute} < {end})"


def open_schedules_sql(calls: str, table: str) -> str:
    """SQL (VARCHAR): the bit mask of the schedules in `table` open at the call's billing
    instant, '' when none is — part of the call's price identity. A correlated subquery: the
    form for per-call views, which cannot take parameters; `open_schedules_params_sql` is the
    same rule for queries that can (reports sum millions of calls)."""
    instant = billing_instant_sql(calls)
    minute = _minute_sql(instant)
    return (
        f"coalesce((SELECT bit_or(1::BIGINT << w.schedule)::VARCHAR FROM {table} w"
        f" WHERE (w.days IS NULL OR list_contains(w.days, isodow(timezone(w.tz, {instant}))))"
        f" AND CASE WHEN w.start_minute < w.end_minute"
        f" THEN {_window_sql(minute, 'w.start_minute', 'w.end_minute', False)}"
        f" ELSE {_window_sql(minute, 'w.start_minute', 'w.end_minute', True)} END), '')"
    )


def open_schedules_params_sql(calls: str, schedules: Sequence[Schedule], prefix: str) -> tuple[str, dict[str, Any]]:
    """`open_schedules_sql` as one expression whose hours, weekdays and time zones are query
    parameters named `<prefix>…`: no table lookup per call, and each time zone's weekday is
    computed once per call."""
    if not schedules:
        return "''", {}
    instant = billing_instant_sql(calls)
    minute = _minute_sql(instant)
    params: dict[str, Any] = {}
    weekday_of: dict[str, str] = {}
    bits = []
    for index, schedule in enumerate(schedules):
        zone = schedule.weekday_timezone
        conditions = []
        for number, window in enumerate(schedule.windows):
            name = f"{prefix}{index}_{number}"
            params[f"{name}_start"], params[f"{name}_end"] = window.start_minute, window.end_minute
            condition = _window_sql(minute, f"${name}_start", f"${name}_end", window.start_minute >= window.end_minute)
            if window.days is not None:
                if zone not in weekday_of:
                    if zone == "UTC":  # 1970-01-01 was a Thursday (ISO 4)
                        weekday_of[zone] = f"((floor(epoch({instant}) / 86400)::BIGINT + 3) % 7 + 1)"
                    else:
                        params[f"{prefix}tz_{len(weekday_of)}"] = zone
                        weekday_of[zone] = f"isodow(timezone(${prefix}tz_{len(weekday_of)}, {instant}))"
                params[f"{name}_days"] = list(window.days)
                condition = f"(list_contains(${name}_days, {weekday_of[zone]}) AND {condition})"
            conditions.append(condition)
        bits.append(f"CASE WHEN {' OR '.join(conditions)} THEN {1 << index} ELSE 0 END")
    return f"coalesce(nullif({' + '.join(bits)}, 0)::VARCHAR, '')", params
