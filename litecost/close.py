"""The monthly close package: one folder a controller can archive and verify later.

`close_month` imports the period's bills (idempotently), reconciles them with the logged
calls, allocates them to teams and tags (`litecost.chargeback`), and writes:

- `index.html` — a self-contained page (inline CSS and SVG charts, no script, no network):
  headline figures, spend per day by provider, a waterfall from LiteLLM's logged cost to the
  bills, chargeback by team and by tag, the largest discrepancies, and the tables;
- `report.md` — headline figures, the chargeback tables, the largest discrepancies, the
  unpriced models and the inputs, for a wiki or a pull request;
- one CSV per table (`CLOSE_TABLES`), exact decimals, the same columns as `report` and
  `reconcile` print;
- `manifest.json` — the inputs (each bill's sha256, the ingests behind the period's
  calls, the price book's files and their sha256, litecost's version), the options, the
  headline, and the sha256 of every other file, so `verify_close` can tell later whether
  anything in the folder changed.

Deterministic: the same database, bills and price book give byte-identical files (no clock
time, no absolute path is written). The folder is written beside its final place and moved
there whole: a failed run leaves the previous close as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from litecost import __version__
from litecost.chargeback import chargeback, chargeback_spec
from litecost.close_page import close_page
from litecost.errors import BadInputError, UsageError
from litecost.formats import Column, to_csv, to_markdown
from litecost.money import money_text
from litecost.periods import Period
from litecost.pricing.book import PriceBook
from litecost.reconcile.result import Reconciliation, ReconcileSpec
from litecost.reconcile.run import BillInputs, reconcile_invoices
from litecost.report import TOKEN_METRICS, Report, ReportSpec
from litecost.store import Store, fetch_rows

MANIFEST = "manifest.json"
CLOSE_TABLES = {
    "chargeback-team.csv": "chargeback by team (invoice basis)",
    "chargeback-tag.csv": "chargeback by tag (invoice basis, tags split evenly)",
    "spend-by-day.csv": "spend per UTC day and provider: logged, re-priced and invoice basis",
    "reconciliation.csv": "every reconciliation row",
    "discrepancies.csv": "the reconciliation rows that are not matched, largest first",
    "unpriced-models.csv": "models in the period the price book cannot price",
}
_TOP_DISCREPANCIES = 10


@dataclass(frozen=True)
class CloseSpec:
    period: Period
    tag_dimension: str = "tag"  # tag, or tag:NAME
    allocate: str = "cost"
    spread: str = "none"
    usd_rates: tuple[tuple[str, Decimal], ...] = ()


@dataclass
class ClosePackage:
    folder: Path
    outputs: dict[str, str]  # file name → sha256
    headline: dict[str, Any]
    reconciliation: Reconciliation
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def close_spec(period: str, *, tag_dimension: str = "tag", allocate: str = "cost", spread: str = "none",
               rates: dict[str, Decimal | str] | None = None) -> CloseSpec:
    """The spec of a close, checked; messages name the CLI's options."""
    from datetime import datetime, timezone

    from litecost.chargeback import ALLOCATE, SPREAD
    from litecost.periods import resolve_period
    from litecost.reconcile.run import usd_rates
    from litecost.report import parse_dimensions

    window = resolve_period(period, None, None, "UTC", now=datetime.now(timezone.utc))
    [dimension] = parse_dimensions(tag_dimension)
    if dimension != "tag" and not dimension.startswith("tag:"):
        raise UsageError(f"--tag {tag_dimension!r} is not a tag dimension", hint="use tag, or tag:NAME (e.g. tag:team)")
    if allocate not in ALLOCATE:
        raise UsageError(f"--allocate {allocate!r} is not cost or tokens")
    if spread not in SPREAD:
        raise UsageError(f"--spread {spread!r} is not none or proportional")
    return CloseSpec(window, dimension, allocate, spread, usd_rates(rates))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _by(dimension: str, spec: CloseSpec, ids: tuple[int, ...]) -> Any:
    report = ReportSpec((dimension,), spec.period, "UTC", tag_split="even")
    return chargeback_spec(report, invoices=ids, allocate=spec.allocate, spread=spec.spread,
                           rates=dict(spec.usd_rates))


def _chargeback_columns(report: Report) -> list[Column]:
    return [*(Column(d) for d in report.spec.dimensions), Column("requests", kind="int"),
            Column("failed_requests", kind="int"), Column("unpriced_requests", kind="int"),
            *(Column(m, kind="int") for m in TOKEN_METRICS), Column("logged_cost", kind="money"),
            Column("repriced_cost", kind="money"), Column("invoice_cost", kind="money"), Column("share_pct", kind="pct")]


