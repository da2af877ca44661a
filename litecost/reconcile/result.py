"""What a reconciliation is: its spec, its classes, its rows and summary, and the documents
and frames it converts to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from litecost.periods import Period
from litecost.providers import billing_provider

ZERO = Decimal(0)
STATUSES = (
    "matched", "missing_logs", "extra_logs", "price_mismatch", "category_shift", "time_shift",
    "unmatched_invoice_line", "unmatched_log_model", "non_token_charge",
)
EXPLAINED = ("price_mismatch", "category_shift", "time_shift", "non_token_charge")
FAILING_CLASSES = tuple(s for s in STATUSES if s != "matched")


@dataclass(frozen=True)
class ReconcileSpec:
    invoice_file_ids: tuple[int, ...]
    period: Period | None = None  # None: the invoices' own period
    tz: str = "UTC"
    grain: str = "period"  # period | day
    tolerance_pct: Decimal = Decimal("1")
    tolerance_usd: Decimal = Decimal("0.01")
    usd_rates: tuple[tuple[str, Decimal], ...] = ()  # (currency, USD per unit) for non-USD invoices


# The fields of a reconciliation row, in order (`day` only at day grain).
ROW_FIELDS = (
    "provider", "model", "category", "day", "invoice_quantity", "log_quantity", "invoice_amount", "logged_cost",
    "repriced_cost", "delta_amount", "delta_pct", "status", "explanation", "invoice_model", "log_model", "evidence",
)
# What the document says of each invoice file reconciled.
INVOICE_FIELDS = ("invoice_file_id", "path", "provider", "layout", "period_start", "period_end", "total_amount",
                  "currency", "superseded_by")


@dataclass
class Reconciliation:
    spec: ReconcileSpec
    window: tuple[datetime, datetime]
    providers: list[str]
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    offsets: dict[tuple[str, str], int] = field(default_factory=dict)
    invoices: list[dict[str, Any]] = field(default_factory=list)  # the files' headers (invoices.queries.invoice_file)
    imports: Any = None  # the ImportResult of bill files imported for this run, if any

    def row_fields(self) -> list[str]:
        return [f for f in ROW_FIELDS if self.spec.grain == "day" or f != "day"]

    def period(self) -> dict[str, Any]:
        start, end = self.window
        return {"start": start.isoformat(), "end": end.isoformat(), "tz": self.spec.tz,
                "label": self.spec.period.label if self.spec.period else "the invoices' own period"}

    def time_shifts(self) -> list[dict[str, Any]]:
        return [{"provider": p, "model": m, "offset_hours": h} for (p, m), h in sorted(self.offsets.items())]

    def to_document(self) -> dict[str, Any]:
        """The versioned JSON document `litecost reconcile --format json` prints."""
        fields = self.row_fields()
        return {
            "schema_version": 1, "period": self.period(), "grain": self.spec.grain,
            "tolerance_pct": self.spec.tolerance_pct, "providers": self.providers,
            "invoices": [{k: h.get(k) for k in INVOICE_FIELDS} for h in self.invoices],
            "summary": {**self.summary, "time_shifts": self.time_shifts()},
            "rows": [{**{f: r.get(f) for f in fields}, "litellm_bugs": r.get("litellm_bugs", [])} for r in self.rows],
        }

    def to_polars(self):  # noqa: ANN201 - a polars.DataFrame
        """The rows as a polars DataFrame: amounts exact as Decimal(38, 18), quantities as
        Decimal(38, 6), delta_pct as Decimal(38, 2)."""
        import polars as pl

        money = ("invoice_amount", "logged_cost", "repriced_cost", "delta_amount")
        schema = {f: pl.Decimal(38, 18) if f in money else pl.Decimal(38, 6) if f.endswith("_quantity")
                  else pl.Decimal(38, 2) if f == "delta_pct" else pl.String for f in self.row_fields()}
        rows = [{f: (str(r.get(f)) if schema[f] == pl.String and r.get(f) is not None else r.get(f)) for f in schema}
                for r in self.rows]
        return pl.DataFrame(rows, schema=schema)


def discrepancy(rows: list[dict[str, Any]], classes: tuple[str, ...] = FAILING_CLASSES) -> Decimal:
    """Sum of |delta| over the rows of these classes: a gap and an opposite gap do not cancel."""
    return sum((abs(r["delta_amount"] or ZERO) for r in rows if r["status"] in classes), ZERO)


def summarise(rows: list[dict[str, Any]], in_window: list[dict[str, Any]], providers: list[str],
             bug_calls: dict[str, int]) -> dict[str, Any]:
    invoice_total = sum((r["invoice_amount"] or ZERO for r in rows), ZERO)
    repriced_total = sum((r["repriced_cost"] or ZERO for r in rows), ZERO)
    logged_total = sum((h["logged_cost"] or ZERO for h in in_window if billing_provider(h["provider"]) in providers), ZERO)
    by_status: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = by_status.setdefault(row["status"], {"status": row["status"], "rows": 0, "delta_amount": ZERO})
        entry["rows"] += 1
        entry["delta_amount"] += row["delta_amount"]
    explained = sum((e["delta_amount"] for s, e in by_status.items() if s in EXPLAINED), ZERO)
    gap = invoice_total - repriced_total
    token_invoice = sum((r["invoice_amount"] or ZERO for r in rows if r["status"] not in ("non_token_charge",)), ZERO)
    covered = sum(
        (min(r["invoice_amount"], r["repriced_cost"] or ZERO) for r in rows
         if r["status"] != "non_token_charge" and r["invoice_amount"] and r["invoice_amount"] > 0), ZERO,
    )
    bugs: dict[str, dict[str, Any]] = {}
    for row in rows:
        for bug in row.get("litellm_bugs", ()):
            entry = bugs.setdefault(bug["reason_code"], {**bug, "calls": bug_calls[bug["reason_code"]], "amount": ZERO})
            entry["amount"] += bug["amount"]
    causes = sorted(
        (e for s, e in by_status.items() if s != "matched"),
        key=lambda e: (-abs(e["delta_amount"]), e["status"]),
    )
    return {
        "invoice_total": invoice_total,
        "logged_total": logged_total,
        "repriced_total": repriced_total,
        "gap": gap,
        "explained_gap": explained,
        "unexplained_gap": gap - explained,
        "discrepancy": discrepancy(rows),
        "coverage_pct": (100 * covered / token_invoice).quantize(Decimal("0.01")) if token_invoice else None,
        "causes": causes,
        "unpriced_calls": sum(h["unpriced"] for h in in_window if billing_provider(h["provider"]) in providers),
        "litellm_bugs": sorted(bugs.values(), key=lambda e: (-abs(e["amount"]), e["reason_code"])),
    }
