"""`litecost invoices ...`: import provider billing exports, list and show them."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer

from litecost.cli import options
from litecost.cli.common import LitecostGroup, OutputFormat, SummaryFormat, choose_format, db_path, note, warn, write_output

app = typer.Typer(
    cls=LitecostGroup,
    help="Provider billing exports: import them as canonical invoice lines, list and show them.",
    no_args_is_help=True,
)


class InvoiceProvider(str, Enum):
    auto = "auto"
    openai = "openai"
    anthropic = "anthropic"
    azure = "azure"
    bedrock = "bedrock"
    gcp = "gcp"
    focus = "focus"
    generic = "generic"


class Grouping(str, Enum):
    kind = "kind"
    model = "model"
    category = "category"
    day = "day"
    provider = "provider"



IMPORT_HELP = """Import provider billing/usage exports (idempotent, one transaction).

Layouts are recognised by their columns (--provider auto): OpenAI Cost/Activity CSV
and Costs/Usage API JSON, Anthropic cost/usage report JSON and Console CSVs, Azure
Cost Management exports (EA, MCA, older EA; any header casing), AWS CUR 2.0 and
legacy CUR (Bedrock), GCP billing export (flattened CSV or JSON), FOCUS 1.x (CSV or
Parquet). Anything else: describe its columns with --mapping MAP.yaml (keys in
litecost/invoices/mapping.example.yaml). Every row is kept: token charges by
category, everything else (web search, storage, tax, credits, discounts, fees, ...)
under its own kind. A file already imported adds nothing; a newer export covering
an older one's period (same provider, layout, accounts) supersedes it. Files given
in one run are one delivery (part files) and never supersede each other: import
re-issued exports in separate runs, oldest first."""


@app.command("import", help=IMPORT_HELP, no_args_is_help=True)
def import_command(
    ctx: typer.Context,
    paths: List[str] = typer.Argument(..., help="Files, directories or glob patterns.", metavar="FILE..."),
    provider: InvoiceProvider = typer.Option(InvoiceProvider.auto, "--provider", help="Layout family, or auto-detect."),
    mapping: Optional[Path] = options.MAPPING,
    aliases: Optional[Path] = typer.Option(
        None, "--aliases", help="YAML {invoice model name or glob: logged model} for model matching.", metavar="FILE"
    ),
    fmt: SummaryFormat = typer.Option(SummaryFormat.table, "--format", help="Summary format."),
    wait: float = options.WAIT,
) -> None:
    from litecost.invoices.detect import detect_files
    from litecost.invoices.mapping import load_mapping
    from litecost.invoices.importer import import_invoices
    from litecost.invoices.models import ModelAliases
    from litecost.store import Store

    loaded_mapping = load_mapping(mapping) if mapping is not None else None
    loaded_aliases = ModelAliases.load(aliases) if aliases is not None else None
    sources = detect_files(paths, provider.value, loaded_mapping)
    for src in sources:
        note(f"{src.path}: {src.description} (layout {src.layout.name})")
    with Store.open(db_path(ctx), wait_seconds=wait) as store:
        result = import_invoices(store, sources, aliases=loaded_aliases)
    _write_import_result(result, fmt)


class FetchProvider(str, Enum):
    openai = "openai"
    anthropic = "anthropic"


class FetchBucket(str, Enum):
    day = "1d"
    hour = "1h"


@app.command("fetch", no_args_is_help=True, help="""Fetch a provider's bill for a period from its admin API, save it, import it.

