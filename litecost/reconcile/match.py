"""Matching: invoice and log aggregates keyed alike, offsets found, rows built and classified."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from functools import lru_cache
from decimal import Decimal
from typing import Any

from litecost.errors import BadInputError, UsageError
from litecost.invoices.models import NO_MODEL, ModelAliases, aliased_invoice_model, billed_route, billing_model_key, logged_model_key
from litecost.money import money_text
from litecost.pricing.book import PriceBook
from litecost.pricing.repricing import GroupPricing
from litecost.providers import billing_provider
from litecost.reconcile.bugs import name_litellm_bugs
from litecost.reconcile.classify import classify, where_in_time
from litecost.reconcile.frame import CATEGORY_COSTS, in_usd, invoice_side, invoice_window, log_side_hourly
from litecost.reconcile.numbers import ZERO
from litecost.reconcile.result import Reconciliation, ReconcileSpec, summarise
from litecost.reconcile.time_shift import MAX_OFFSET_HOURS, best_offset, day_of, shifted_quantities
from litecost.tokens import INPUT_SIDE

# Invoices that bill reasoning on its own line are compared as output (it is a subset).
INVOICE_CATEGORY_ALIASES = {"reasoning": "output"}


def reconcile_files(store, spec: ReconcileSpec, book: PriceBook,  # noqa: ANN001
                    aliases: ModelAliases | None = None) -> Reconciliation:
    """`reconcile` over stored invoice files, refusing ids no file has, with the files' headers."""
    from litecost.invoices.queries import invoice_file, require_invoice_files

    require_invoice_files(store, list(spec.invoice_file_ids))
    result = reconcile(store.con, spec, book, aliases)
    result.invoices = [invoice_file(store, i) for i in spec.invoice_file_ids]
    return result