_RECONCILE_COLUMNS = [
    Column("provider"), Column("model"), Column("category"), Column("invoice_quantity", kind="int"),
    Column("log_quantity", kind="int"), Column("invoice_amount", kind="money"), Column("logged_cost", kind="money"),
    Column("repriced_cost", kind="money"), Column("delta_amount", kind="money"), Column("delta_pct", kind="pct"),
    Column("status"), Column("explanation"), Column("invoice_model"), Column("log_model"), Column("evidence"),
]
_UNPRICED_COLUMNS = [Column("provider"), Column("model"), Column("model_group"), Column("calls", kind="int"),
                     Column("logged_cost", kind="money")]
_DAY_COLUMNS = [Column("day"), Column("provider"), Column("requests", kind="int"), Column("logged_cost", kind="money"),
                Column("repriced_cost", kind="money"), Column("invoice_cost", kind="money")]


def _unpriced(con, spec: CloseSpec, book: PriceBook) -> list[dict[str, Any]]:  # noqa: ANN001
    from litecost.pricing.diff import unpriced_models
    from litecost.pricing.repricing import install_priced_calls

    install_priced_calls(con, book)
    return unpriced_models(con, spec.period.start, spec.period.end)


def _ingests(con, spec: CloseSpec) -> list[dict[str, Any]]:  # noqa: ANN001
    """The ingests that stored the period's calls: what the close was computed from."""
    return fetch_rows(
        con,
        "SELECT i.ingest_id, i.path, i.kind, i.format, i.blake3, i.sha256, i.inserted, count(c.request_id) AS calls_in_period"
        " FROM ingests i JOIN calls c USING (ingest_id) WHERE c.start_time >= $start AND c.start_time < $end"
        " GROUP BY ALL ORDER BY i.ingest_id",
        {"start": spec.period.start, "end": spec.period.end},
    )


def close_month(store: Store, spec: CloseSpec, bills: BillInputs, book: PriceBook, folder: Path) -> ClosePackage:
    """Write the close package for `spec.period` into `folder` (replacing an earlier close
    there; any other existing folder is refused)."""
    folder = Path(folder)
    _check_target(folder)
    contents, package = _build(store, spec, bills, book)
    _write_folder(folder, contents)
    package.folder = folder
    return package


