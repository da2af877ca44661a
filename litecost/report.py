"""Spend reports: slice calls by tag, key, team, user, model, provider and time, in SQL.

Tags are not additive. By default (`tag_split="full"`) a call counts fully under each
of its tags, as LiteLLM's own tag views do, so tag rows overlap and the totals row is
the de-duplicated total. With `tag_split="even"` the cost and tokens of the calls
that share a tag set are divided among its tags exactly (integer arithmetic on 1e-18
USD units and whole tokens; the remainder, less than one unit per tag, goes to the
set's first tag), so the rows add up to the total to the last digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from litecost.errors import UsageError
from litecost.periods import Period
from litecost.pricing.book import PriceBook
from litecost.pricing.repricing import GroupPricing
from litecost.redact import redact
from litecost.sql import MONEY, Statement
from litecost.tokens import CATEGORIES

UNTAGGED = "(untagged)"
OTHER = "(other)"
TOTAL = "(total)"

# dimension → SQL over one priced call (`c`); every value is text.
_SIMPLE_DIMENSIONS = {
    "key": "coalesce(c.key_alias, c.api_key_hash, '(no key)')",
    "team": "coalesce(c.team_alias, c.team_id, '(no team)')",
    "org": "coalesce(c.org_id, '(no org)')",
    "user": "coalesce(c.user_id, '(no user)')",
    "end_user": "coalesce(c.end_user, '(no end user)')",
    "model": "coalesce(c.model, '(unknown)')",
    "model_group": "coalesce(c.model_group, '(none)')",
    "provider": "coalesce(c.provider, '(unknown)')",
    "status": "c.status",
    "day": "strftime(timezone($tz, c.start_time), '%Y-%m-%d')",
    "week": "strftime(timezone($tz, c.start_time), '%G-W%V')",
    "month": "strftime(timezone($tz, c.start_time), '%Y-%m')",
}
TIME_DIMENSIONS = ("day", "week", "month")
DIMENSION_NAMES = ("tag", "tag:NAME", *_SIMPLE_DIMENSIONS)
TOKEN_METRICS = tuple(c.column for c in CATEGORIES)
COST_METRICS = ("logged_cost", "repriced_cost")
_UNIT = "1000000000000000000"  # 1e18: the money unit of MONEY


@dataclass(frozen=True)
class ReportSpec:
    dimensions: tuple[str, ...]
    period: Period | None = None
    tz: str = "UTC"
    filters: tuple[tuple[str, str], ...] = ()
    tag_split: str = "full"  # full | even
    top: int | None = None
    include_user_agent_tags: bool = False
    compare_previous: bool = False  # each row also shows the previous period's cost and the change
    basis: str = "repriced"  # repriced | invoice (the bills' money allocated to the calls: litecost.chargeback)


@dataclass
class Report:
    spec: ReportSpec
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    previous: Report | None = None
    invoices: list[dict[str, Any]] | None = None  # basis invoice: the bill files allocated
    allocation: dict[str, str] | None = None  # basis invoice: how (allocate, spread)

    def cost_metrics(self) -> tuple[str, ...]:
        return (*COST_METRICS, "invoice_cost") if self.spec.basis == "invoice" else COST_METRICS

    def column_names(self) -> list[str]:
        """The columns of every row, in order: the dimensions, then the metrics."""
        comparison = ["previous_repriced_cost", "change", "change_pct"] if self.previous else []
        return [*self.spec.dimensions, *_COUNTS, *TOKEN_METRICS, *self.cost_metrics(), "share_pct", *comparison]

    def to_document(self) -> dict[str, Any]:
        """The versioned JSON document `litecost report --format json` prints."""
        spec, names = self.spec, self.column_names()
        return {
            "schema_version": 1,
            "period": spec.period.to_dict() if spec.period else None,
            "tz": spec.tz,
            "by": list(spec.dimensions),
            "filters": [{"dimension": d, "value": redact(v)} for d, v in spec.filters],
            "tag_split": spec.tag_split,
            **({"basis": "invoice", **(self.allocation or {}), "invoices": [
                {k: _document_value(f[k]) for k in ("invoice_file_id", "provider", "layout", "period_start", "period_end",
                                                    "total_amount", "currency")} for f in self.invoices or []]}
               if spec.basis == "invoice" else {}),
            "rows": [{n: r.get(n) for n in names} for r in self.rows],
            "totals": {n: self.totals.get(n) for n in names},
            "previous_period": self.previous.spec.period.to_dict() if self.previous else None,
            "notes": self.notes,
        }

    def to_polars(self, *, totals: bool = False):  # noqa: ANN201 - a polars.DataFrame
        """The rows as a polars DataFrame (money exact, as Decimal(38, 18)); `totals` appends
        the (total) row."""
        import polars as pl

        def dtype(name: str):  # noqa: ANN202
            if name in self.spec.dimensions:
                return pl.String
            if name in (*self.cost_metrics(), "previous_repriced_cost", "change"):
                return pl.Decimal(38, 18)
            return pl.Decimal(38, 2) if name.endswith("_pct") else pl.Int64

        names = self.column_names()
        rows = [*self.rows, self.totals] if totals else self.rows
        return pl.DataFrame([{n: r.get(n) for n in names} for r in rows], schema={n: dtype(n) for n in names})


def _document_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def report_spec(by: str | list[str] | tuple[str, ...], *, period: str | None = None, since: str | None = None,
                until: str | None = None, tz: str = "UTC", where: list[str] | tuple[str, ...] = (),
                tag_split: str = "full", top: int | None = None, compare: str | None = None,
                include_user_agent_tags: bool = False, now: datetime | None = None) -> ReportSpec:
    """The spec of a report from what a user asked (the CLI's options, the API's arguments),
    checked; messages name the CLI's options, which the API's arguments mirror."""
    from litecost.periods import resolve_period, zone_info

    zone_info(tz)
    if tag_split not in ("full", "even"):
        raise UsageError(f"--tag-split {tag_split!r} is not full or even")
    if compare not in (None, "previous"):
        raise UsageError(f"--compare {compare!r} is not supported", hint="use --compare previous")
    window = resolve_period(period, since, until, tz, now=now or datetime.now(timezone.utc))
    if compare and window is None:
        raise UsageError("--compare previous needs a --period or --since/--until")
    dimensions = parse_dimensions(by if isinstance(by, str) else ",".join(by))
    return ReportSpec(dimensions, window, tz, parse_filters(list(where)), tag_split, top, include_user_agent_tags,
                      compare_previous=compare == "previous")


def parse_dimensions(text: str) -> tuple[str, ...]:
    dims = tuple(d.strip() for d in text.split(",") if d.strip())
    if not dims:
        raise UsageError("--by needs at least one dimension", hint=f"use one of: {', '.join(DIMENSION_NAMES)}")
    tag_dims = [d for d in dims if d == "tag" or d.startswith("tag:")]
    for dim in dims:
        if dim in _SIMPLE_DIMENSIONS or dim == "tag":
            continue
        if dim.startswith("tag:") and re.fullmatch(r"tag:[^,=\s]+", dim):
            continue
        raise UsageError(f"--by {redact(dim)!r} is not a dimension", hint=f"use one of: {', '.join(DIMENSION_NAMES)}")
    if len(tag_dims) > 1:
        raise UsageError("--by can slice by one tag dimension at a time")
    if len(set(dims)) != len(dims):
        raise UsageError("--by names a dimension twice")
    # A secret typed as a tag name is redacted like the stored tags it is matched against
    # (so it still finds them), and never shown.
    return tuple(redact(d) for d in dims)


def parse_filters(items: list[str]) -> tuple[tuple[str, str], ...]:
    filters = []
    for item in items:
        if "=" not in item:
            raise UsageError(f"--where {redact(item)!r} is not DIM=VALUE", hint="e.g. --where tag=env:prod --where provider=openai")
        dim, value = (redact(part) for part in item.split("=", 1))
        dim = dim.strip()
        if dim not in _SIMPLE_DIMENSIONS and dim != "tag" and not dim.startswith("tag:"):
            raise UsageError(f"--where {dim!r} is not a dimension", hint=f"use one of: {', '.join(DIMENSION_NAMES)}")
        filters.append((dim, value))
    return tuple(filters)


def _tag_prefix(dim: str) -> str | None:
    return dim.split(":", 1)[1] + ":" if dim.startswith("tag:") else None


def _call_tags(spec: ReportSpec) -> str:
    return "list_concat(c.tags, c.user_agent_tags)" if spec.include_user_agent_tags else "c.tags"


def _scoped_sql(spec: ReportSpec, params: dict[str, Any], period: Period | None) -> str:
    """Calls in the period that pass every --where filter (values are parameters)."""
    clauses = ["true"]
    if period is not None:
        params["start"], params["end"] = period.start, period.end
        clauses.append("c.start_time >= $start AND c.start_time < $end")
    for index, (dim, value) in enumerate(spec.filters):
        name = f"f{index}"
        params[name] = value
        if dim == "tag":
            clauses.append(f"list_contains({_call_tags(spec)}, ${name})")
        elif dim.startswith("tag:"):
            params[name] = _tag_prefix(dim) + value
            clauses.append(f"list_contains({_call_tags(spec)}, ${name})")
        else:
            clauses.append(f"{_SIMPLE_DIMENSIONS[dim]} = ${name}")
    return f"SELECT * FROM calls c WHERE {' AND '.join(clauses)}"


def _tag_values_sql(tag_dim: str, tags: str) -> str:
    """The values of a tag dimension for a list of tags (`tags`, stored sorted and unique)."""
    prefix = _tag_prefix(tag_dim)
    if prefix is None:
        return f"CASE WHEN len({tags}) = 0 THEN ['{UNTAGGED}'] ELSE {tags} END"
    matching = f"list_transform(list_filter({tags}, lambda t: starts_with(t, $tag_prefix)), lambda t: substr(t, {len(prefix) + 1}))"
    return f"CASE WHEN len({matching}) = 0 THEN [$no_tag_label] ELSE {matching} END"


def _split(value: str, money: bool) -> str:
    """The part of `value` that falls to one tag row of an even split: an exact integer
    share, the remainder (in 1e-18 USD or whole tokens) going to the first tag."""
    # Whole dollars and the fraction are scaled separately: a MONEY value times 1e18
    # overflows, and DuckDB divides decimals as doubles.
    units = (
        f"(CAST(trunc({value}) AS HUGEINT) * {_UNIT} + CAST(({value} - trunc({value})) * CAST({_UNIT} AS DECIMAL(19, 0)) AS HUGEINT))"
        if money else f"CAST({value} AS HUGEINT)"
    )
    share = f"({units} // tag_count + CASE WHEN tag_position = 1 THEN {units} % tag_count ELSE 0 END)"
    if money:
        return (
            f"(CAST({share} // {_UNIT} AS {MONEY})"
            f" + CAST({share} % {_UNIT} AS DECIMAL(38, 0)) * CAST(0.000000000000000001 AS {MONEY}))"
        )
    return f"CAST({share} AS BIGINT)"


_COUNTS = ("requests", "failed_requests", "unpriced_requests")


def _run(con, spec: ReportSpec, period: Period | None, pricing: GroupPricing) -> tuple[list[dict[str, Any]], dict[str, Any]]:  # noqa: ANN001
    """Sum first, then price, then explode tags.

    Calls are summed per (dimensions, tag list, price key, cache hit) in one scan — token
    counts and logged cost only — and re-priced per group (cost is linear in tokens, so
    this is exact; see `GroupPricing`). Only those few groups are exploded per tag, so
    tag reports cost about as much as any other.
    """
    from litecost.pricing.repricing import costed_sql

    params: dict[str, Any] = {"tz": spec.tz}
    tag_dim = next((d for d in spec.dimensions if d == "tag" or d.startswith("tag:")), None)
    if tag_dim and _tag_prefix(tag_dim):
        params["tag_prefix"] = _tag_prefix(tag_dim)
        params["no_tag_label"] = f"(no {_tag_prefix(tag_dim)[:-1]} tag)"
    split = tag_dim is not None and spec.tag_split == "even"
    # Columns get generated names: a dimension's name (`tag:NAME`) is user text, never SQL.
    column = {d: f"d{i}" for i, d in enumerate(spec.dimensions)}
    plain_dims = [d for d in spec.dimensions if d != tag_dim]
    keys = [f"{_SIMPLE_DIMENSIONS[d]} AS {column[d]}" for d in plain_dims]
    # Group on the stored tag list itself; turning it into the dimension's values (untagged,
    # tag:NAME) happens after grouping, on few rows.
    keys.append(f"{_call_tags(spec)} AS tags" if tag_dim else "NULL::VARCHAR[] AS tags")
    scoped = _scoped_sql(spec, params, period)
    grouped = (
        f"CREATE OR REPLACE TEMP TABLE report_groups AS SELECT {', '.join(keys + pricing.keys('c'))}, c.cache_hit,"
        " count(*) AS requests, count(*) FILTER (WHERE c.status = 'failure') AS failed_requests,"
        + ", ".join(f"sum(c.{m}) AS {m}" for m in TOKEN_METRICS)
        + f", sum(c.logged_cost) AS logged_cost, {', '.join(pricing.probes('c'))} FROM ({scoped}) c GROUP BY ALL"
    )
    params.update(pricing.params)
    Statement.using(grouped, params).execute(con)
    pricing.install(con, "report_groups")
    values = _tag_values_sql(tag_dim, "g.tags") if tag_dim else "[NULL::VARCHAR]"
    costed = (
        f"SELECT g.* EXCLUDE (tags), {values} AS tag_values, {costed_sql('g', 's')} AS repriced_cost,"
        " CASE WHEN s.price_row IS NULL THEN g.requests ELSE 0 END AS unpriced_requests"
        f" FROM report_groups g LEFT JOIN {pricing.table} s ON {pricing.join('g', 's')}"
    )
    # One row per (dimensions, tag values) before splitting, so an even split divides
    # each tag set's totals, whatever groups pricing needed.
    plain = "".join(f"{column[d]}, " for d in plain_dims)
    collapsed = (
        f"SELECT {plain}tag_values, "
        + ", ".join(f"sum({m}) AS {m}" for m in (*_COUNTS, *TOKEN_METRICS, *COST_METRICS))
        + f" FROM costed GROUP BY {plain}tag_values"
    )
    exploded = (
        "SELECT * EXCLUDE (tag_values), unnest(tag_values) AS tag_value,"
        " generate_subscripts(tag_values, 1) AS tag_position, len(tag_values) AS tag_count FROM collapsed"
    )
    dims = [f"tag_value AS {column[d]}" if d == tag_dim else column[d] for d in spec.dimensions]
    group = ", ".join(column[d] for d in spec.dimensions)

    def metrics(suffix: str, divide: bool, once: bool) -> list[str]:
        where = " FILTER (WHERE tag_position = 1)" if once else ""
        items = [f"CAST(coalesce(sum({m}){where}, 0) AS BIGINT) AS {m}{suffix}" for m in _COUNTS]
        items += [
            f"CAST(coalesce(sum({_split(m, False) if divide else m}){where}, 0) AS BIGINT) AS {m}{suffix}"
            for m in TOKEN_METRICS
        ]
        items += [
            f"CAST(coalesce(sum({_split(m, True) if divide else m}){where}, 0) AS {MONEY}) AS {m}{suffix}"
            for m in COST_METRICS
        ]
        return items

    sql = (
        f"WITH costed AS ({costed}), collapsed AS ({collapsed}), exploded AS ({exploded})"
        f" SELECT grouping({group}) > 0 AS is_total, {', '.join(dims)},"
        f" {', '.join(metrics('', split, False))}, {', '.join(metrics('_once', False, True))}"
        f" FROM exploded GROUP BY GROUPING SETS (({group}), ())"
    )
    cursor = Statement.using(sql, params).execute(con)
    dimension_of = {c: d for d, c in column.items()}
    names = [dimension_of.get(d[0], d[0]) for d in cursor.description]
    rows, totals = [], None
    for values in cursor.fetchall():
        record = dict(zip(names, values))
        if record.pop("is_total"):
            totals = {k[: -len("_once")]: v for k, v in record.items() if k.endswith("_once")}
        else:
            rows.append({k: v for k, v in record.items() if not k.endswith("_once")})
    if totals is None:  # no calls at all: DuckDB emits no grand-total row for empty input
        totals = {**{m: 0 for m in (*_COUNTS, *TOKEN_METRICS)}, **{m: Decimal(0) for m in COST_METRICS}}
    return rows, totals


def _sum_rows(rows: list[dict[str, Any]], dims: tuple[str, ...], label: str) -> dict[str, Any]:
    folded: dict[str, Any] = {d: label for d in dims}
    for metric in ("requests", "failed_requests", "unpriced_requests", *TOKEN_METRICS):
        folded[metric] = sum(r[metric] or 0 for r in rows)
    for metric in COST_METRICS:
        folded[metric] = sum((r[metric] or Decimal(0) for r in rows), Decimal(0))
    return folded


def _share(value: Decimal, total: Decimal) -> Decimal | None:
    if not total:
        return None
    return (Decimal(100) * value / total).quantize(Decimal("0.01"))


def spend_report(con, spec: ReportSpec, book: PriceBook) -> Report:  # noqa: ANN001
    """The report for `spec`, re-priced with `book` (compared with the previous period's when
    the spec says so)."""
    rows, totals = _run(con, spec, spec.period, GroupPricing(con, book))
    time_dims = [d for d in spec.dimensions if d in TIME_DIMENSIONS]
    if time_dims:
        rows.sort(key=lambda r: tuple(str(r[d]) for d in spec.dimensions))
    else:
        rows.sort(key=lambda r: (-(r["repriced_cost"] or 0), -(r["logged_cost"] or 0), tuple(str(r[d]) for d in spec.dimensions)))
    if spec.top is not None and len(rows) > spec.top:
        rows = rows[: spec.top] + [_sum_rows(rows[spec.top:], spec.dimensions, OTHER)]
    total_cost = totals["repriced_cost"] or Decimal(0)
    for row in rows:
        row["share_pct"] = _share(row["repriced_cost"], total_cost)
    totals = {**{d: TOTAL for d in spec.dimensions}, **totals, "share_pct": Decimal(100) if total_cost else None}
    report = Report(spec, rows, totals)
    tag_dim = next((d for d in spec.dimensions if d == "tag" or d.startswith("tag:")), None)
    summed = sum((r["repriced_cost"] for r in rows), Decimal(0))
    if tag_dim and spec.tag_split == "full" and summed != totals["repriced_cost"]:
        report.notes.append(
            f"tag rows overlap: a call counts under each of its tags, so the rows add up to "
            f"{summed:,.4f} re-priced USD while the de-duplicated total is {totals['repriced_cost']:,.4f}; "
            "use --tag-split even for rows that add up"
        )
    if totals["unpriced_requests"]:
        report.notes.append(
            f"{totals['unpriced_requests']} call(s) have no price: repriced_cost leaves them out; see `litecost pricing check`"
        )
    if spec.compare_previous:
        compare(report, previous_report(con, spec, book))
    return report


def previous_report(con, spec: ReportSpec, book: PriceBook) -> Report:  # noqa: ANN001
    assert spec.period is not None
    previous = spec.period.previous()
    rows, totals = _run(con, spec, previous, GroupPricing(con, book))
    return Report(replace(spec, period=previous, top=None, compare_previous=False), rows, totals)


def compare(current: Report, previous: Report) -> None:
    """Add previous-period cost and the change to each row of `current` (in place)."""
    dims = current.spec.dimensions
    index = {tuple(r[d] for d in dims): r for r in previous.rows}
    for row in current.rows:
        before = index.get(tuple(row[d] for d in dims))
        if row[dims[0]] == OTHER:
            shown = {tuple(r[d] for d in dims) for r in current.rows}
            before = _sum_rows([r for k, r in index.items() if k not in shown], dims, OTHER) if index else None
        _add_change(row, before)
    _add_change(current.totals, previous.totals)
    current.previous = previous


def _add_change(row: dict[str, Any], before: dict[str, Any] | None) -> None:
    previous_cost = before["repriced_cost"] if before else Decimal(0)
    row["previous_repriced_cost"] = previous_cost
    row["change"] = row["repriced_cost"] - previous_cost
    row["change_pct"] = _share(row["change"], previous_cost) if previous_cost else None


def daily_series(con, spec: ReportSpec, book: PriceBook) -> list[dict[str, Any]]:  # noqa: ANN001
    """Repriced and logged cost per calendar day (in the report's time zone), for --chart."""
    series_spec = ReportSpec(("day",), spec.period, spec.tz, spec.filters, "full", None, spec.include_user_agent_tags)
    rows, _ = _run(con, series_spec, spec.period, GroupPricing(con, book))
    return sorted(rows, key=lambda r: r["day"])
