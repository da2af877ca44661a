"""Time shift: the whole-hour offset of log times that makes a model's daily series agree,
and where in time a period row's gap sits."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from litecost.reconcile.numbers import ZERO, close

MAX_OFFSET_HOURS = 14


def day_of(moment: datetime, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")


def best_offset(invoice_days: dict[tuple[str, str], Decimal], log_hours: dict[tuple[str, datetime], Decimal],
                 tz: str, tolerance_pct: Decimal) -> int | None:
    """The whole-hour shift of log times that makes the daily series agree, if one does.

    Both series are per (category, day): summed over categories, days whose calls moved in
    and out could cancel (input in, cache_read out) and hide the shift. An offset is found
    when, shifted, the series agree in total, or when it makes nearly every (category, day)
    agree and halves the cells that did not: one day of missing logs beside a shift must
    neither hide the shift nor be explained by it."""
    cells = set(invoice_days)
    total = sum(invoice_days.values(), ZERO)
    if not cells or not total:
        return None

    def fit(offset: int) -> tuple[int, Decimal]:
        shifted: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for (category, hour), quantity in log_hours.items():
            shifted[(category, day_of(hour + timedelta(hours=offset), tz))] += quantity
        gaps = [(invoice_days[c], shifted.get(c, ZERO)) for c in cells]
        disagreeing = sum(1 for billed, logged in gaps if not close(billed, logged, tolerance_pct, Decimal("0.5")))
        return disagreeing, sum((abs(billed - logged) for billed, logged in gaps), ZERO)

    limit = tolerance_pct / 100 * total
    at_zero = fit(0)
    if at_zero[1] <= limit or at_zero[0] == 0:
        return None
    fits = {h: fit(h) for h in range(-MAX_OFFSET_HOURS, MAX_OFFSET_HOURS + 1) if h}
    best = min(fits, key=lambda h: (fits[h], abs(h)))
    disagreeing, residual = fits[best]
    if residual <= limit or (disagreeing * 5 <= len(cells) and disagreeing * 2 <= at_zero[0]):
        return best
    return None


def shifted_quantities(hours: dict[datetime, Decimal], offset: int, start: datetime, end: datetime,
                        tz: str, day_grain: bool) -> dict[str | None, Decimal]:
    """Logged quantities per day (or for the window, key None) once log times move by `offset`."""
    out: dict[str | None, Decimal] = defaultdict(Decimal)
    for hour, quantity in hours.items():
        moved = hour + timedelta(hours=offset)
        if start <= moved < end:
            out[day_of(moved, tz) if day_grain else None] += quantity
    return out