def _build(store: Store, spec: CloseSpec, bills: BillInputs, book: PriceBook) -> tuple[dict[str, bytes], ClosePackage]:
    """Every file of the close package (name → bytes), and what it says."""
    reconciliation = reconcile_invoices(
        store, bills, ReconcileSpec((), spec.period, "UTC", usd_rates=spec.usd_rates), book)
    ids = tuple(sorted(reconciliation.spec.invoice_file_ids))
    # The package does not depend on the order the bills were named in.
    reconciliation.invoices = sorted(reconciliation.invoices, key=lambda f: f["invoice_file_id"])
    by_team = chargeback(store, _by("team", spec, ids), book)
    by_tag = chargeback(store, _by(spec.tag_dimension, spec, ids), book)
    by_day = chargeback(store, chargeback_spec(ReportSpec(("day", "provider"), spec.period, "UTC"), invoices=ids,
                                               allocate=spec.allocate, spread=spec.spread,
                                               rates=dict(spec.usd_rates)), book)
    unpriced = _unpriced(store.con, spec, book)
    ingests = _ingests(store.con, spec)
    summary = reconciliation.summary
    headline = {
        "bills": by_team.totals["invoice_cost"],
        "logged": by_team.totals["logged_cost"],
        "repriced": by_team.totals["repriced_cost"],
        "reconciled_invoice_total": summary["invoice_total"],
        "gap": summary["gap"],
        "explained_gap": summary["explained_gap"],
        "unexplained_gap": summary["unexplained_gap"],
        "calls": by_team.totals["requests"],
        "unpriced_calls": sum(r["calls"] for r in unpriced),
    }
    discrepancies = sorted((r for r in reconciliation.rows if r["status"] != "matched"),
                           key=lambda r: (-abs(r["delta_amount"] or 0), str(r["provider"]), str(r["model"]), str(r["category"])))
    tables = {
        "chargeback-team.csv": (by_team.rows + [by_team.totals], _chargeback_columns(by_team)),
        "chargeback-tag.csv": (by_tag.rows + [by_tag.totals], _chargeback_columns(by_tag)),
        "spend-by-day.csv": ([r for r in by_day.rows if r["requests"]], _DAY_COLUMNS),
        "reconciliation.csv": (reconciliation.rows, _RECONCILE_COLUMNS),
        "discrepancies.csv": (discrepancies, _RECONCILE_COLUMNS),
        "unpriced-models.csv": (unpriced, _UNPRICED_COLUMNS),
    }
    contents = {name: to_csv(rows, columns, csv_guard=True).encode() for name, (rows, columns) in tables.items()}
    contents["report.md"] = _markdown(spec, headline, by_team, by_tag, discrepancies, unpriced, reconciliation, ingests).encode()
    contents["index.html"] = close_page(
        title=f"LLM spend close · {spec.period.label}", subtitle=_subtitle(spec), headline=headline, summary=summary,
        by_team=by_team.rows + [by_team.totals], by_tag=by_tag.rows + [by_tag.totals],
        tag_dimension=by_tag.spec.dimensions[0], days=tables["spend-by-day.csv"][0],
        reconciliation_rows=reconciliation.rows, discrepancies=discrepancies, unpriced=unpriced,
        bills=_bill_rows(reconciliation), logs=_log_rows(ingests), log_digest=_log_digest_name(ingests),
        footer="Every figure is in the CSV files beside this page, exact; manifest.json holds the sha256 of each file"
               " (litecost close --verify FOLDER).",
    ).encode()
    outputs = {name: _sha256(data) for name, data in sorted(contents.items())}
    manifest = {
        "schema_version": 1,
        "litecost_version": __version__,
        "period": spec.period.to_dict(),
        "options": {"tag_dimension": spec.tag_dimension, "allocate": spec.allocate, "spread": spec.spread,
                    "rates": {c: str(r) for c, r in spec.usd_rates}},
        "inputs": {
            "bills": [{"invoice_file_id": f["invoice_file_id"], "file": Path(f["path"]).name, "sha256": f["sha256"],
                       "provider": f["provider"], "layout": f["layout"], "total_amount": f["total_amount"],
                       "currency": f["currency"], "superseded_by": f["superseded_by"]} for f in reconciliation.invoices],
            "ingests": [{"ingest_id": i["ingest_id"], "file": Path(i["path"]).name, "kind": i["kind"],
                         "format": i["format"], "blake3": i["blake3"], "sha256": i["sha256"],
                         "calls_in_period": i["calls_in_period"]}
                        for i in ingests],
            "price_book": [{"layer": layer, "sha256": _file_sha256(path)} for layer, path in book.files],
        },
        "headline": headline,
        "outputs": outputs,
    }
    contents[MANIFEST] = _json(manifest).encode()
    return contents, ClosePackage(Path(), {**outputs, MANIFEST: _sha256(contents[MANIFEST])}, headline, reconciliation,
                                  {name: rows for name, (rows, _) in tables.items()})


def _file_sha256(path: Path) -> str | None:
    from litecost.files import sha256_of

    try:
        return sha256_of(Path(path))
    except OSError:
        return None