def reconcile(
    con,  # noqa: ANN001
    spec: ReconcileSpec,
    book: PriceBook,
    aliases: ModelAliases | None = None,
) -> Reconciliation:
    """The logged calls, re-priced with `book`, against the selected invoices.

    A bill's line is matched under the model key stored with it (`invoice_lines.model`: the
    import's, or the last `invoices models --aliases`), or under the key `aliases` give its
    name; logged calls under the key of LiteLLM's evidence the bill names (`billing_model_key`)."""

    @lru_cache(maxsize=None)
    def invoice_key(provider: str, model_raw: str | None, stored: str | None) -> str:
        return aliased_invoice_model(provider, model_raw, aliases) or stored or NO_MODEL

    window = (spec.period.start, spec.period.end) if spec.period else invoice_window(con, spec.invoice_file_ids)
    if window is None:
        raise UsageError("the selected invoices have no lines to reconcile")
    start, end = window
    invoice = in_usd(invoice_side(con, spec, start, end), dict(spec.usd_rates))
    providers = sorted({billing_provider(r["provider"]) for r in invoice})
    margin = timedelta(hours=MAX_OFFSET_HOURS)
    hourly = [
        h for h in log_side_hourly(con, start - margin, end + margin, GroupPricing(con, book))
        if billing_provider(h["provider"]) in providers
    ]
    in_window = [h for h in hourly if start <= h["hour"] < end]
    if not in_window:
        # Without logs every billed line would be "unmatched": say what is missing instead.
        billed_by = ", ".join(providers) or "the invoices' providers"
        raise BadInputError(
            f"no logged calls at {billed_by} from {start.isoformat()} "
            f"to {end.isoformat()} to reconcile the invoices with",
            hint="ingest the LiteLLM logs of that period first (`litecost ingest FILE`), or pick another --period",
        )

    day_grain = spec.grain == "day"
    # Aggregates keyed by (provider, model key, category, day or None).
    inv: dict[tuple, dict[str, Any]] = defaultdict(
        lambda: {"quantity": ZERO, "amount": ZERO, "names": set(), "tiers": set(), "quantity_known": False,
                 "usage_quantity": ZERO, "usage_known": False, "routes": defaultdict(lambda: [ZERO, ZERO])}
    )
    inv_days: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    inv_day_amounts: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    non_token: list[dict[str, Any]] = []
    daily_invoices = True
    for line in invoice:
        provider = billing_provider(line["provider"])
        if line["kind"] != "token":
            non_token.append({**line, "provider": provider})
            continue
        key_model = invoice_key(line["provider"], line["model_raw"], line["model"])
        category = INVOICE_CATEGORY_ALIASES.get(line["category"], line["category"])
        key = (provider, key_model, category, line["day"] if day_grain else None)
        entry = inv[key]
        entry["names"].add(line["model_raw"] or line["model"])
        if line["usage_only"]:
            # A usage report supplies token counts where the cost export has none (Anthropic's
            # cost report); where both have them they describe the same tokens, counted once.
            entry["usage_quantity"] += Decimal(line["quantity"] or 0)
            entry["usage_known"] = entry["usage_known"] or line["quantity"] is not None
            continue
        entry["quantity"] += Decimal(line["quantity"] or 0)
        entry["quantity_known"] = entry["quantity_known"] or line["quantity"] is not None
        entry["amount"] += line["amount"]
        entry["tiers"].add(line["service_tier"])
        # Regional and global meters of one model price differently; logs cannot tell them
        # apart, so a price gap is traced to its route on the bill's side.
        route = entry["routes"][billed_route(provider, line["model_raw"])]
        route[0] += Decimal(line["quantity"] or 0)
        route[1] += line["amount"]
        inv_day_amounts[(provider, key_model, category)][line["day"]] += line["amount"]
        daily_invoices = daily_invoices and bool(line["daily"])
    for line in invoice:  # daily token series, from whichever export counts the tokens
        if line["kind"] != "token":
            continue
        provider = billing_provider(line["provider"])
        key_model = invoice_key(line["provider"], line["model_raw"], line["model"])
        category = INVOICE_CATEGORY_ALIASES.get(line["category"], line["category"])
        entry = inv[(provider, key_model, category, line["day"] if day_grain else None)]
        if bool(line["usage_only"]) == (not entry["quantity_known"] and entry["usage_known"]):
            inv_days[(provider, key_model, category)][line["day"]] += Decimal(line["quantity"] or 0)
    for entry in inv.values():
        if not entry["quantity_known"] and entry["usage_known"]:
            entry["quantity"], entry["quantity_known"] = entry["usage_quantity"], True

    # Which model each logged group is billed under: LiteLLM's evidence, tried in order
    # against the models this bill names at that provider.
    billed: dict[str, set[str]] = defaultdict(set)
    for (p, m, _c, _d) in inv:
        billed[p].add(m)
    resolved: dict[tuple, tuple[str, str]] = {}

    def log_key(h: dict[str, Any]) -> str:
        ident = (h["provider"], h["model"], h["model_map_key"], h["model_group"], h["model_resolved"])
        if ident not in resolved:
            resolved[ident] = billing_model_key(h["provider"], h, billed[billing_provider(h["provider"])])
        return resolved[ident][0]

    logs: dict[tuple, dict[str, Any]] = defaultdict(lambda: {"quantity": ZERO, "repriced": ZERO, "logged": ZERO, "names": set(), "calls": 0})
    log_hours: dict[tuple, dict[datetime, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for h in hourly:
        provider = billing_provider(h["provider"])
        key_model = log_key(h)
        for category in CATEGORY_COSTS:
            tokens = Decimal(h[f"tokens_{category}"] or 0)
            if tokens:
                log_hours[(provider, key_model, category)][h["hour"]] += tokens
    for h in in_window:
        provider = billing_provider(h["provider"])
        key_model = log_key(h)
        day = day_of(h["hour"], spec.tz) if day_grain else None
        repriced_total = h["repriced_cost"] or ZERO
        for category in CATEGORY_COSTS:
            tokens = Decimal(h[f"tokens_{category}"] or 0)
            cost = h[f"cost_{category}"] or ZERO
            if not tokens and not cost:
                continue
            entry = logs[(provider, key_model, category, day)]
            entry["quantity"] += tokens
            entry["repriced"] += cost
            # LiteLLM logs one cost per call: it is allocated to categories in proportion
            # to their re-priced cost.
            if repriced_total:
                entry["logged"] += (h["logged_cost"] or ZERO) * cost / repriced_total
            entry["names"].add(h["model"])
            entry["calls"] += h["calls"]

    invoice_models = {(k[0], k[1]) for k in inv}
    log_models = {(k[0], k[1]) for k in logs}
    offsets: dict[tuple[str, str], int] = {}
    if daily_invoices:
        for (provider, key_model) in invoice_models & log_models:
            series_inv: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
            series_log: dict[tuple[str, datetime], Decimal] = defaultdict(Decimal)
            for (p, m, category), days in inv_days.items():
                if (p, m) == (provider, key_model):
                    for d, q in days.items():
                        series_inv[(category, d)] += q
            for (p, m, category), hours in log_hours.items():
                if (p, m) == (provider, key_model):
                    for hour, q in hours.items():
                        series_log[(category, hour)] += q
            offset = best_offset(series_inv, series_log, spec.tz, spec.tolerance_pct)
            if offset is not None:
                offsets[(provider, key_model)] = offset
    # What each (provider, model, category) logged per day or window once moved by its offset.
    shifted: dict[tuple, dict[str | None, Decimal]] = {
        (p, m, c): shifted_quantities(hours, offsets[(p, m)], start, end, spec.tz, day_grain)
        for (p, m, c), hours in log_hours.items() if (p, m) in offsets
    }

    # Input-side totals per (provider, model[, day]) for category-shift detection.
    side_inv: dict[tuple, Decimal] = defaultdict(Decimal)
    side_log: dict[tuple, Decimal] = defaultdict(Decimal)
    for (p, m, c, d), e in inv.items():
        if c in INPUT_SIDE:
            side_inv[(p, m, d)] += e["quantity"]
    for (p, m, c, d), e in logs.items():
        if c in INPUT_SIDE:
            side_log[(p, m, d)] += e["quantity"]

    rows = []
    for key in sorted(set(inv) | set(logs), key=lambda k: tuple(str(x) for x in k)):
        provider, key_model, category, day = key
        i = inv.get(key) or {"quantity": ZERO, "amount": ZERO, "names": set(), "tiers": set(), "quantity_known": True}
        lg = logs.get(key) or {"quantity": ZERO, "repriced": ZERO, "logged": ZERO, "names": set(), "calls": 0}
        row = {
            "provider": provider, "model": key_model, "category": category, "day": day,
            "invoice_model": ", ".join(sorted(n for n in i["names"] if n)) or None,
            "log_model": ", ".join(sorted(n for n in lg["names"] if n)) or None,
            "invoice_quantity": i["quantity"] if key in inv and i["quantity_known"] else None,
            "log_quantity": lg["quantity"] if key in logs else None,
            "invoice_amount": i["amount"] if key in inv else None,
            "logged_cost": lg["logged"].quantize(Decimal("1e-12")) if key in logs else None,
            "repriced_cost": lg["repriced"] if key in logs else None,
        }
        row["delta_amount"] = (row["invoice_amount"] or ZERO) - (row["repriced_cost"] or ZERO)
        row["delta_pct"] = (
            (100 * row["delta_amount"] / row["invoice_amount"]).quantize(Decimal("0.01")) if row["invoice_amount"] else None
        )
        offset = offsets.get((provider, key_model))
        row["status"], row["evidence"], row["explanation"] = classify(
            row, spec, (provider, key_model) in log_models, (provider, key_model) in invoice_models,
            side_inv.get((provider, key_model, day)), side_log.get((provider, key_model, day)),
            offset, shifted.get((provider, key_model, category), {}).get(day, ZERO) if offset is not None else None,
            i["tiers"], i.get("routes", {}),
        )
        if not day_grain:
            row["explanation"] += where_in_time(
                row, inv_days.get((provider, key_model, category), {}),
                inv_day_amounts.get((provider, key_model, category), {}),
                log_hours.get((provider, key_model, category), {}), start, end, spec,
            )
        rows.append(row)
    for line in sorted(non_token, key=lambda r: (r["provider"], r["day"], r["kind"], str(r["model_raw"]))):
        rows.append({
            "provider": line["provider"], "model": line["model"] or line["model_raw"], "category": line["kind"],
            "day": line["day"] if day_grain else None, "invoice_model": line["model_raw"], "log_model": None,
            "invoice_quantity": line["quantity"], "log_quantity": None, "invoice_amount": line["amount"],
            "logged_cost": None, "repriced_cost": None, "delta_amount": line["amount"], "delta_pct": Decimal(100) if line["amount"] else None,
            "status": "non_token_charge", "evidence": "non_token_line",
            "explanation": f"{line['kind']} charge, not tokens: {money_text(line['amount'])} {line['currency']}"
                           + (f" ({line['model_raw']})" if line["model_raw"] else ""),
        })
    # Bug groups name only (provider, model): each goes where that model's calls were matched.
    matched_as = {(ident[0], ident[1]): key for ident, (key, _evidence) in resolved.items()}

    def bug_model_key(provider: str, name: str | None) -> str:
        return matched_as.get((provider, name)) or logged_model_key(provider, name)

    bug_calls = name_litellm_bugs(rows, con, book, start, end, providers, bug_model_key, spec)
    if not day_grain:
        rows = merge_non_token(rows)
    summary = summarise(rows, in_window, providers, bug_calls)
    return Reconciliation(spec, (start, end), providers, rows, summary, offsets)


def merge_non_token(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At period grain, one non-token row per (provider, kind, description)."""
    merged: dict[tuple, dict[str, Any]] = {}
    out = []
    for row in rows:
        if row["status"] != "non_token_charge":
            out.append(row)
            continue
        key = (row["provider"], row["category"], row["invoice_model"])
        if key in merged:
            target = merged[key]
            target["invoice_amount"] += row["invoice_amount"]
            target["delta_amount"] += row["delta_amount"]
            if row["invoice_quantity"] is not None:
                target["invoice_quantity"] = (target["invoice_quantity"] or ZERO) + row["invoice_quantity"]
            target["explanation"] = f"{row['category']} charge, not tokens: {money_text(target['invoice_amount'])}" + (
                f" ({row['invoice_model']})" if row["invoice_model"] else "")
        else:
            merged[key] = dict(row)
            out.append(merged[key])
    return out
