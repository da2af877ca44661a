"""Invoice-basis chargeback: the imported bills' money, allocated to the calls that caused it.

Each *cell* of a bill's token lines — provider × model × token category × the line's own
period (a UTC day on most bills; hours where a bill's days are not UTC days) — is divided
among the logged calls in that cell, in proportion to their re-priced cost in that category (`allocate="cost"`)
or to their tokens in it (`allocate="tokens"`). A cell whose calls have no price is
divided by tokens. Calls reach a bill's cell under the model key reconcile matches them
by (LiteLLM's evidence of the model; `invoices.models.billing_model_key`). LiteLLM cache
hits were never sent to the provider and carry none of the bill.

Money no call can carry is kept on explicit rows, per provider: non-token charges
(`(unallocated: web_search)`, `(unallocated: storage)`, …), credits, discounts and refunds
(`(credits)`, `(discounts)`, `(refunds)`), and token lines with no logged call in their cell
(`(unallocated: no logged usage)`). With `spread="proportional"` a provider's explicit rows
are instead divided among the rows that provider's token lines were allocated to, in
proportion to what each was allocated.

Exact: amounts are counted in integer units of 1e-18 USD (MONEY's scale). A split gives
each row floor(amount × weight / total weight) units and the remainder — fewer units than
rows — to the row of largest weight (the first by its dimension values on a tie), so the
rows add up to the bills to the last digit. A tag dimension needs `tag_split="even"`: a
call's share goes to its tags as `report` splits its cost (exact, the remainder to the
first tag).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from litecost.errors import BadInputError, UsageError
from litecost.invoices.models import NO_MODEL, billing_model_key
from litecost.periods import Period
from litecost.pricing.book import PriceBook
from litecost.pricing.repricing import GroupPricing
from litecost.providers import billing_provider
from litecost.reconcile.frame import CATEGORY_COSTS, in_usd
from litecost.reconcile.match import INVOICE_CATEGORY_ALIASES
from litecost.report import (
    _COUNTS, _SIMPLE_DIMENSIONS, OTHER, TOKEN_METRICS, TOTAL, Report, ReportSpec, _call_tags, _scoped_sql,
    _tag_prefix, _tag_values_sql,
)
from litecost.sql import Statement
from litecost.store import fetch_rows, rows_of

ALLOCATE = ("cost", "tokens")
SPREAD = ("none", "proportional")
NO_USAGE = "(unallocated: no logged usage)"
ONE_UNIT = Decimal(1).scaleb(-18)  # MONEY's scale: amounts are split in whole units of 1e-18 USD
_NEGATIVE_KINDS = {"credit": "(credits)", "discount": "(discounts)", "refund": "(refunds)"}


def explicit_label(kind: str) -> str:
    """The row a bill line no call can carry goes to."""
    return _NEGATIVE_KINDS.get(kind) or f"(unallocated: {kind})"


@dataclass(frozen=True)
class ChargebackSpec:
    report: ReportSpec
    invoice_file_ids: tuple[int, ...] = ()  # () = every current bill with money in the period
    allocate: str = "cost"  # cost | tokens
    spread: str = "none"  # none | proportional
    usd_rates: tuple[tuple[str, Decimal], ...] = ()


def chargeback_spec(report: ReportSpec, *, invoices: tuple[int, ...] | list[int] = (), allocate: str = "cost",
                    spread: str = "none", rates: Mapping[str, Decimal | str] | None = None) -> ChargebackSpec:
    """The spec of an invoice-basis report, checked; messages name the CLI's options."""
    from litecost.reconcile.run import usd_rates

    if allocate not in ALLOCATE:
        raise UsageError(f"--allocate {allocate!r} is not cost or tokens")
    if spread not in SPREAD:
        raise UsageError(f"--spread {spread!r} is not none or proportional")
    if any(d == "tag" or d.startswith("tag:") for d in report.dimensions) and report.tag_split != "even":
        raise UsageError("--basis invoice by a tag needs --tag-split even",
                         hint="tag rows overlap otherwise, and a bill's money is allocated once")
    if report.compare_previous:
        raise UsageError("--compare is not available with --basis invoice", hint="compare two invoice-basis reports instead")
    return ChargebackSpec(replace(report, basis="invoice"), tuple(invoices), allocate, spread, usd_rates(rates))