def _json(document: dict[str, Any]) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value.normalize()) if value == value.to_integral_value() else format(value.normalize(), "f")
        if hasattr(value, "isoformat"):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(document, default=default, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _usd(value: Decimal | None) -> str:
    return "" if value is None else money_text(value)


def _markdown(spec: CloseSpec, headline: dict[str, Any], by_team: Report, by_tag: Report,
              discrepancies: list[dict[str, Any]], unpriced: list[dict[str, Any]], reconciliation: Reconciliation,
              ingests: list[dict[str, Any]]) -> str:
    period = spec.period
    parts = [
        f"# LLM spend close · {period.label}",
        "",
        _subtitle(spec),
        "",
        "| figure | USD |",
        "|---|---:|",
        f"| bills | {_usd(headline['bills'])} |",
        f"| logged by LiteLLM | {_usd(headline['logged'])} |",
        f"| re-priced by litecost | {_usd(headline['repriced'])} |",
        f"| gap (bills − re-priced) | {_usd(headline['gap'])} |",
        f"| explained | {_usd(headline['explained_gap'])} |",
        f"| unexplained | {_usd(headline['unexplained_gap'])} |",
        "",
    ]
    short = [Column("requests", kind="int"), Column("logged_cost", "logged $", "money"),
             Column("repriced_cost", "re-priced $", "money"), Column("invoice_cost", "invoice $", "money"),
             Column("share_pct", "share", "pct")]
    parts += [to_markdown(by_team.rows + [by_team.totals], [Column("team"), *short], "Chargeback by team (invoice basis)")]
    dim = by_tag.spec.dimensions[0]
    parts += [to_markdown(by_tag.rows + [by_tag.totals], [Column(dim), *short],
                          f"Chargeback by {dim} (invoice basis, tags split evenly)")]
    top = discrepancies[:_TOP_DISCREPANCIES]
    parts += [to_markdown(top, [Column("provider"), Column("model"), Column("category"),
                                Column("invoice_amount", "billed $", "money"), Column("repriced_cost", "re-priced $", "money"),
                                Column("delta_amount", "delta $", "money"), Column("status"), Column("explanation")],
                          f"Largest discrepancies ({len(top)} of {len(discrepancies)})")]
    parts += [to_markdown(unpriced, _UNPRICED_COLUMNS, "Unpriced models") if unpriced
              else "### Unpriced models\n\nEvery model in the period has a price.\n"]
    parts += [to_markdown(_bill_rows(reconciliation), [Column("id", kind="int"), Column("provider"), Column("file"),
                                  Column("total", kind="money"), Column("sha256")], "Bills")]
    parts += [to_markdown(_log_rows(ingests), [Column("id", kind="int"), Column("file"), Column("calls", kind="int"),
                                                   Column(_log_digest_name(ingests))], "Logs")]
    parts += ["Every figure is in the CSV files beside this one, exact; `manifest.json` holds the sha256 of each "
              "file (`litecost close --verify FOLDER`)."]
    return "\n".join(parts).rstrip("\n") + "\n"


def _bill_rows(reconciliation: Reconciliation) -> list[dict[str, Any]]:
    return [{"id": f["invoice_file_id"], "provider": f["provider"], "file": Path(f["path"]).name,
             "total": f["total_amount"], "sha256": f["sha256"][:16]} for f in reconciliation.invoices]


def _log_rows(ingests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    column = _log_digest_name(ingests)
    rows = []
    for i in ingests:
        name, digest = _log_digest(i)
        rows.append({"id": i["ingest_id"], "file": Path(i["path"]).name, "calls": i["calls_in_period"],
                     column: f"{name} {digest[:16]}" if column == "digest" else digest[:16]})
    return rows


def _log_digest(ingest: dict[str, Any]) -> tuple[str, str]:
    """An ingest's digest, named: its BLAKE3, or the SHA-256 of one stored before the ledger took BLAKE3."""
    return ("blake3", ingest["blake3"]) if ingest["blake3"] else ("sha256", ingest["sha256"] or "")


def _log_digest_name(ingests: list[dict[str, Any]]) -> str:
    """The logs table's digest column: "blake3", or "sha256" when every log was ingested
    before the ledger took BLAKE3 (so a close made then is computed again byte for byte),
    or "digest" for a mix, each value then named."""
    names = {_log_digest(i)[0] for i in ingests}
    if len(names) > 1:
        return "digest"
    return names.pop() if names else "blake3"


def _subtitle(spec: CloseSpec) -> str:
    return (f"Period {spec.period.start.isoformat()} to {spec.period.end.isoformat()} (UTC, end exclusive). "
            f"Bills allocated by {spec.allocate}, spread {spec.spread}; litecost {__version__}.")


def _check_target(folder: Path) -> None:
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(f"{folder} exists and is not a folder", hint="pass -o with a new folder name")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MANIFEST).is_file():
        raise UsageError(f"{folder} is not empty and holds no close package ({MANIFEST})",
                         hint="pass -o with a new folder name; litecost replaces only an earlier close")


def _write_folder(folder: Path, contents: dict[str, bytes]) -> None:
    """Write every file into a new folder beside `folder`, then swap it in."""
    parent = folder.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=parent))
    except OSError as exc:
        raise UsageError(f"cannot write {folder}: {exc.strerror}", hint="choose a writable location") from None
    old = None
    try:
        os.chmod(staging, 0o777 & ~_umask())
        for name, data in contents.items():
            (staging / name).write_bytes(data)
        if folder.exists():
            old = parent / f".{folder.name}.old-{os.getpid()}"
            os.replace(folder, old)
        os.replace(staging, folder)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and not folder.exists():
            os.replace(old, folder)
            old = None
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {folder}: {exc.strerror}", hint="choose a writable location") from None
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    from litecost.files import current_umask

    return current_umask()


