"""The bundled sample month as a guided run: which files, which commands, and whether a
database may be (re)built for it.

`litecost demo` runs ordinary litecost commands on `sample_data/`; this module only
decides what they are and protects real databases: the demo replaces a database only
when everything in it came from the sample files.

The sample month ships inside the package (the repository's `sample_data/`), so the demo
runs from an installed wheel too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from litecost.errors import UsageError
from litecost.files import digest_of, sha256_of
from litecost.resources import sample_month_dir

PERIOD = "2026-10"
LOGS = ("spendlogs_2026-10.csv", "callbacks_2026-10.jsonl")
INVOICES = (
    "openai_costs_2026-10.csv",
    "anthropic_cost_report_2026-10.json",
    "anthropic_usage_report_2026-10.json",
    "azure_actualcost_2026-10.csv",
    "aws_cur2_bedrock_2026-10.csv",
    "gcp_billing_2026-10.csv",
)


@dataclass(frozen=True)
class DemoStep:
    note: str  # what the step shows, for the reader
    args: tuple[str, ...]  # the litecost command line after `--db DB`


def sample_files(data_dir: Path | None = None) -> list[Path]:
    """The sample month's logs and bills; a one-line error when any is missing."""
    root = Path(data_dir) if data_dir is not None else sample_month_dir()
    paths = [root / name for name in LOGS] + [root / "invoices" / name for name in INVOICES]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise UsageError(
            f"the sample month is not at {root} ({missing[0].name} is missing)",
            hint="pass --data DIR (a copy of sample_data/), or reinstall litecost",
        )
    return paths


def close_folder(db_file: Path) -> Path:
    """Where the demo writes the sample month's close package: beside its database."""
    return Path(db_file).parent / f"close-{PERIOD}"


def demo_steps(data_dir: Path | None = None, close_to: Path = Path(f"close-{PERIOD}")) -> list[DemoStep]:
    files = sample_files(data_dir)
    csv_log, jsonl_log, invoices = str(files[0]), str(files[1]), [str(p) for p in files[2:]]
    return [
        DemoStep("the month as a LiteLLM_SpendLogs CSV export", ("ingest", csv_log, "--format", "table")),
        DemoStep("the same month again, as callback JSON lines: every call is a duplicate",
                 ("ingest", jsonl_log, "--format", "table")),
        DemoStep("what the database holds", ("db", "info", "--format", "table")),
        DemoStep("spend by team", ("report", "--by", "team", "--period", PERIOD, "--format", "table")),
        DemoStep("spend by tag (tags overlap: see the note)", ("report", "--by", "tag", "--period", PERIOD, "--top", "8", "--format", "table")),
        DemoStep("LiteLLM's logged cost against litecost's re-pricing", ("pricing", "diff", "--period", PERIOD, "--top", "5", "--format", "table")),
        DemoStep("the month's six provider bills against the logs", ("reconcile", *invoices, "--format", "table")),
        DemoStep("spend by team on the invoice basis: the bills' money allocated to the calls",
                 ("report", "--by", "team", "--period", PERIOD, "--basis", "invoice", "--format", "table")),
        DemoStep(f"the month's close package: open {close_to}/index.html",
                 ("close", "--period", PERIOD, *invoices, "-o", str(close_to))),
    ]


def prepare_database(db_file: Path, data_dir: Path | None = None) -> None:
    """Make way for a fresh demo database at `db_file`. An earlier demo's database —
    holding nothing but the sample month's logs and bills, by digest — is deleted; any
    other file is refused with a one-line error, and left as it was."""
    import duckdb

    if not db_file.exists():
        return
    # Logs are known by their BLAKE3 (by their SHA-256 if stored before), bills by their SHA-256.
    known = {d for p in sample_files(data_dir) for d in (sha256_of(p), digest_of(p, count_lines=False).blake3)}
    hint = "pass --db with a new file name, e.g. `litecost --db demo.duckdb demo`"
    # A plain read-only connection, not Store.open: that would upgrade an older file,
    # and a file the demo refuses must stay exactly as it was.
    try:
        with duckdb.connect(str(db_file), read_only=True) as con:
            tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            stored = set()
            for table in ("ingests", "invoice_files"):
                if table in tables:
                    digests = "coalesce(blake3, sha256)" if _has_column(con, table, "blake3") else "sha256"
                    stored |= {row[0] for row in con.execute(f"SELECT {digests} FROM {table}").fetchall()}
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot check {db_file} ({first}); the demo will not replace it", hint=hint) from None
    if not stored <= known or not tables & {"calls", "ingests"}:
        raise UsageError(f"{db_file} holds data other than the sample month; the demo will not replace it", hint=hint)
    for path in (db_file, db_file.with_name(db_file.name + ".wal")):
        path.unlink(missing_ok=True)


def _has_column(con, table: str, column: str) -> bool:  # noqa: ANN001
    """Whether `table` has `column` (an older store's ingests have no `blake3`)."""
    return con.execute("SELECT count(*) > 0 FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
                       [table, column]).fetchone()[0]