openai: GET /v1/organization/costs (daily buckets by line item and project),
/v1/organization/usage/completions (by model, project, batch and service tier) and
/v1/organization/usage/embeddings (by model and project), with an
admin key from OPENAI_ADMIN_KEY. anthropic: GET /v1/organizations/cost_report (by
workspace and description) and /v1/organizations/usage_report/messages (by model,
workspace, service tier, context window and inference geo), with an admin key from
ANTHROPIC_ADMIN_KEY. Each report's pages are saved as they came into
DIR/PROVIDER-REPORT-PERIOD.json, with what was asked and when in
DIR/PROVIDER-REPORT-PERIOD.fetch.json (never the key), then imported as `invoices import`
would: a later fetch of the same period supersedes the earlier one. --bucket 1h asks the
usage reports for hourly buckets; --group-by adds a grouping to the reports that take it.""")
def fetch_command(
    ctx: typer.Context,
    provider: FetchProvider = typer.Argument(..., help="openai or anthropic.", metavar="PROVIDER"),
    period: str = typer.Option(..., "--period", help="The billing period, in UTC: 2026-10, last-month, …",
                               metavar="PERIOD"),
    directory: Path = typer.Option(Path("bills"), "--dir", help="Where the fetched pages are saved.", metavar="DIR"),
    base_url: str = typer.Option(None, "--base-url", show_default=False,
                                 help="The API's origin (tests, proxies); default https://api.openai.com or"
                                      " https://api.anthropic.com.", metavar="URL"),
    bucket: FetchBucket = typer.Option(FetchBucket.day, "--bucket",
                                       help="Bucket width of the usage reports (the cost reports are daily only)."),
    group_by: Optional[List[str]] = typer.Option(None, "--group-by", metavar="FIELD",
                                                 help="Group the reports that take it by FIELD too (api_key_id,"
                                                      " user_id, …); repeat for more."),
    fmt: SummaryFormat = typer.Option(SummaryFormat.table, "--format", help="Summary format."),
    wait: float = options.WAIT,
) -> None:
    from litecost.invoices.detect import detect_files
    from litecost.invoices.fetch import fetch_bill
    from litecost.invoices.importer import import_invoices
    from litecost.periods import parse_period
    from litecost.store import Store

    with _fetching() as on_page:
        run = fetch_bill(provider.value, parse_period(period, "UTC"), directory, base_url=base_url,
                         bucket=bucket.value, group_by=tuple(group_by or ()), on_page=on_page)
    for saved in run.saved:
        note(f"{saved.path}: {saved.pages} page(s); what was asked: {saved.sidecar}")
    note(f"{provider.value}: {sum(s.pages for s in run.saved)} page(s) fetched in {run.requests} request(s)")
    for edge in run.edge_buckets:
        warn(f"{provider.value} {edge.report}: a bucket crosses the period's edge ({edge.start:%Y-%m-%d %H:%M} →"
             f" {edge.end:%Y-%m-%d %H:%M} UTC): it is imported whole, so the import's period and reconcile's window"
             " run to its ends")
    sources = detect_files([str(saved.path) for saved in run.saved], provider.value)
    with Store.open(db_path(ctx), wait_seconds=wait) as store:
        result = import_invoices(store, sources)
    _write_import_result(result, fmt)


class _fetching:
    """On a terminal, a line on stderr per report counting its pages as they arrive; gone
    when the fetch ends."""

    def __init__(self) -> None:
        self.bar = None
        self.tasks: dict[str, object] = {}

    def __enter__(self):  # noqa: ANN204
        return self.page

    def page(self, report: str, pages: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            from litecost.cli.common import stderr_console

            self.bar = Progress(SpinnerColumn(), TextColumn("fetching {task.description}", markup=False),
                                TextColumn("{task.completed} page(s)"), TimeElapsedColumn(),
                                console=stderr_console(), transient=True)
            self.bar.start()
        if report not in self.tasks:
            self.tasks[report] = self.bar.add_task(report, total=None)
        self.bar.update(self.tasks[report], completed=pages)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _write_import_result(result, fmt: SummaryFormat) -> None:  # noqa: ANN001
    """An import's summary on stdout (table or JSON) and each file's notes on stderr."""
    if fmt is SummaryFormat.json:
        from litecost.cli.render import to_json_document

        write_output(to_json_document(result.to_dict()))
    else:
        write_output(_import_table(result))
    for f in result.files:
        for line in f.notes:
            note(f"{f.path}: {line}")


def _period(row: dict[str, Any]) -> str:
    start, end = row.get("period_start"), row.get("period_end")
    if start is None or end is None:
        return ""
    return f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} UTC"


def _import_table(result):  # noqa: ANN001, ANN202
    from litecost.cli.render import Column, to_rich_table

    rows = []
    for f in result.files:
        row = f.to_dict()
        row["period"] = _period(row)
        row["by_kind"] = ", ".join(f"{k} {n}" for k, n in f.lines_by_kind.items())
        row["providers"] = ", ".join(f.line_providers)
        rows.append(row)
    columns = [
        Column("invoice_file_id", "id", "int"), Column("path", "file"), Column("layout"), Column("status"),
        Column("providers"), Column("period"), Column("rows_read", "rows", "int"), Column("lines", kind="int"),
        Column("by_kind", "lines by kind"), Column("total_amount", "total", "money"), Column("currency"),
    ]
    return to_rich_table(rows, columns)


_LIST_COLUMNS = (
    ("invoice_file_id", "id", "int"), ("provider", None, "text"), ("layout", None, "text"),
    ("period_start", "period start (UTC)", "time"), ("period_end", "period end (UTC)", "time"),
    ("line_providers", "line providers", "list"), ("accounts", None, "list"), ("rows_read", "rows", "int"),
    ("lines", None, "int"), ("total_amount", "total", "money"), ("currency", None, "text"),
    ("superseded_by", "superseded by", "int"), ("imported_at", "imported (UTC)", "time"), ("path", None, "text"),
    ("sha256", None, "text"),
)


@app.command("list")
def list_command(
    ctx: typer.Context,
    show_all: bool = options.SHOW_ALL,
    fmt: Optional[OutputFormat] = options.FORMAT,
    wait: float = options.WAIT,
) -> None:
    """Imported invoice files; only current (not superseded) ones unless --all.

    A file is superseded by a later import (in another run) of the same provider and
    layout whose period covers its period and whose accounts include its accounts
    (month-to-date exports re-issued daily). Reports and reconcile use current
    files only."""
    fmt = choose_format(fmt)
    from litecost.invoices.queries import list_invoice_files
    from litecost.cli.render import Column, render_rows
    from litecost.store import Store

    with Store.open(db_path(ctx), read_only=True, wait_seconds=wait) as store:
        rows = list_invoice_files(store, include_superseded=show_all)
    # On a narrow terminal: accounts, providers, counts and the layout give way; id,
    # provider, period, total and path stay.
    give_way = {"accounts": 90, "line_providers": 80, "rows_read": 70, "lines": 60, "superseded_by": 50,
                "layout": 40, "currency": 30}
    columns = [Column(key, header, kind, give_way=give_way.get(key, 0)) for key, header, kind in _LIST_COLUMNS]
    if fmt is OutputFormat.table:
        for row in rows:
            row["period"] = _period(row)
        hidden = ("sha256", "imported_at", "period_start", "period_end")
        columns = [c for c in columns if c.key not in hidden]
        columns.insert(3, Column("period", prose=True))  # wraps between its words; the path stays whole
    write_output(render_rows(fmt.value, rows, columns, document={"schema_version": 1}, rows_key="invoice_files"))


_LINE_COLUMNS = (
    ("source_row", "row", "int"), ("period_start", "start (UTC)", "time"), ("period_end", "end (UTC)", "time"),
    ("provider", None, "text"), ("account", None, "text"), ("kind", None, "text"), ("model", None, "text"),
    ("category", None, "text"), ("service_tier", "tier", "text"), ("context_tier", "context", "text"),
    ("region", None, "text"), ("quantity", None, "int"), ("unit", None, "text"), ("amount", None, "money"),
    ("currency", None, "text"), ("model_raw", "model (as billed)", "text"), ("description", None, "text"),
)


@app.command("show")
def show_command(
    ctx: typer.Context,
    invoice_file_id: int = typer.Argument(..., help="Invoice file id (see `litecost invoices list`).", metavar="ID"),
    by: Optional[Grouping] = typer.Option(None, "--by", help="Aggregate lines by kind, model, category, day or provider."),
    fmt: Optional[OutputFormat] = options.FORMAT,
    wait: float = options.WAIT,
) -> None:
    """The lines of one imported invoice file, as stored or aggregated."""
    fmt = choose_format(fmt)
    from litecost.invoices.queries import GROUPINGS, invoice_file, invoice_lines
    from litecost.cli.render import Column, render_rows
    from litecost.store import Store

    with Store.open(db_path(ctx), read_only=True, wait_seconds=wait) as store:
        header = invoice_file(store, invoice_file_id)
        rows = invoice_lines(store, invoice_file_id, by.value if by else None)
    if by is None:
        columns = [Column(key, header_, kind) for key, header_, kind in _LINE_COLUMNS]
        if fmt is OutputFormat.table:  # the terminal view: the columns that identify a charge
            hidden = ("period_end", "account", "region", "model_raw", "context_tier")
            columns = [c for c in columns if c.key not in hidden]
        rows_key = "lines"
    else:
        keys = GROUPINGS[by.value]
        columns = [Column(k, f"{k} (UTC)" if k == "day" else None, "time" if k == "day" else "text") for k in keys]
        columns += [Column("currency"), Column("lines", kind="int"), Column("tokens", kind="int"), Column("amount", kind="money")]
        rows_key = "groups"
    if fmt in (OutputFormat.table, OutputFormat.markdown):
        # Whole token counts read better without six zero decimals; machine formats stay exact.
        for row in rows:
            for key in ("quantity", "tokens"):
                if row.get(key) is not None and row[key] == row[key].to_integral_value():
                    row[key] = int(row[key])
    title = f"invoice file #{invoice_file_id}: {header['layout']} · {header['path']}"
    document = {"schema_version": 1, "invoice_file": header, "by": by.value if by else None}
    write_output(render_rows(fmt.value, rows, columns, document=document, rows_key=rows_key, title=title))


@app.command("models")
def models_command(
    ctx: typer.Context,
    aliases: Optional[Path] = typer.Option(
        None, "--aliases", help="Apply this alias file to every stored line first.", metavar="FILE"
    ),
    show_all: bool = options.SHOW_ALL,
    fmt: Optional[OutputFormat] = options.FORMAT,
    wait: float = options.WAIT,
) -> None:
    """Model names as billed, the family key they match logs by, and the logged models
    that match each one, with the LiteLLM evidence that decided (model_map_key,
    model_group, response_model, or the logged model name).

    When a bill names a model the logs name differently (an Azure deployment, a
    fine-tune, a new meter), map it in an alias file, YAML {invoice model name or
    glob pattern: logged model}, and pass it with --aliases (here, to update the
    stored lines, or to `invoices import` for new files)."""
    fmt = choose_format(fmt)
    from litecost.invoices.queries import apply_model_aliases, invoice_models
    from litecost.cli.render import Column, render_rows
    from litecost.store import Store

    if aliases is not None:
        from litecost.invoices.models import ModelAliases

        loaded = ModelAliases.load(aliases)
        with Store.open(db_path(ctx), wait_seconds=wait, must_exist=True) as store:
            changed = apply_model_aliases(store, loaded)
        note(f"{aliases}: {changed} invoice line(s) now match a different model")
    with Store.open(db_path(ctx), read_only=True, wait_seconds=wait) as store:
        rows = invoice_models(store, include_superseded=show_all)
    columns = [
        Column("provider"), Column("model_raw", "model (as billed)"), Column("model", "family key"),
        Column("categories", kind="list"), Column("lines", kind="int"), Column("tokens", kind="int"),
        Column("amount", kind="money"), Column("currency"), Column("logged_as", "logged as (evidence)", "list"),
    ]
    if fmt in (OutputFormat.table, OutputFormat.markdown):
        for row in rows:
            if row.get("tokens") is not None and row["tokens"] == row["tokens"].to_integral_value():
                row["tokens"] = int(row["tokens"])
    if fmt is not OutputFormat.table:
        write_output(render_rows(fmt.value, rows, columns, document={"schema_version": 1}, rows_key="models"))
        return
    # A terminal: the evidence is sentences, one per billed model under the table.
    from litecost.cli.render import Bullets

    write_output(render_rows(fmt.value, rows, [c for c in columns if c.key != "logged_as"]))
    matched = [f"{r['provider']} · {r['model_raw']}: {'; '.join(r['logged_as'])}" for r in rows if r["logged_as"]]
    if matched:
        write_output(Bullets("Logged as (the LiteLLM evidence that matched)", matched))