@dataclass
class Verification:
    folder: Path
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_close(folder: Path, *, store: Store | None = None, book: PriceBook | None = None) -> Verification:
    """Check every file `manifest.json` lists against its sha256, and that the folder holds
    nothing else. With `store` (and `book`), also compute the close again from that database
    — the manifest's period, bills and options — and name each file that comes out
    different, and each input that changed since (a bill file, the price book, the ingests)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        outputs = dict(manifest["outputs"])
    except FileNotFoundError:
        raise UsageError(f"{folder} holds no {MANIFEST}: not a close package", hint="pass the folder `litecost close -o` wrote") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadInputError(f"{folder / MANIFEST} cannot be read as a close manifest: {exc}",
                            hint="the manifest itself was changed; re-run the close") from None
    problems = []
    for name, expected in sorted(outputs.items()):
        path = folder / name
        if Path(name).name != name:
            problems.append(f"{name}: the manifest names a file outside the folder")
        elif not path.is_file():
            problems.append(f"{name}: missing")
        elif _sha256(path.read_bytes()) != expected:
            problems.append(f"{name}: changed since the close (sha256 differs)")
    extra = sorted(p.name for p in folder.iterdir() if p.name not in outputs and p.name != MANIFEST)
    problems += [f"{name}: not part of the close" for name in extra]
    if store is not None:
        problems += _recomputed(manifest, outputs, store, book or PriceBook.load())
    return Verification(folder, len(outputs), problems)


def _same_ingests(now: list[dict[str, Any]], then: list[dict[str, Any]]) -> bool:
    """Whether the ingests behind the period's calls are the close's, by what its manifest
    recorded of each: a manifest from before the ledger took BLAKE3 has each log's sha256 and
    no `blake3` key, and the ledger keeps that sha256 for those ingests."""
    return len(now) == len(then) and all(
        isinstance(old, dict) and {key: new.get(key) for key in old} == old for new, old in zip(now, then))


def _recomputed(manifest: dict[str, Any], outputs: dict[str, str], store: Store, book: PriceBook) -> list[str]:
    """What differs when the manifest's close is computed again from `store` with `book`."""
    from datetime import datetime

    from litecost.reconcile.run import usd_rates

    try:
        period = manifest["period"]
        options = manifest["options"]
        spec = CloseSpec(Period(datetime.fromisoformat(period["start"]), datetime.fromisoformat(period["end"]),
                                period["label"], period.get("tz", "UTC")),
                         options["tag_dimension"], options["allocate"], options["spread"], usd_rates(options.get("rates")))
        bills = manifest["inputs"]["bills"]
        ids = tuple(int(b["invoice_file_id"]) for b in bills)
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInputError(f"the manifest does not say how the close was made: {exc}",
                            hint="the manifest itself was changed; re-run the close") from None
    problems = []
    stored = {f["invoice_file_id"]: f["sha256"] for f in fetch_rows(
        store.con, "SELECT invoice_file_id, sha256 FROM invoice_files WHERE list_contains($ids, invoice_file_id)",
        {"ids": list(ids)})}
    for bill in bills:
        if stored.get(bill["invoice_file_id"]) is None:
            problems.append(f"input: bill #{bill['invoice_file_id']} ({bill['file']}) is not in the database")
        elif stored[bill["invoice_file_id"]] != bill["sha256"]:
            problems.append(f"input: bill #{bill['invoice_file_id']} in the database is not {bill['file']} of the close")
    if problems:
        return problems
    then = {(layer["layer"], layer["sha256"]) for layer in manifest["inputs"].get("price_book", [])}
    now = {(layer, _file_sha256(path)) for layer, path in book.files}
    names_then = {name for name, _ in then}
    problems += [f"input: price book layer {layer} differs from the close's" if layer in names_then
                 else f"input: price book layer {layer} was not in the close's price book" for layer, _ in sorted(now - then)]
    problems += [f"input: price book layer {layer} of the close is not in this price book"
                 for layer, _ in sorted(then - now) if layer not in {name for name, _ in now}]
    contents, _ = _build(store, spec, BillInputs(ids, (), None), book)
    if not _same_ingests(json.loads(contents[MANIFEST])["inputs"]["ingests"], manifest["inputs"]["ingests"]):
        problems.append("input: the period's calls come from other ingests than the close's")
    for name, expected in sorted(outputs.items()):
        again = contents.get(name)
        if again is None or _sha256(again) != expected:
            problems.append(f"{name}: computed again from the database, it differs")
    return problems
