"""Reconcile provider invoices with logged calls: align, match, classify every gap.

Both sides are reduced in SQL to (provider, model, category[, day]) aggregates over
the same half-open UTC window: invoice lines (non-superseded files) and logged calls
(priced, LiteLLM cache hits excluded: they never reached the provider). Matching and
classification then run over those few hundred aggregates in Python.

Classes, in the order they are tried for a row:

* `non_token_charge` — an invoice line that is not tokens (tax, web search, credits, fees…);
* `unmatched_invoice_line` — billed model with no logged calls at that provider;
* `unmatched_log_model` — logged model with no invoice line;
* `matched` — quantities and amounts agree within tolerance;
* `price_mismatch` — quantities agree, amounts do not (the implied unit price is shown);
* `time_shift` — the row agrees once log times move by the offset found in the model's daily
  series (stronger evidence than input-side totals, which moved calls can balance by chance);
* `category_shift` — the model's input-side categories add up, the split does not;
* `missing_logs` / `extra_logs` — the provider billed more / fewer tokens than were logged.

Each row's `evidence` names what decided its class (`model_names`, `amounts`,
`quantities_and_amounts`, `unit_price`, `daily_offset`, `input_side_total`, `token_count`,
`non_token_line`).

`delta_amount` is invoice amount − re-priced log cost; `delta_pct` divides it by the
invoice amount. The explained gap is the sum of deltas in rows of a class that names
a cause other than missing or extra logs; everything else is unexplained.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from litecost.errors import BadInputError, UsageError
from litecost.invoices.models import billed_route, billing_model_key
from litecost.providers import billing_provider
from litecost.periods import Period
from litecost.pricing.book import PriceBook
from litecost.pricing.repricing import GroupPricing
from litecost.money import money_text
from litecost.store import fetch_rows
from litecost.tokens import COSTED_CATEGORIES, INPUT_SIDE

CATEGORY_COSTS = {c.name: (c.column, c.cost_column) for c in COSTED_CATEGORIES}
# Invoices that bill reasoning on its own line are compared as output (it is a subset).
INVOICE_CATEGORY_ALIASES = {"reasoning": "output"}
STATUSES = (
    "matched", "missing_logs", "extra_logs", "price_mismatch", "category_shift", "time_shift",
    "unmatched_invoice_line", "unmatched_log_model", "non_token_charge",
)
EXPLAINED = ("price_mismatch", "category_shift", "time_shift", "non_token_charge")
FAILING_CLASSES = tuple(s for s in STATUSES if s != "matched")
MAX_OFFSET_HOURS = 14
ZERO = Decimal(0)


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


# -- reading both sides ------------------------------------------------------------------


def _in_usd(lines: list[dict[str, Any]], rates: dict[str, Decimal]) -> list[dict[str, Any]]:
    """Invoice amounts in USD: logs are priced in USD, so another currency needs its rate."""
    for line in lines:
        currency = (line["currency"] or "USD").upper()
        if currency == "USD":
            continue
        if currency not in rates:
            raise BadInputError(
                f"invoice lines are in {currency}, but litecost compares in USD",
                hint=f"pass --rate {currency}=RATE (USD per {currency}) for the invoice period",
            )
        line["amount"] = line["amount"] * rates[currency]
        line["currency"] = "USD"
    return lines


def invoice_window(con, file_ids: tuple[int, ...]) -> tuple[datetime, datetime] | None:  # noqa: ANN001
    row = con.execute(
        "SELECT min(period_start), max(period_end) FROM invoice_lines WHERE list_contains($ids, invoice_file_id)",
        {"ids": list(file_ids)},
    ).fetchone()
    return None if row[0] is None else (row[0], row[1])


def _invoice_side(con, spec: ReconcileSpec, start: datetime, end: datetime) -> list[dict[str, Any]]:  # noqa: ANN001
    return fetch_rows(
        con,
        "SELECT l.provider, l.model_raw, l.model, l.kind, l.category, l.service_tier,"
        " strftime(timezone($tz, l.period_start), '%Y-%m-%d') AS day,"
        " l.period_end - l.period_start <= INTERVAL 1 DAY AS daily,"
        # Usage-only exports (tokens, no money) have no file total.
        " f.total_amount IS NULL AS usage_only,"
        " sum(l.quantity) AS quantity, sum(l.amount) AS amount, count(*) AS lines, any_value(l.currency) AS currency"
        " FROM invoice_lines l JOIN invoice_files f USING (invoice_file_id)"
        " WHERE list_contains($ids, l.invoice_file_id) AND l.period_start >= $start AND l.period_start < $end"
        " GROUP BY ALL",
        {"ids": list(spec.invoice_file_ids), "tz": spec.tz, "start": start, "end": end},
    )


def _log_side_hourly(con, start: datetime, end: datetime, pricing: GroupPricing) -> list[dict[str, Any]]:  # noqa: ANN001
    """Per provider, model (with LiteLLM's evidence of what it is) and UTC hour: tokens and
    re-priced cost per category.

    Tokens are summed per price key first and priced once per group (exact: cost is
    linear in tokens; see `GroupPricing`), which keeps this to one cheap scan of the calls.
    """
    from litecost.pricing.repricing import BASE_COSTS, base_cost
    from litecost.sql import MONEY

    token_columns = sorted({tokens for tokens, _ in CATEGORY_COSTS.values()} | {"reasoning_tokens"})

    def priced(name: str) -> str:
        expr = base_cost(name, "g", "s")
        return (f"CASE WHEN s.price_row IS NULL THEN 0 WHEN s.multiplier = 1 THEN {expr}"
                f" ELSE CAST(({expr}) * s.multiplier AS {MONEY}) END")

    sums = []
    for category, (tokens, _cost) in CATEGORY_COSTS.items():
        sums.append(f"sum({tokens}) AS tokens_{category}")
        sums.append(f"coalesce(sum(cost_{category}), 0) AS cost_{category}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE reconcile_groups AS
        SELECT c.provider, c.model, c.model_map_key AS evidence_model_map_key, c.model_group AS evidence_model_group,
               c.model_resolved AS evidence_model_resolved, date_trunc('hour', c.start_time) AS hour, {", ".join(pricing.keys("c"))},
               count(*) AS calls, sum(c.logged_cost) AS logged_cost,
               {", ".join(f"sum(c.{t}) AS {t}" for t in token_columns)}, {", ".join(pricing.probes("c"))}
        FROM calls c WHERE c.start_time >= $start AND c.start_time < $end AND NOT c.cache_hit
        GROUP BY ALL
        """,
        {"start": start, "end": end, **pricing.params},
    )
    pricing.install(con, "reconcile_groups")
    return fetch_rows(
        con,
        f"""
        WITH costed AS (
            SELECT g.*, CASE WHEN s.price_row IS NULL THEN g.calls ELSE 0 END AS unpriced,
                   {", ".join(f"{priced(name)} AS cost_{name}" for name in BASE_COSTS)}
            FROM reconcile_groups g LEFT JOIN {pricing.table} s ON {pricing.join("g", "s")}
        )
        SELECT provider, model, evidence_model_map_key AS model_map_key, evidence_model_group AS model_group,
               evidence_model_resolved AS model_resolved, hour, sum(calls) AS calls, sum(unpriced) AS unpriced, sum(logged_cost) AS logged_cost,
               {" + ".join(f"coalesce(sum(cost_{name}), 0)" for name in BASE_COSTS)} AS repriced_cost,
               {", ".join(sums)}
        FROM costed GROUP BY ALL
        """,
    )


