"""Classification: each row's status, the evidence that decided it and its explanation."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from litecost.reconcile.numbers import ZERO, close, per_million
from litecost.reconcile.result import ReconcileSpec
from litecost.reconcile.time_shift import day_of
from litecost.tokens import INPUT_SIDE


def classify(row, spec: ReconcileSpec, model_logged: bool, model_billed: bool, side_inv, side_log, offset,  # noqa: ANN001
              shifted_q, tiers, routes) -> tuple[str, str, str]:  # noqa: ANN001
    """(status, evidence, explanation) of one row; the strongest evidence is tried first."""
    tol, floor = spec.tolerance_pct, spec.tolerance_usd
    inv_q, log_q = row["invoice_quantity"], row["log_quantity"]
    inv_amt, repriced = row["invoice_amount"] or ZERO, row["repriced_cost"] or ZERO
    category = row["category"]
    if inv_q is not None and not model_logged:
        return "unmatched_invoice_line", "model_names", (
            f"billed model {row['invoice_model']} has no logged calls at {row['provider']} in this window; "
            "if it is the same model under another name, add an alias (see `litecost invoices models`)"
        )
    if log_q is not None and not model_billed:
        return "unmatched_log_model", "model_names", (
            f"logged model {row['log_model']} has no invoice line at {row['provider']}: another account or "
            "project, a free tier, or an invoice that is not imported"
        )
    amt_ok = close(inv_amt, repriced, tol, floor)
    if inv_q is None and row["invoice_amount"] is not None:
        # No token counts on the invoice: only the amounts can be compared.
        if amt_ok:
            return "matched", "amounts", "amounts agree within tolerance (the invoice has no token quantities)"
        status = "missing_logs" if inv_amt > repriced else "extra_logs"
        return status, "amounts", (
            f"billed {inv_amt:,.2f} USD vs {repriced:,.2f} USD re-priced from the logs; the invoice has no token "
            "quantities, so a price change cannot be told from missing or extra traffic: import the provider's "
            "usage report too"
        )
    inv_q = inv_q or ZERO
    log_q = log_q or ZERO
    qty_ok = close(inv_q, log_q, tol, Decimal("0.5"))
    if qty_ok and amt_ok:
        return "matched", "quantities_and_amounts", "quantities and amounts agree within tolerance"
    if qty_ok:
        billed = per_million(inv_amt, inv_q)
        book = per_million(repriced, log_q)
        change = f" ({(billed / book - 1) * 100:+.1f}%)" if billed and book else ""
        tier_note = " the invoice includes batch lines;" if "batch" in tiers else ""
        return "price_mismatch", "unit_price", (
            f"tokens agree ({inv_q:,.0f}); billed {billed} USD/1M vs price book {book} USD/1M{change}:{tier_note} "
            "a negotiated discount, a stale price map, a batch or priority tier, or an uplift"
            + by_route(routes, book, tol)
        )
    hours = f"{offset:+d} h" if offset is not None else ""
    # A whole-hour offset found in the model's daily series, under which this very row's
    # quantity agrees, is stronger evidence than input-side totals that happen to agree.
    if offset is not None and close(inv_q, shifted_q, tol, Decimal("0.5")):
        # POSIX zone names invert the sign: Etc/GMT+2 is UTC-2.
        return "time_shift", "daily_offset", (
            f"daily quantities agree when log times are shifted by {hours}: the logs look like local time "
            f"UTC{-offset:+d} written as UTC (re-ingest with --source-tz Etc/GMT{offset:+d}); the gap here is "
            f"calls that cross a {'day' if spec.grain == 'day' else 'period'} boundary ({inv_q:,.0f} {category} "
            "tokens billed, as many logged once shifted)"
        )
    if category in INPUT_SIDE and side_inv is not None and side_log is not None and close(side_inv, side_log, tol, Decimal("0.5")):
        return "category_shift", "input_side_total", (
            f"the model's input-side tokens agree in total ({side_inv:,.0f} billed, {side_log:,.0f} logged) but not per "
            f"category: {category} billed {inv_q:,.0f} vs logged {log_q:,.0f}"
        )
    gap = inv_q - log_q
    price = per_million(inv_amt, inv_q) if inv_q else per_million(repriced, log_q)
    after_shift = ""
    if offset is not None:
        left = inv_q - shifted_q
        after_shift = (f"; after shifting log times by {hours} (the model's detected offset), {abs(left):,.0f} "
                       f"{category} tokens {'billed are still not logged' if left > 0 else 'logged are still not billed'}")
    if gap > 0:
        return "missing_logs", "token_count", (
            f"provider billed {gap:,.0f} {category} tokens more than were logged"
            + (f" (about {gap * price / 1_000_000:,.2f} USD at {price} USD/1M)" if price else "")
            + ": traffic that bypassed LiteLLM, or logs lost or not ingested" + after_shift
        )
    return "extra_logs", "token_count", (
        f"logs have {-gap:,.0f} {category} tokens more than were billed"
        + (f" (about {-gap * price / 1_000_000:,.2f} USD at {price} USD/1M)" if price else "")
        + ": duplicate logging, calls billed to another account, or a provider credit" + after_shift
    )


def by_route(routes: dict[str | None, list[Decimal]], book: Decimal | None, tol: Decimal) -> str:
    """Where a row's bill has meters of several routes (regional, global…): which of them
    carry the price gap."""
    named = {route: value for route, value in routes.items() if route and value[0]}
    if len(named) < 2 or not book or len(named) != len(routes):
        return ""
    off, agree = [], []
    for route in sorted(named):
        quantity, amount = named[route]
        price = per_million(amount, quantity)
        if close(price, book, tol, Decimal("0.0001")):
            agree.append(route)
        else:
            off.append(f"{route} meters billed {price} USD/1M ({(price / book - 1) * 100:+.1f}%)")
    if not off:
        return ""
    return "; by route: " + ", ".join(off) + (f"; {', '.join(agree)} meters as the price book" if agree else "")


def where_in_time(row, inv_days, inv_amounts, hours, start, end, spec: ReconcileSpec) -> str:  # noqa: ANN001
    """For a period row: on which days a volume gap sits, or from when a price changed."""
    if row["status"] in ("missing_logs", "extra_logs") and row["invoice_quantity"] is not None:
        log_days: dict[str, Decimal] = defaultdict(Decimal)
        for hour, quantity in hours.items():
            if start <= hour < end:
                log_days[day_of(hour, spec.tz)] += quantity
        gaps = {d: inv_days.get(d, ZERO) - log_days.get(d, ZERO) for d in set(inv_days) | set(log_days)}
        total = abs(row["invoice_quantity"] - row["log_quantity"]) if row["log_quantity"] is not None else ZERO
        top = sorted((d for d, g in gaps.items() if g), key=lambda d: -abs(gaps[d]))[:3]
        if top and total:
            share = sum(abs(gaps[d]) for d in top) / total * 100
            days = ", ".join(f"{d} ({gaps[d]:+,.0f})" for d in sorted(top))
            return f"; by day: {days}" + (f" — {share:.0f}% of the gap" if share < 99.5 else "")
    if row["status"] == "price_mismatch" and row["log_quantity"]:
        book = (row["repriced_cost"] or ZERO) / row["log_quantity"]
        changed = [
            d for d in sorted(inv_days)
            if inv_days[d] and not close(inv_amounts.get(d, ZERO) / inv_days[d], book, spec.tolerance_pct, ZERO)
        ]
        if changed and len(changed) < len([d for d in inv_days if inv_days[d]]):
            first = changed[0]
            price = per_million(inv_amounts[first], inv_days[first])
            return f"; the billed unit price differs from {first} on ({price} USD/1M that day)"
    return ""
