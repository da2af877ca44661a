"""When a reconciliation should fail a cron job.

A cause reconcile names is a hypothesis, not an excuse: by default a threshold weighs the
whole discrepancy — the absolute deltas of every row that is not `matched`, so a gap and an
opposite gap do not cancel — as a share of the invoice total or in USD. `fail_on` narrows
the rows weighed to some classes ("unexplained" stands for the classes that name no cause).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from litecost.errors import UsageError
from litecost.reconcile.result import EXPLAINED, FAILING_CLASSES, discrepancy

UNEXPLAINED_CLASSES = tuple(s for s in FAILING_CLASSES if s not in EXPLAINED)
# The words --fail-on takes besides a class name.
CLASS_GROUPS = {"all": FAILING_CLASSES, "unexplained": UNEXPLAINED_CLASSES}


def parse_fail_on(values: Iterable[str] | None) -> tuple[str, ...]:
    """The classes a threshold weighs, from --fail-on values (repeatable, comma-separated)."""
    chosen: list[str] = []
    for value in values or ["all"]:
        for word in (w.strip() for w in value.split(",")):
            if word in CLASS_GROUPS:
                chosen += CLASS_GROUPS[word]
            elif word in FAILING_CLASSES:
                chosen.append(word)
            else:
                raise UsageError(
                    f"--fail-on {word!r} is not a reconcile class",
                    hint=f"use all, unexplained or any of {', '.join(FAILING_CLASSES)}",
                )
    return tuple(s for s in FAILING_CLASSES if s in chosen)


@dataclass(frozen=True)
class Threshold:
    pct: Decimal | None = None  # share of the invoice total
    amount: Decimal | None = None  # USD
    classes: tuple[str, ...] = FAILING_CLASSES


@dataclass
class ThresholdCheck:
    weighed: Decimal  # sum of |delta| over the rows of the chosen classes
    breaches: list[str]  # one sentence per threshold crossed
    rows: list[dict[str, Any]]  # the rows weighed, largest |delta| first

    @property
    def breached(self) -> bool:
        return bool(self.breaches)


def check_threshold(rows: list[dict[str, Any]], invoice_total: Decimal, threshold: Threshold) -> ThresholdCheck:
    weighed_rows = sorted(
        (r for r in rows if r["status"] in threshold.classes and r["delta_amount"]),
        key=lambda r: -abs(r["delta_amount"]),
    )
    weighed = discrepancy(weighed_rows, threshold.classes)
    share = (100 * weighed / abs(invoice_total)) if invoice_total else None
    what = ("discrepancy" if threshold.classes == FAILING_CLASSES
            else "unexplained discrepancy" if threshold.classes == UNEXPLAINED_CLASSES
            else f"discrepancy in {', '.join(threshold.classes)}")
    breaches = []
    if threshold.pct is not None:
        if share is not None and share > threshold.pct:
            breaches.append(f"{what} {weighed:,.2f} USD is {share:.2f}% of the invoice total, over --fail-over {threshold.pct}%")
        elif share is None and weighed > 0:
            breaches.append(f"{what} {weighed:,.2f} USD against an invoice total of 0, over --fail-over {threshold.pct}%")
    if threshold.amount is not None and weighed > threshold.amount:
        breaches.append(f"{what} {weighed:,.2f} USD is over --fail-over-amount {threshold.amount} USD")
    return ThresholdCheck(weighed, breaches, weighed_rows)