# -- classification --------------------------------------------------------------------------


def _close(a: Decimal, b: Decimal, pct: Decimal, floor: Decimal) -> bool:
    return abs(a - b) <= max(pct / 100 * max(abs(a), abs(b)), floor)


def _per_million(amount: Decimal, tokens: Decimal) -> Decimal | None:
    return (amount / tokens * 1_000_000).quantize(Decimal("0.0001")) if tokens else None


def _day_of(moment: datetime, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")


def _best_offset(invoice_days: dict[tuple[str, str], Decimal], log_hours: dict[tuple[str, datetime], Decimal],
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
            shifted[(category, _day_of(hour + timedelta(hours=offset), tz))] += quantity
        gaps = [(invoice_days[c], shifted.get(c, ZERO)) for c in cells]
        disagreeing = sum(1 for billed, logged in gaps if not _close(billed, logged, tolerance_pct, Decimal("0.5")))
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


def _shifted_quantities(hours: dict[datetime, Decimal], offset: int, start: datetime, end: datetime,
                        tz: str, day_grain: bool) -> dict[str | None, Decimal]:
    """Logged quantities per day (or for the window, key None) once log times move by `offset`."""
    out: dict[str | None, Decimal] = defaultdict(Decimal)
    for hour, quantity in hours.items():
        moved = hour + timedelta(hours=offset)
        if start <= moved < end:
            out[_day_of(moved, tz) if day_grain else None] += quantity
    return out


def reconcile_files(store, spec: ReconcileSpec, model_key: Callable[[str, str | None, str], str],  # noqa: ANN001
                    book: PriceBook) -> Reconciliation:
    """`reconcile` over stored invoice files, refusing ids no file has, with the files' headers."""
    from litecost.invoices.queries import invoice_file, require_invoice_files

    require_invoice_files(store, list(spec.invoice_file_ids))
    result = reconcile(store.con, spec, model_key, book)
    result.invoices = [invoice_file(store, i) for i in spec.invoice_file_ids]
    return result


def reconcile(
    con,  # noqa: ANN001
    spec: ReconcileSpec,
    model_key: Callable[[str, str | None, str], str],
    book: PriceBook,
) -> Reconciliation:
    """The logged calls, re-priced with `book`, against the selected invoices.
    `model_key(provider, name, side)` maps invoice ('invoice') and logged ('log') model
    names to one comparable key."""
    window = (spec.period.start, spec.period.end) if spec.period else invoice_window(con, spec.invoice_file_ids)
    if window is None:
        raise UsageError("the selected invoices have no lines to reconcile")
    start, end = window
    invoice = _in_usd(_invoice_side(con, spec, start, end), dict(spec.usd_rates))
    providers = sorted({billing_provider(r["provider"]) for r in invoice})
    margin = timedelta(hours=MAX_OFFSET_HOURS)
    hourly = [
        h for h in _log_side_hourly(con, start - margin, end + margin, GroupPricing(con, book))
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
        key_model = model_key(line["provider"], line["model_raw"] or line["model"], "invoice")
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
        key_model = model_key(line["provider"], line["model_raw"] or line["model"], "invoice")
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
            resolved[ident] = billing_model_key(h["provider"], h, billed[billing_provider(h["provider"])], model_key)
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
        day = _day_of(h["hour"], spec.tz) if day_grain else None
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
            offset = _best_offset(series_inv, series_log, spec.tz, spec.tolerance_pct)
            if offset is not None:
                offsets[(provider, key_model)] = offset
    # What each (provider, model, category) logged per day or window once moved by its offset.
    shifted: dict[tuple, dict[str | None, Decimal]] = {
        (p, m, c): _shifted_quantities(hours, offsets[(p, m)], start, end, spec.tz, day_grain)
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
        row["status"], row["evidence"], row["explanation"] = _classify(
            row, spec, (provider, key_model) in log_models, (provider, key_model) in invoice_models,
            side_inv.get((provider, key_model, day)), side_log.get((provider, key_model, day)),
            offset, shifted.get((provider, key_model, category), {}).get(day, ZERO) if offset is not None else None,
            i["tiers"], i.get("routes", {}),
        )
        if not day_grain:
            row["explanation"] += _where_in_time(
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

    def bug_model_key(provider: str, name: str | None, _side: str) -> str:
        return matched_as.get((provider, name)) or model_key(provider, name, "log")

    bug_calls = _name_litellm_bugs(rows, con, book, start, end, providers, bug_model_key, spec)
    if not day_grain:
        rows = _merge_non_token(rows)
    summary = _summary(rows, in_window, providers, bug_calls)
    return Reconciliation(spec, (start, end), providers, rows, summary, offsets)


def _name_litellm_bugs(rows, con, book: PriceBook, start: datetime, end: datetime, providers: list[str],  # noqa: ANN001
                       model_key: Callable[[str, str | None, str], str], spec: ReconcileSpec) -> dict[str, int]:
    """Give each row the LiteLLM bugs its logged calls show (`litellm_bugs`: code, issue, calls,
    USD) and name them in its explanation; return the calls each bug touched (a call counts
    once, though its gap may fall on several category rows).

    A mis-costed call's amount is its re-priced − logged cost: the part of the gap between the
    bill and LiteLLM's spend that the bug accounts for (re-pricing has already corrected it, so
    it is no part of the row's `delta_amount`). Calls stored from SpendLogs rows under a
    placeholder id mark calls LiteLLM dropped from SpendLogs: a missing-logs row of that model
    names the bug with its gap."""
    from litecost.litellm_bugs import SPENDLOGS_DROPPED_CALLS, litellm_issue, miscosted_calls, spendlogs_placeholder_calls
    from litecost.pricing.repricing import install_priced_calls

    def row_key(provider: str, model: str) -> tuple[str, str] | None:
        family = billing_provider(provider)
        return (family, model_key(provider, model, "log")) if family in providers else None

    day_grain = spec.grain == "day"
    found: dict[tuple, dict[str, dict[str, Any]]] = defaultdict(dict)
    calls_by_code: dict[str, int] = defaultdict(int)
    install_priced_calls(con, book)
    for group in miscosted_calls(con, start, end):
        model = row_key(group["provider"], group["model"])
        if model is None:
            continue
        day = _day_of(group["hour"], spec.tz) if day_grain else None
        calls_by_code[group["reason_code"]] += group["calls"]
        for category in CATEGORY_COSTS:
            amount = group[f"gap_{category}"] or ZERO
            if amount:
                entry = found[(*model, category, day)].setdefault(group["reason_code"], {"calls": 0, "amount": ZERO})
                entry["calls"] += group["calls"]
                entry["amount"] += amount
    dropped: dict[tuple, int] = defaultdict(int)
    for group in spendlogs_placeholder_calls(con, start, end):
        model = row_key(group["provider"], group["model"])
        if model is not None:
            dropped[(*model, _day_of(group["hour"], spec.tz) if day_grain else None)] += group["calls"]
    missing_models = set()
    for row in rows:
        bugs = [
            {"reason_code": code, "litellm_issue": litellm_issue(code), "calls": entry["calls"], "amount": entry["amount"]}
            for code, entry in sorted(found.get((row["provider"], row["model"], row["category"], row["day"]), {}).items())
        ]
        placeholder_calls = dropped.get((row["provider"], row["model"], row["day"]))
        if row["status"] == "missing_logs" and placeholder_calls:
            bugs.append({"reason_code": SPENDLOGS_DROPPED_CALLS, "litellm_issue": litellm_issue(SPENDLOGS_DROPPED_CALLS),
                         "calls": placeholder_calls, "amount": row["delta_amount"]})
            missing_models.add((row["provider"], row["model"], row["day"]))
        row["litellm_bugs"] = bugs
        if bugs:
            row["explanation"] += "; LiteLLM's own bugs: " + "; ".join(_bug_text(bug) for bug in bugs)
    for model in missing_models:
        calls_by_code[SPENDLOGS_DROPPED_CALLS] += dropped[model]
    return dict(calls_by_code)


def _bug_text(bug: dict[str, Any]) -> str:
    from litecost.litellm_bugs import SPENDLOGS_DROPPED_CALLS

    named = f"{bug['reason_code']} (LiteLLM #{bug['litellm_issue']})"
    if bug["reason_code"] == SPENDLOGS_DROPPED_CALLS:
        return (f"{named}: {bug['calls']:,} call(s) of this model were stored from SpendLogs rows under a placeholder "
                "id, and LiteLLM keeps only the first such row, so its other calls the provider returned no id for "
                f"are likely among the missing {_usd(bug['amount'])} USD (their callback logs have them)")
    side = "under" if bug["amount"] > 0 else "over"
    return f"{named} on {bug['calls']:,} call(s): LiteLLM logged {_usd(abs(bug['amount']))} USD {side} the re-priced cost"


def _usd(amount: Decimal) -> str:
    """Money in a sentence: to the cent, or to six places below a cent (one call's cost)."""
    return money_text(amount, 2 if abs(amount) >= Decimal("0.01") else 6)


def _where_in_time(row, inv_days, inv_amounts, hours, start, end, spec: ReconcileSpec) -> str:  # noqa: ANN001
    """For a period row: on which days a volume gap sits, or from when a price changed."""
    if row["status"] in ("missing_logs", "extra_logs") and row["invoice_quantity"] is not None:
        log_days: dict[str, Decimal] = defaultdict(Decimal)
        for hour, quantity in hours.items():
            if start <= hour < end:
                log_days[_day_of(hour, spec.tz)] += quantity
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
            if inv_days[d] and not _close(inv_amounts.get(d, ZERO) / inv_days[d], book, spec.tolerance_pct, ZERO)
        ]
        if changed and len(changed) < len([d for d in inv_days if inv_days[d]]):
            first = changed[0]
            price = _per_million(inv_amounts[first], inv_days[first])
            return f"; the billed unit price differs from {first} on ({price} USD/1M that day)"
    return ""


def _merge_non_token(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


def _classify(row, spec: ReconcileSpec, model_logged: bool, model_billed: bool, side_inv, side_log, offset,  # noqa: ANN001
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
    amt_ok = _close(inv_amt, repriced, tol, floor)
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
    qty_ok = _close(inv_q, log_q, tol, Decimal("0.5"))
    if qty_ok and amt_ok:
        return "matched", "quantities_and_amounts", "quantities and amounts agree within tolerance"
    if qty_ok:
        billed = _per_million(inv_amt, inv_q)
        book = _per_million(repriced, log_q)
        change = f" ({(billed / book - 1) * 100:+.1f}%)" if billed and book else ""
        tier_note = " the invoice includes batch lines;" if "batch" in tiers else ""
        return "price_mismatch", "unit_price", (
            f"tokens agree ({inv_q:,.0f}); billed {billed} USD/1M vs price book {book} USD/1M{change}:{tier_note} "
            "a negotiated discount, a stale price map, a batch or priority tier, or an uplift"
            + _by_route(routes, book, tol)
        )
    hours = f"{offset:+d} h" if offset is not None else ""
    # A whole-hour offset found in the model's daily series, under which this very row's
    # quantity agrees, is stronger evidence than input-side totals that happen to agree.
    if offset is not None and _close(inv_q, shifted_q, tol, Decimal("0.5")):
        # POSIX zone names invert the sign: Etc/GMT+2 is UTC-2.
        return "time_shift", "daily_offset", (
            f"daily quantities agree when log times are shifted by {hours}: the logs look like local time "
            f"UTC{-offset:+d} written as UTC (re-ingest with --source-tz Etc/GMT{offset:+d}); the gap here is "
            f"calls that cross a {'day' if spec.grain == 'day' else 'period'} boundary ({inv_q:,.0f} {category} "
            "tokens billed, as many logged once shifted)"
        )
    if category in INPUT_SIDE and side_inv is not None and side_log is not None and _close(side_inv, side_log, tol, Decimal("0.5")):
        return "category_shift", "input_side_total", (
            f"the model's input-side tokens agree in total ({side_inv:,.0f} billed, {side_log:,.0f} logged) but not per "
            f"category: {category} billed {inv_q:,.0f} vs logged {log_q:,.0f}"
        )
    gap = inv_q - log_q
    price = _per_million(inv_amt, inv_q) if inv_q else _per_million(repriced, log_q)
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


def _by_route(routes: dict[str | None, list[Decimal]], book: Decimal | None, tol: Decimal) -> str:
    """Where a row's bill has meters of several routes (regional, global…): which of them
    carry the price gap."""
    named = {route: value for route, value in routes.items() if route and value[0]}
    if len(named) < 2 or not book or len(named) != len(routes):
        return ""
    off, agree = [], []
    for route in sorted(named):
        quantity, amount = named[route]
        price = _per_million(amount, quantity)
        if _close(price, book, tol, Decimal("0.0001")):
            agree.append(route)
        else:
            off.append(f"{route} meters billed {price} USD/1M ({(price / book - 1) * 100:+.1f}%)")
    if not off:
        return ""
    return "; by route: " + ", ".join(off) + (f"; {', '.join(agree)} meters as the price book" if agree else "")


def discrepancy(rows: list[dict[str, Any]], classes: tuple[str, ...] = FAILING_CLASSES) -> Decimal:
    """Sum of |delta| over the rows of these classes: a gap and an opposite gap do not cancel."""
    return sum((abs(r["delta_amount"] or ZERO) for r in rows if r["status"] in classes), ZERO)


def _summary(rows: list[dict[str, Any]], in_window: list[dict[str, Any]], providers: list[str],
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