def to_units(amount: Decimal) -> int:
    """An amount in whole units of 1e-18 USD (MONEY's scale)."""
    return int(amount.quantize(ONE_UNIT).scaleb(18))


def from_units(units: int) -> Decimal:
    return Decimal(units).scaleb(-18).quantize(ONE_UNIT)


def split_units(amount: int, weights: dict[Any, int]) -> dict[Any, int]:
    """`amount` (integer units) divided in proportion to positive `weights`, exactly: each key
    gets floor(amount × weight / total) and the remainder goes to the key of largest weight
    (the smallest key on a tie)."""
    total = sum(weights.values())
    shares = {key: amount * weight // total for key, weight in weights.items()}
    largest = min(weights, key=lambda key: (-weights[key], _order(key)))
    shares[largest] += amount - sum(shares.values())
    return shares


def _order(key: Any) -> tuple:
    return tuple("" if v is None else str(v) for v in (key if isinstance(key, tuple) else (key,)))


@dataclass
class Bills:
    """The bills to allocate, their lines in USD over `window`, and the grain calls are summed at."""
    files: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    window: tuple[datetime, datetime]
    grain: timedelta


def load_bills(store, invoice_file_ids: tuple[int, ...], window: tuple[datetime, datetime] | None,  # noqa: ANN001
               usd_rates: tuple[tuple[str, Decimal], ...], *, scope: str, hint: str) -> Bills:
    """The bills of `window` (None: the selected bills' own period) that chargeback and the
    FOCUS export allocate; a one-line error (`hint` says what to do) when there is none."""
    files = selected_bills(store, invoice_file_ids, window)
    if not files:
        raise BadInputError(f"no imported bill with money covers {scope}", hint=hint)
    ids = [f["invoice_file_id"] for f in files]
    if window is None:
        window = store.con.execute(
            "SELECT min(period_start), max(period_end) FROM invoice_lines WHERE list_contains($ids, invoice_file_id)",
            {"ids": ids}).fetchone()
    lines = in_usd(_bill_lines(store.con, ids, *window), dict(usd_rates))
    return Bills(files, lines, tuple(window), _grain(lines))


def selected_bills(store, invoice_file_ids: tuple[int, ...], window: tuple[datetime, datetime] | None) -> list[dict[str, Any]]:  # noqa: ANN001
    """The bill files to allocate: the ids asked for, or every current (not superseded) file
    with money and lines in the window. Two such files of one provider and account would
    count its money twice: a one-line error names them."""
    if invoice_file_ids:
        from litecost.invoices.queries import require_invoice_files

        require_invoice_files(store, list(invoice_file_ids))
        where, params = "list_contains($ids, f.invoice_file_id)", {"ids": list(invoice_file_ids)}
    else:
        where, params = "f.superseded_by IS NULL", {}
    if window is not None:
        where += (" AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_file_id = f.invoice_file_id"
                  " AND l.period_start >= $start AND l.period_start < $end)")
        params |= {"start": window[0], "end": window[1]}
    files = fetch_rows(
        store.con,
        "SELECT f.invoice_file_id, f.path, f.provider, f.layout, f.accounts, f.period_start, f.period_end,"
        f" f.total_amount, f.currency FROM invoice_files f WHERE {where} AND f.total_amount IS NOT NULL"
        " ORDER BY f.invoice_file_id",
        params,
    )
    for i, a in enumerate(files):
        for b in files[i + 1:]:
            same_account = not a["accounts"] or not b["accounts"] or set(a["accounts"]) & set(b["accounts"])
            overlap = a["period_start"] < b["period_end"] and b["period_start"] < a["period_end"]
            if billing_provider(a["provider"]) == billing_provider(b["provider"]) and same_account and overlap:
                raise UsageError(
                    f"bills {a['invoice_file_id']} and {b['invoice_file_id']} both bill {billing_provider(a['provider'])}"
                    " over the same days: allocating both would count that money twice",
                    hint="pass --invoice ID for each bill to allocate (`litecost invoices list` shows them)",
                )
    return files


def _bill_lines(con, file_ids: list[int], start: datetime, end: datetime) -> list[dict[str, Any]]:  # noqa: ANN001
    return fetch_rows(
        con,
        "SELECT provider, model_raw, model, kind, category, period_start, period_end, currency, unit,"
        " sum(quantity) AS quantity, sum(amount) AS amount"
        " FROM invoice_lines WHERE list_contains($ids, invoice_file_id) AND period_start >= $start AND period_start < $end"
        " GROUP BY ALL",
        {"ids": file_ids, "start": start, "end": end},
    )


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(timezone.utc).replace(tzinfo=None)


def _grain(lines: list[dict[str, Any]]) -> timedelta:
    """Calls are summed per UTC day, or per hour where a bill's lines are not cut at UTC
    midnight (AWS's daily lines follow the payer's time zone)."""
    day = timedelta(days=1)
    aligned = all(_utc(line[edge]) == datetime.combine(_utc(line[edge]).date(), datetime.min.time())
                  for line in lines for edge in ("period_start", "period_end"))
    return day if aligned else timedelta(hours=1)


def _buckets(start: datetime, end: datetime, grain: timedelta) -> list[datetime]:
    """The grain's buckets (UTC) a bill line's period [start, end) covers: at least the one it starts in."""
    first = _utc(start)
    first = first.replace(hour=0 if grain.days else first.hour, minute=0, second=0, microsecond=0)
    last, out = _utc(end), [first]
    while out[-1] + grain < last:
        out.append(out[-1] + grain)
    return out


def _call_groups(con, rspec: ReportSpec, grain: timedelta, pricing: GroupPricing,  # noqa: ANN001
                 tag_dim: str | None, column: dict[str, str]) -> list[dict[str, Any]]:
    """Calls in the period summed per (dimension values, tag list, model evidence, UTC day or
    hour, price key, cache hit), then priced: tokens and re-priced cost per category."""
    from litecost.pricing.repricing import category_cost_sql, costed_sql

    params: dict[str, Any] = {"tz": rspec.tz}
    if tag_dim and _tag_prefix(tag_dim):
        params["tag_prefix"] = _tag_prefix(tag_dim)
        params["no_tag_label"] = f"(no {_tag_prefix(tag_dim)[:-1]} tag)"
    plain_dims = [d for d in rspec.dimensions if d != tag_dim]
    keys = [f"{_SIMPLE_DIMENSIONS[d]} AS {column[d]}" for d in plain_dims]
    keys.append(f"{_call_tags(rspec)} AS tags" if tag_dim else "NULL::VARCHAR[] AS tags")
    keys += ["c.provider", "c.model", "c.model_map_key", "c.model_group", "c.model_resolved",
             f"date_trunc('{'day' if grain.days else 'hour'}', timezone('UTC', c.start_time)) AS bucket", "c.cache_hit"]
    token_columns = sorted({tokens for tokens, _ in CATEGORY_COSTS.values()} | {"reasoning_tokens"} | set(TOKEN_METRICS))
    scoped = _scoped_sql(rspec, params, rspec.period)
    params.update(pricing.params)
    Statement.using(
        f"CREATE OR REPLACE TEMP TABLE chargeback_groups AS SELECT {', '.join(keys + pricing.keys('c'))},"
        " count(*) AS requests, count(*) FILTER (WHERE c.status = 'failure') AS failed_requests,"
        f" {', '.join(f'sum(c.{t}) AS {t}' for t in token_columns)}, sum(c.logged_cost) AS logged_cost,"
        f" {', '.join(pricing.probes('c'))} FROM ({scoped}) c GROUP BY ALL",
        params,
    ).execute(con)
    pricing.install(con, "chargeback_groups")

    values = _tag_values_sql(tag_dim, "g.tags") if tag_dim else "[NULL::VARCHAR]"
    dims = "".join(f"g.{column[d]}, " for d in plain_dims)
    return rows_of(Statement.using(
        f"SELECT {dims}{values} AS tag_values, g.provider, g.model, g.model_map_key, g.model_group, g.model_resolved,"
        " g.bucket, g.cache_hit, g.requests, g.failed_requests,"
        " CASE WHEN s.price_row IS NULL THEN g.requests ELSE 0 END AS unpriced_requests,"
        f" {', '.join(f'g.{t}' for t in token_columns)}, g.logged_cost,"
        f" coalesce({costed_sql('g', 's')}, 0) AS repriced_cost,"
        f" {', '.join(f'{category_cost_sql(name)} AS cost_{name}' for name in CATEGORY_COSTS)}"
        f" FROM chargeback_groups g LEFT JOIN {pricing.table} s ON {pricing.join('g', 's')}",
        params,
    ).execute(con))


@dataclass(frozen=True)
class ExplicitCharge:
    """Bill money no logged call carries (or, spread, that stayed unspread): one bill line's
    share of a provider's explicit row."""
    provider: str
    label: str  # (credits), (unallocated: web_search), (unallocated: no logged usage), …
    kind: str  # the line's kind (token for a token line with no logged usage)
    model: str | None
    category: str | None  # token lines only
    start: datetime
    end: datetime
    quantity: Decimal | None
    unit: str | None
    units: int  # 1e-18 USD


@dataclass
class BillAllocation:
    invoice: dict[tuple, int]  # (row key, token category) → 1e-18 USD
    explicit: list[ExplicitCharge]
    unbilled_calls: dict[str, int]  # billing provider → calls no selected bill is from


def allocate_bills(lines: list[dict[str, Any]], groups: list[dict[str, Any]], row_key, grain: timedelta,  # noqa: ANN001
                   allocate: str, spread: str) -> BillAllocation:
    """The bills' `lines` (in USD) allocated to the rows `row_key` makes of the call `groups`
    (each with provider, model evidence, bucket, cache_hit, requests, tokens and cost_<category>),
    per token category: the module's rules, shared by chargeback and the FOCUS export."""
    cells: dict[tuple, int] = defaultdict(int)  # (provider, model key, category, line start, line end) → units
    explicit: dict[tuple, list] = {}
    billed: dict[str, set[str]] = defaultdict(set)

    def add_explicit(provider: str, label: str, line: dict[str, Any], category: str | None, units: int) -> None:
        key = (provider, label, line["kind"], line["model"] or line["model_raw"], category, line["period_start"],
               line["period_end"], line.get("unit"))
        entry = explicit.setdefault(key, [0, None])
        entry[0] += units
        if line.get("quantity") is not None:
            entry[1] = (entry[1] or Decimal(0)) + line["quantity"]

    token_lines: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        provider = billing_provider(line["provider"])
        units = to_units(line["amount"])
        if line["kind"] != "token":
            add_explicit(provider, explicit_label(line["kind"]), line, None, units)
            continue
        model = line["model"] or NO_MODEL
        billed[provider].add(model)
        category = INVOICE_CATEGORY_ALIASES.get(line["category"], line["category"])
        cell = (provider, model, category, line["period_start"], line["period_end"])
        cells[cell] += units
        token_lines[cell].append(line)

    weights: dict[tuple, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # [cost, tokens]
    resolved: dict[tuple, str] = {}
    unbilled: dict[str, int] = defaultdict(int)
    for g in groups:
        if g["cache_hit"]:
            continue
        provider = billing_provider(g["provider"])
        if provider not in billed:
            unbilled[provider] += g["requests"]
            continue
        ident = (g["provider"], g["model"], g["model_map_key"], g["model_group"], g["model_resolved"])
        if ident not in resolved:
            resolved[ident] = billing_model_key(g["provider"], g, billed[provider])[0]
        key = row_key(g)
        for category, (tokens_column, _cost) in CATEGORY_COSTS.items():
            tokens = g[tokens_column] or 0
            cost = g[f"cost_{category}"] or Decimal(0)
            if tokens or cost:
                weight = weights[(provider, resolved[ident], category, g["bucket"])][key]
                weight[0] += to_units(cost)
                weight[1] += tokens

    invoice: dict[tuple, int] = defaultdict(int)
    allocated_by_provider: dict[str, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for cell, units in sorted(cells.items(), key=lambda kv: _order(kv[0])):
        provider, model, category, start, end = cell
        cost_w: dict[tuple, int] = defaultdict(int)
        token_w: dict[tuple, int] = defaultdict(int)
        for bucket in _buckets(start, end, grain):
            for key, (cost, tokens) in weights.get((provider, model, category, bucket), {}).items():
                cost_w[key] += cost
                token_w[key] += tokens
        chosen = {k: w for k, w in (cost_w if allocate == "cost" else token_w).items() if w > 0}
        if not chosen:
            chosen = {k: w for k, w in token_w.items() if w > 0}
        if not chosen:
            for line in token_lines[cell]:
                add_explicit(provider, NO_USAGE, line, category, to_units(line["amount"]))
            continue
        for key, share in split_units(units, chosen).items():
            invoice[(key, category)] += share
            allocated_by_provider[provider][(key, category)] += share

    kept = []
    for (provider, label, kind, model, category, start, end, unit), (units, quantity) in \
            sorted(explicit.items(), key=lambda kv: _order(kv[0])):
        targets = {k: w for k, w in allocated_by_provider.get(provider, {}).items() if w > 0}
        if spread == "proportional" and targets and units:
            for key, share in split_units(units, targets).items():
                invoice[key] += share
        elif units or label != NO_USAGE:
            kept.append(ExplicitCharge(provider, label, kind, model, category, start, end, quantity, unit, units))
    return BillAllocation(dict(invoice), kept, dict(unbilled))


def chargeback(store, spec: ChargebackSpec, book: PriceBook) -> Report:  # noqa: ANN001
    """The invoice-basis report: `spec.report`'s rows with `invoice_cost`, adding up to the
    selected bills over the period, plus the explicit rows of what no call carries (a
    `Report` whose spec's basis is "invoice")."""
    con = store.con
    rspec = spec.report
    bills = load_bills(store, spec.invoice_file_ids, (rspec.period.start, rspec.period.end) if rspec.period else None,
                       spec.usd_rates, scope=rspec.period.label if rspec.period else "the database",
                       hint="import the provider bills first (`litecost invoices import FILE`), or pick another --period")
    files, lines, grain = bills.files, bills.lines, bills.grain
    if rspec.period is None:
        rspec = replace(rspec, period=Period(*bills.window, "the bills' period", "UTC"))

    tag_dim = next((d for d in rspec.dimensions if d == "tag" or d.startswith("tag:")), None)
    column = {d: f"d{i}" for i, d in enumerate(rspec.dimensions)}
    plain_dims = [d for d in rspec.dimensions if d != tag_dim]
    groups = _call_groups(con, rspec, grain, GroupPricing(con, book), tag_dim, column)

    # Per (dimension values, tag values): the report's sums.
    def row_key(g: dict[str, Any]) -> tuple:
        return (*(g[column[d]] for d in plain_dims), tuple(g["tag_values"]))

    sums: dict[tuple, dict[str, Any]] = {}
    for g in groups:
        entry = sums.get(row_key(g))
        if entry is None:
            entry = sums[row_key(g)] = {m: 0 for m in (*_COUNTS, *TOKEN_METRICS)} | {"logged_cost": Decimal(0),
                                                                                        "repriced_cost": Decimal(0)}
        for m in (*_COUNTS, *TOKEN_METRICS):
            entry[m] += g[m] or 0
        entry["logged_cost"] += g["logged_cost"] or Decimal(0)
        entry["repriced_cost"] += g["repriced_cost"] or Decimal(0)
    allocation = allocate_bills(lines, groups, row_key, grain, spec.allocate, spec.spread)
    invoice: dict[tuple, int] = defaultdict(int)
    for (key, _category), units in allocation.invoice.items():
        invoice[key] += units
    explicit_rows: dict[str, int] = defaultdict(int)
    for charge in allocation.explicit:
        explicit_rows[charge.label] += charge.units
    unbilled = allocation.unbilled_calls

    rows = _explode(rspec, tag_dim, plain_dims, sums, invoice)
    rows.sort(key=lambda r: (-r["invoice_cost"], -(r["repriced_cost"] or 0), tuple(str(r[d]) for d in rspec.dimensions)))
    if rspec.top is not None and len(rows) > rspec.top:
        rows = rows[: rspec.top] + [_sum(rows[rspec.top:], rspec.dimensions, OTHER)]
    for label in sorted(explicit_rows):
        rows.append({**{d: label for d in rspec.dimensions}, **{m: 0 for m in (*_COUNTS, *TOKEN_METRICS)},
                     "logged_cost": None, "repriced_cost": None, "invoice_cost": from_units(explicit_rows[label])})
    totals = _sum(rows, rspec.dimensions, TOTAL)
    for m in _COUNTS:  # a call is counted under each of its tags, and once in the total
        totals[m] = sum(entry[m] for entry in sums.values())
    bill_total = sum((line["amount"] for line in lines), Decimal(0))
    if totals["invoice_cost"] != bill_total.quantize(ONE_UNIT):  # the allocation's own invariant
        raise AssertionError(f"chargeback rows add up to {totals['invoice_cost']}, the bills to {bill_total}")
    for row in [*rows, totals]:
        row["share_pct"] = (Decimal(100) * row["invoice_cost"] / bill_total).quantize(Decimal("0.01")) if bill_total else None
    report = Report(rspec, rows, totals, invoices=files, allocation={"allocate": spec.allocate, "spread": spec.spread})
    if explicit_rows:
        report.notes.append(
            "bill money no logged call carries is on the rows in parentheses"
            + ("" if spec.spread == "proportional" else "; --spread proportional divides it among the rows instead")
        )
    if unbilled:
        providers = ", ".join(sorted(unbilled))
        report.notes.append(f"{sum(unbilled.values())} call(s) at {providers} carry none of the bills: no selected bill is from"
                            " that provider")
    return report


def _explode(rspec: ReportSpec, tag_dim: str | None, plain_dims: list[str], sums: dict[tuple, dict[str, Any]],
             invoice: dict[tuple, int]) -> list[dict[str, Any]]:
    """One row per dimension values: each (values, tag list) group split evenly among its
    tags (exact, the remainder to the first tag), then summed."""
    out: dict[tuple, dict[str, Any]] = {}
    for key, entry in sums.items():
        *plain, tags = key
        metrics = {m: entry[m] for m in (*_COUNTS, *TOKEN_METRICS)}
        money = {"logged_cost": to_units(entry["logged_cost"]), "repriced_cost": to_units(entry["repriced_cost"]),
                 "invoice_cost": invoice.get(key, 0)}
        n = len(tags)
        for position, tag in enumerate(tags):
            values = dict(zip(plain_dims, plain))
            if tag_dim:
                values[tag_dim] = tag
            row_id = tuple(values[d] for d in rspec.dimensions)
            row = out.get(row_id)
            if row is None:
                row = out[row_id] = {**values, **{m: 0 for m in metrics}, **{m: 0 for m in money}}
            for m, v in metrics.items():
                # Counts go to every tag's row (a call is a request of each); tokens are split.
                row[m] += v if m in _COUNTS else v // n + (v % n if position == 0 else 0)
            for m, v in money.items():
                row[m] += v // n + (v % n if position == 0 else 0)
    rows = []
    for row in out.values():
        for m in ("logged_cost", "repriced_cost", "invoice_cost"):
            row[m] = from_units(row[m])
        rows.append(row)
    return rows


def _sum(rows: list[dict[str, Any]], dims: tuple[str, ...], label: str) -> dict[str, Any]:
    folded: dict[str, Any] = {d: label for d in dims}
    for m in (*_COUNTS, *TOKEN_METRICS):
        folded[m] = sum(r[m] or 0 for r in rows)
    for m in ("logged_cost", "repriced_cost", "invoice_cost"):
        folded[m] = sum((r[m] or Decimal(0) for r in rows), Decimal(0))
    return folded


def daily_invoice_series(store, spec: ChargebackSpec, book: PriceBook) -> list[dict[str, Any]]:  # noqa: ANN001
    """Invoice-basis cost per calendar day (in the report's time zone), for --chart: the
    days' rows of the same allocation by day alone (explicit rows left out)."""
    by_day = replace(spec, report=replace(spec.report, dimensions=("day",), top=None, tag_split="full"))
    rows = chargeback(store, by_day, book).rows
    return sorted((r for r in rows if not str(r["day"]).startswith("(")), key=lambda r: r["day"])
