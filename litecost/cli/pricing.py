"""`litecost pricing ...`: inspect, check, compare and refresh the price book."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import typer

from litecost.cli import options
from litecost.cli.common import LitecostGroup, OutputFormat, choose_format, db_path, note, warn, write_output
from litecost.pricing.book import load_book

app = typer.Typer(cls=LitecostGroup, help="The price book: show, check, diff, sync, import-config.", no_args_is_help=True)



def _per_million(value) -> str:  # noqa: ANN001
    from decimal import Decimal

    return format((value * Decimal(1_000_000)).normalize(), "f")


@app.command("show")
def show(
    model: str = typer.Argument(..., help="A model name as logged or as listed in the price map."),
    provider: Optional[str] = typer.Option(None, "--provider", help="The call's provider (for provider/model keys)."),
    at: Optional[str] = typer.Option(None, "--at", help="Prices in effect at this date/time (UTC).", metavar="DATE"),
    pricing: Optional[List[str]] = options.PRICING,
    fmt: Optional[OutputFormat] = options.FORMAT,
) -> None:
    """The resolved prices for MODEL and the layer each came from (USD per 1M tokens)."""
    fmt = choose_format(fmt)
    from litecost.errors import UsageError
    from litecost.periods import parse_instant
    from litecost.pricing.keys import PRICED_CATEGORIES, SERVICE_TIERS
    from litecost.pricing.litellm_map import call_names
    from litecost.cli.render import Column, render_rows

    book = load_book(pricing)
    instant = parse_instant(at, "UTC", what="--at") if at else datetime.now(timezone.utc)
    segments = book.resolve_segments(call_names(model, provider, None), provider)
    segment = next((s for s in segments if (s.valid_from is None or s.valid_from <= instant) and (s.valid_to is None or instant < s.valid_to)), None)
    if segment is None:
        raise UsageError(f"no price for {model!r}" + (f" at {at}" if at else ""), hint="see `litecost pricing check`, or add it to an override file")
    off_peak = segment.off_peak is not None and segment.off_peak.is_open(instant)
    rates = segment.off_peak_rates if off_peak else segment.rates
    rows = []
    for threshold in segment.thresholds:
        for svc in SERVICE_TIERS:
            for category in PRICED_CATEGORIES:
                rate = rates.get((svc, threshold, category))
                if rate is None:
                    continue
                rows.append({
                    "service_tier": svc, "above_tokens": threshold, "category": category,
                    "usd_per_1m_tokens": _per_million(rate.value), "usd_per_token": rate.value,
                    "layer": rate.layer, "source": rate.where,
                })
    window = f"{segment.valid_from.date() if segment.valid_from else '…'} to {segment.valid_to.date() if segment.valid_to else '…'}"
    title = f"{model} priced as {segment.model_key} (valid {window}); USD per 1M tokens"
    if segment.adjustments:
        title += f"; adjustments: {'; '.join(segment.adjustments)}"
    if segment.off_peak is not None:
        title += f"; off-peak rates {'in force' if off_peak else 'not in force'} at {instant:%Y-%m-%d %H:%M} UTC"
    document = {"schema_version": 1, "model": model, "price_model": segment.model_key, "at": instant,
                "off_peak": off_peak if segment.off_peak is not None else None,
                "valid_from": segment.valid_from, "valid_to": segment.valid_to,
                "multiplier": segment.multiplier, "adjustments": segment.adjustments}
    if fmt in (OutputFormat.table, OutputFormat.markdown):
        # For people: one row per category, one column per service tier.
        wide: dict[tuple[int, str], dict] = {}
        for row in rows:
            entry = wide.setdefault((row["above_tokens"], row["category"]), {
                "above_tokens": row["above_tokens"], "category": row["category"]})
            entry[row["service_tier"]] = row["usd_per_1m_tokens"]
            if row["service_tier"] == "standard":
                source = row["source"]
                entry["source"] = source if source.startswith(row["layer"]) else f"{row['layer']}: {source}"
        rows = list(wide.values())
        columns = [Column("above_tokens", "above tokens", "int"), Column("category"),
                   *(Column(svc) for svc in SERVICE_TIERS), Column("source", "standard price from", prose=True)]
    else:
        columns = [Column("service_tier"), Column("above_tokens", kind="int"), Column("category"),
                   Column("usd_per_1m_tokens"), Column("usd_per_token"), Column("layer"), Column("source")]
    write_output(render_rows(fmt.value, rows, columns, document=document, rows_key="prices", title=title))


@app.command("check")
def check(
    ctx: typer.Context,
    strict: bool = typer.Option(False, "--strict", help="Exit 4 when any model in the database has no price."),
    pricing: Optional[List[str]] = options.PRICING,
    fmt: Optional[OutputFormat] = options.FORMAT,
    wait: float = options.WAIT,
) -> None:
    """Models in the database that the price book cannot price."""
    fmt = choose_format(fmt)
    from litecost.errors import PricingIncompleteError
    from litecost.pricing.repricing import install_priced_calls
    from litecost.pricing.diff import calls_without_usage, unpriced_models
    from litecost.cli.render import Column, render_rows
    from litecost.store import Store

    book = load_book(pricing)
    with Store.open(db_path(ctx), read_only=True, wait_seconds=wait) as store:
        install_priced_calls(store.con, book)
        rows = unpriced_models(store.con)
        without_usage = calls_without_usage(store.con)
    columns = [Column("provider"), Column("model"), Column("model_group"), Column("calls", kind="int"),
               Column("first_call", kind="time"), Column("last_call", kind="time"), Column("logged_cost", kind="money")]
    write_output(render_rows(fmt.value, rows, columns, document={"schema_version": 1}, rows_key="unpriced"))
    if rows:
        message = f"{len(rows)} model(s) in {sum(r['calls'] for r in rows)} call(s) have no price"
        if strict:
            raise PricingIncompleteError(message, hint="add them to a --pricing override file")
        warn(message + "; they are reported as unpriced, never as $0")
    else:
        note("every model in the database has a price")
    if without_usage:
        warn(f"{without_usage} call(s) logged no token counts: no price applies, so they are reported as unpriced"
             " (pricing diff: 'no usage logged')")


@app.command("diff")
def diff(
    ctx: typer.Context,
    period: Optional[str] = options.PERIOD,
    since: Optional[str] = options.SINCE,
    until: Optional[str] = options.UNTIL,
    tz: str = options.TZ,
    by: str = typer.Option("model", "--by", help="model, provider, price_model or service_tier."),
    top: int = typer.Option(10, "--top", help="How many individual calls to list."),
    pricing: Optional[List[str]] = options.PRICING,
    fmt: Optional[OutputFormat] = options.FORMAT,
    wait: float = options.WAIT,
) -> None:
    """Logged cost (LiteLLM's spend) vs re-priced cost, with the likely reason for each gap."""
    fmt = choose_format(fmt)
    from litecost.errors import UsageError
    from litecost.periods import resolve_period
    from litecost.pricing.repricing import install_priced_calls
    from litecost.pricing.diff import DIFF_DIMENSIONS, diff_by, largest_differences, reason_summary
    from litecost.cli.render import Column, render_rows, to_json_document
    from litecost.store import Store

    if by not in DIFF_DIMENSIONS:
        raise UsageError(f"--by {by!r} is not one of {', '.join(DIFF_DIMENSIONS)}")
    window = resolve_period(period, since, until, tz, now=datetime.now(timezone.utc))
    book = load_book(pricing)
    with Store.open(db_path(ctx), read_only=True, wait_seconds=wait) as store:
        install_priced_calls(store.con, book)
        groups = diff_by(store.con, window, by)
        reasons = reason_summary(store.con, window)
        calls = largest_differences(store.con, window, top)
    # On a narrow terminal the keys, the delta and the reason stay; counts and the two costs give way.
    group_columns = [Column(by), Column("calls", kind="int", give_way=30), Column("unpriced_calls", "unpriced", "int", give_way=40),
                     Column("logged_cost", kind="money", give_way=20), Column("repriced_cost", kind="money", give_way=20),
                     Column("delta", kind="money"), Column("delta_pct", "delta % of logged", "pct", give_way=10)]
    reason_columns = [Column("likely_reason"), Column("reason_code", "code", give_way=30), Column("calls", kind="int"),
                      Column("delta", kind="money")]
    call_columns = [Column("request_id"), Column("start_time", kind="time", give_way=20), Column("model"),
                    Column("logged_cost", kind="usd", give_way=30), Column("repriced_cost", kind="usd", give_way=30),
                    Column("delta", kind="usd"), Column("reason_code", "code", give_way=40), Column("likely_reason", prose=True)]
    if fmt is OutputFormat.json:
        write_output(to_json_document({
            "schema_version": 1, "period": window.to_dict() if window else None, "by": by,
            "groups": groups, "reasons": reasons, "largest_differences": calls,
        }))
        return
    if fmt in (OutputFormat.csv, OutputFormat.jsonl):
        write_output(render_rows(fmt.value, groups, group_columns))
        return
    label = window.label if window else "all time"
    for rows, columns, title in ((groups, group_columns, f"Logged vs re-priced cost by {by}, {label}"),
                                 (reasons, reason_columns, "Likely reasons"),
                                 (calls, call_columns, f"Largest differences (top {top})")):
        write_output(render_rows(fmt.value, rows, columns, title=title))


@app.command("sync")
def sync_command(
    url: Optional[str] = typer.Option(None, "--url", help="Download the LiteLLM price map from URL [default: LiteLLM's main branch]."),
    from_file: Optional[Path] = typer.Option(None, "--from-file", help="Use a price map file you downloaded.", metavar="PATH"),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
) -> None:
    """Replace the bundled price snapshot (explicit only; records where and when it came from)."""
    from litecost.pricing.sync import sync
    from litecost.cli.render import Column, render_rows, to_json_document

    record = sync(url=url, from_file=str(from_file) if from_file else None, now=datetime.now(timezone.utc))
    if fmt is OutputFormat.json:
        write_output(to_json_document({"schema_version": 1, **record}))
        return
    rows = [{"item": k, "value": v} for k, v in record.items()]
    write_output(render_rows(fmt.value, rows, [Column("item"), Column("value")]))


@app.command("import-config")
def import_config_command(
    config: Path = typer.Argument(..., help="A LiteLLM proxy config.yaml."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the overrides here (atomically) instead of stdout."),
) -> None:
    """Turn custom prices in a LiteLLM proxy config.yaml into a litecost YAML override layer."""
    from litecost.pricing.import_config import import_config, to_yaml

    document, warnings = import_config(config)
    for message in warnings:
        warn(message)
    header = (f"litecost price overrides imported from {config.name} by `litecost pricing import-config`.\n"
              f"Use with: litecost report --pricing {output.name if output else 'THIS_FILE.yaml'}")
    write_output(to_yaml(document, header), output)
    note(f"imported custom prices for {len(document['models'])} model(s)")
