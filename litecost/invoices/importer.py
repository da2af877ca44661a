"""`import_invoices`: billing exports → `invoice_files` + `invoice_lines`, in one transaction.

* Idempotent: a file whose sha256 is already stored is reported as already imported
  and adds nothing.
* Every source row lands: `rows_read` counts the file's source records and each of
  them has at least one line in `invoice_lines` (`source_row` points back to it).
  A cost layout writes exactly one line per row, except where a row carries extra
  charges of its own (a GCP row's credits become `credit` lines of the same
  `source_row`); a usage layout writes one line per token category of a row. A
  malformed amount, quantity or date stops the whole import with one error naming
  the file, the row/line and the column; nothing is stored.

Supersede rule (month-to-date exports are re-issued daily; later views must count each
charge once). Two stored files are *comparable* when they have the same `provider`
and `layout` and both have a period (files without lines have none). When a file N is
imported, for every comparable file O that is not yet superseded:

1. If N's period covers O's period (N.start <= O.start and O.end <= N.end) and N's
   accounts include all of O's accounts, then O.superseded_by = N. Equal periods
   count as covering: the later import of the same period (a re-pull with late rows
   or re-rating) wins.
2. Otherwise, if O's period strictly covers N's and O's accounts include all of N's,
   N is the smaller, older view: N.superseded_by = O (importing last month's partial
   export after the full one changes nothing).
3. Otherwise, if the periods overlap only partly (or the account sets differ but
   share an account), both files stay in use and the result carries a note: the
   overlap would be counted twice. Superseding either would silently drop the days
   (or accounts) only it covers. Files with disjoint accounts never interact.

Files imported in one run are one delivery: they never supersede each other (AWS CUR
and Azure exports split a large month into part files that cover the same period
with different rows), and an overlap between them is only noted. So import the
parts of one export together, and successive re-issues in separate runs, oldest
first.

Only files with `superseded_by IS NULL` are current: listings show those, and reconcile
reads the files it is given (`litecost reconcile` names superseded ones). Superseded
files stay stored and listable (`--all`).
A file's period is [min(line period_start), max(line period_end)) in UTC; its
accounts are the distinct `account` values of its lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litecost import __version__
from litecost.invoices.detect import InvoiceSource, detect_files
from litecost.invoices.staging import stage_file
from litecost.redact import redact, redact_sql

if TYPE_CHECKING:
    import duckdb

    from litecost.invoices.models import ModelAliases
    from litecost.store import Store


@dataclass
class FileImport:
    path: str
    sha256: str
    layout: str
    description: str
    provider: str
    status: str  # imported | already imported
    invoice_file_id: int
    rows_read: int = 0
    lines: int = 0
    lines_by_kind: dict[str, int] = field(default_factory=dict)
    amount_by_kind: dict[str, Decimal] = field(default_factory=dict)
    total_amount: Decimal | None = None
    currency: str | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    accounts: list[str] = field(default_factory=list)
    line_providers: list[str] = field(default_factory=list)
    supersedes: list[int] = field(default_factory=list)
    superseded_by: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportResult:
    files: list[FileImport] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "files": [f.to_dict() for f in self.files],
            "imported": sum(1 for f in self.files if f.status == "imported"),
            "already_imported": sum(1 for f in self.files if f.status != "imported"),
            "lines": sum(f.lines for f in self.files if f.status == "imported"),
        }


def import_invoices(
    store: Store,
    paths: Sequence[str | Path | InvoiceSource],
    provider: str = "auto",
    mapping: Any = None,
    *,
    aliases: ModelAliases | str | Path | None = None,
    on_file: Callable[[int, InvoiceSource], None] | None = None,
) -> ImportResult:
    """Import billing exports; detection of every file happens before anything is written."""
    from litecost.invoices.mapping import load_mapping
    from litecost.invoices.models import ModelAliases

    if isinstance(mapping, (str, Path)):
        mapping = load_mapping(Path(mapping))
    if isinstance(aliases, (str, Path)):
        aliases = ModelAliases.load(Path(aliases))
    sources: list[InvoiceSource] = []
    plain = [str(p) for p in paths if not isinstance(p, InvoiceSource)]
    detected = iter(detect_files(plain, provider, mapping) if plain else [])
    for p in paths:
        sources.append(p if isinstance(p, InvoiceSource) else next(detected))
    sources.extend(detected)  # a directory or glob expands to several files

    result = ImportResult()
    # DuckDB draws progress bars on long queries; stderr is for litecost's own lines.
    store.con.execute("SET enable_progress_bar = false")
    run: list[int] = []  # files stored by this run: one delivery, never superseding each other
    with store.transaction() as con:
        for index, src in enumerate(sources):
            if on_file:
                on_file(index, src)
            imported = _import_file(con, src, aliases, run)
            if imported.status == "imported":
                run.append(imported.invoice_file_id)
            result.files.append(imported)
    return result


def _import_file(
    con: duckdb.DuckDBPyConnection, src: InvoiceSource, aliases: ModelAliases | None, run: list[int]
) -> FileImport:
    done = con.execute(
        "SELECT invoice_file_id FROM invoice_files WHERE sha256 = ? ORDER BY invoice_file_id LIMIT 1", [src.sha256]
    ).fetchone()
    if done:
        stored = stored_file_summary(con, done[0])
        stored.update(path=redact(str(src.path)), status="already imported", notes=[f"same content as invoice file #{done[0]}"])
        return FileImport(**stored)

    file_id = con.execute("SELECT nextval('invoice_file_id_seq')").fetchone()[0]
    staged = stage_file(con, src, aliases)
    # A bill's text is stored and shown: secrets in it are redacted like a log's.
    description = redact_sql("NULLIF(trim(s.description), '')")
    con.execute(
        f"INSERT INTO invoice_lines SELECT $id, s.source_row, s.period_start, s.period_end, s.provider, {redact_sql('s.account')},"
        f" s.kind, {redact_sql('s.model_raw')}, {redact_sql('m.model')}, s.category, coalesce(s.service_tier, 'standard'),"
        f" s.context_tier, {redact_sql('s.region')}, s.quantity, {redact_sql('s.unit')}, s.amount, s.currency,"
        f" {description}"
        " FROM staged s LEFT JOIN inv_models m ON m.provider = s.provider AND m.model_raw = s.model_raw",
        {"id": file_id},
    )
    lines, start, end, accounts, currencies, currency, total = con.execute(
        "SELECT count(*), min(period_start), max(period_end),"
        f" list_sort(list(DISTINCT {redact_sql('account')}) FILTER (WHERE account IS NOT NULL)),"
        " count(DISTINCT currency), min(currency), sum(amount) FROM staged"
    ).fetchone()
    single_currency = currencies == 1
    costed = src.layout.measures == "cost" and single_currency
    con.execute(
        "INSERT INTO invoice_files VALUES ($id, $path, $sha, $provider, $layout, $start, $end, $accounts, $rows, $lines,"
        " $total, $currency, now(), NULL, $version)",
        {
            "id": file_id, "path": redact(str(src.path)), "sha": src.sha256, "provider": src.layout.family,
            "layout": src.layout.name, "start": start, "end": end, "accounts": accounts or [],
            "rows": staged.rows_read, "lines": lines, "total": total if costed else None,
            "currency": currency if costed else None, "version": __version__,
        },
    )
    summary = stored_file_summary(con, file_id)
    summary.update(status="imported", notes=list(staged.notes))
    imported = FileImport(**summary)
    _supersede(con, imported, run)
    return imported


def stored_file_summary(con: duckdb.DuckDBPyConnection, file_id: int) -> dict[str, Any]:
    from litecost.invoices.adapters import all_layouts

    (path, sha, provider, layout, start, end, accounts, rows, lines, total, currency, superseded_by) = con.execute(
        "SELECT path, sha256, provider, layout, period_start, period_end, accounts, rows_read, lines, total_amount,"
        " currency, superseded_by FROM invoice_files WHERE invoice_file_id = ?",
        [file_id],
    ).fetchone()
    by_kind = con.execute(
        "SELECT kind, count(*), sum(amount) FROM invoice_lines WHERE invoice_file_id = ? GROUP BY kind ORDER BY kind",
        [file_id],
    ).fetchall()
    providers = [r[0] for r in con.execute(
        "SELECT DISTINCT provider FROM invoice_lines WHERE invoice_file_id = ? ORDER BY provider", [file_id]
    ).fetchall()]
    supersedes = [r[0] for r in con.execute(
        "SELECT invoice_file_id FROM invoice_files WHERE superseded_by = ? ORDER BY invoice_file_id", [file_id]
    ).fetchall()]
    description = next((lay.description for lay in all_layouts() if lay.name == layout), layout)
    return {
        "path": path, "sha256": sha, "layout": layout, "description": description, "provider": provider,
        "status": "", "invoice_file_id": file_id, "rows_read": rows, "lines": lines,
        "lines_by_kind": {k: n for k, n, _ in by_kind}, "amount_by_kind": {k: a for k, _, a in by_kind},
        "total_amount": total, "currency": currency, "period_start": start, "period_end": end,
        "accounts": list(accounts or []), "line_providers": providers, "supersedes": supersedes,
        "superseded_by": superseded_by,
    }


_SAME_EXPORT = (
    "superseded_by IS NULL AND invoice_file_id <> $id AND provider = $provider AND layout = $layout"
    " AND period_start IS NOT NULL AND period_end IS NOT NULL"
)
_COMPARABLE = _SAME_EXPORT + " AND NOT list_contains(CAST($run AS BIGINT[]), invoice_file_id)"
# Disjoint accounts (two projects' exports of the same days) never double-count.
_SHARED_ACCOUNTS = (
    " AND (list_has_any(coalesce(accounts, CAST([] AS VARCHAR[])), CAST($accounts AS VARCHAR[]))"
    "      OR (len(coalesce(accounts, [])) = 0 AND len(CAST($accounts AS VARCHAR[])) = 0))"
)


def _supersede(con: duckdb.DuckDBPyConnection, new: FileImport, run: list[int]) -> None:
    if new.period_start is None or new.period_end is None:
        return
    params = {
        "id": new.invoice_file_id, "provider": new.provider, "layout": new.layout,
        "start": new.period_start, "end": new.period_end, "accounts": new.accounts, "run": run,
    }
    parts = [r[0] for r in con.execute(
        f"SELECT invoice_file_id FROM invoice_files WHERE {_SAME_EXPORT}"
        " AND list_contains(CAST($run AS BIGINT[]), invoice_file_id)"
        f" AND period_start < $end AND $start < period_end{_SHARED_ACCOUNTS} ORDER BY invoice_file_id",
        params,
    ).fetchall()]
    if parts:
        new.notes.append(
            "overlaps invoice file " + ", ".join(f"#{i}" for i in parts) + " of this run: taken as parts of one export"
            " (files of one run never supersede each other; import re-issued exports in separate runs, oldest first)"
        )
    older = [r[0] for r in con.execute(
        f"SELECT invoice_file_id FROM invoice_files WHERE {_COMPARABLE}"
        " AND $start <= period_start AND period_end <= $end"
        " AND list_has_all(CAST($accounts AS VARCHAR[]), coalesce(accounts, CAST([] AS VARCHAR[])))"
        " ORDER BY invoice_file_id",
        params,
    ).fetchall()]
    if older:
        con.execute(
            "UPDATE invoice_files SET superseded_by = $id WHERE list_contains($older, invoice_file_id)",
            {"id": new.invoice_file_id, "older": older},
        )
        new.supersedes = older
        new.notes.append("supersedes invoice file " + ", ".join(f"#{i}" for i in older) + " (same export, covered period)")
    wider = con.execute(
        f"SELECT invoice_file_id FROM invoice_files WHERE {_COMPARABLE}"
        " AND period_start <= $start AND $end <= period_end AND (period_start < $start OR $end < period_end)"
        " AND list_has_all(coalesce(accounts, CAST([] AS VARCHAR[])), CAST($accounts AS VARCHAR[]))"
        " ORDER BY imported_at DESC, invoice_file_id DESC LIMIT 1",
        params,
    ).fetchone()
    if wider:
        con.execute("UPDATE invoice_files SET superseded_by = ? WHERE invoice_file_id = ?", [wider[0], new.invoice_file_id])
        new.superseded_by = wider[0]
        new.notes.append(f"superseded on import by invoice file #{wider[0]}, which covers a longer period of the same export")
        return
    partial = [r[0] for r in con.execute(
        f"SELECT invoice_file_id FROM invoice_files WHERE {_COMPARABLE}"
        " AND period_start < $end AND $start < period_end AND NOT list_contains($older, invoice_file_id)"
        f"{_SHARED_ACCOUNTS} ORDER BY invoice_file_id",
        {**params, "older": older},
    ).fetchall()]
    if partial:
        new.notes.append(
            "overlaps invoice file " + ", ".join(f"#{i}" for i in partial) + " only in part: both stay in use, so"
            " charges in the overlapping days count twice; import one export covering both periods instead"
        )
