"""Golden files for every output format of report, reconcile, pricing diff and invoices, on
the sample month: a change to any rendered byte shows up as a diff to review.

Regenerate after an intended change with `LITECOST_UPDATE_GOLDEN=1 make test` and read the
diff of tests/data/golden/ before committing it. Paths and the times of this run are masked;
everything else, to the last digit, is compared.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecost.cli.main import app

SAMPLE = Path(__file__).parent.parent / "sample_data"
GOLDEN = Path(__file__).parent / "data" / "golden"
FORMATS = ("table", "csv", "json", "jsonl", "markdown")
SUFFIX = {"table": "txt", "csv": "csv", "json": "json", "jsonl": "jsonl", "markdown": "md"}
# A terminal of 120 columns for the table format (rich reads COLUMNS).
ENV = {"COLUMNS": "120", "LINES": "50"}

CASES = {
    "report_by_team_model": (["report", "--by", "team,model", "--period", "2026-10", "--top", "6"], FORMATS),
    "report_compare_by_provider": (["report", "--by", "provider", "--period", "2026-10", "--compare", "previous"], FORMATS),
    "reconcile_openai": (["reconcile", "{sample}/openai_costs_2026-10.csv"], FORMATS),
    "reconcile_azure_by_day": (["reconcile", "{sample}/azure_actualcost_2026-10.csv", "--grain", "day"], ("json",)),
    "pricing_diff": (["pricing", "diff", "--period", "2026-10"], ("table", "json")),
    "invoices_list": (["invoices", "list"], FORMATS),
    "invoices_show_1": (["invoices", "show", "1", "--by", "model"], FORMATS),
    "invoices_models": (["invoices", "models"], FORMATS),
}


@pytest.fixture(scope="module")
def sample_dir():
    """The sample month copied to a directory whose path has the same length on every machine
    (`/tmp/lc-golden-XXXXXXXX`): a table sizes its path column by it, so a masked path alone
    would not make the table the same."""
    where = Path(tempfile.mkdtemp(prefix="lc-golden-", dir="/tmp"))
    for name in ("spendlogs_2026-10.csv", "invoices/openai_costs_2026-10.csv", "invoices/azure_actualcost_2026-10.csv"):
        shutil.copyfile(SAMPLE / name, where / Path(name).name)
    yield where
    shutil.rmtree(where, ignore_errors=True)


@pytest.fixture(scope="module")
def sample_db(sample_dir):
    db = sample_dir / "sample.duckdb"
    runner = CliRunner()
    for args in (["ingest", str(sample_dir / "spendlogs_2026-10.csv")],
                 ["invoices", "import", str(sample_dir / "openai_costs_2026-10.csv"),
                  str(sample_dir / "azure_actualcost_2026-10.csv")]):
        run = runner.invoke(app, ["--db", str(db), *args])
        assert run.exit_code == 0, run.stderr
    return db


def _masked(text: str, db: Path) -> str:
    text = text.replace(str(db.parent), "<sample>")
    # The times this run stamps (imported_at, finished_at…), in any of the forms the formats write.
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    return re.sub(rf"{today}[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(\+00:00|\+00|Z)?", "<now>", text)


@pytest.mark.parametrize(("name", "fmt"), [(n, f) for n, (_, formats) in CASES.items() for f in formats])
def test_output_is_the_golden_file(sample_db, name, fmt):
    args, _ = CASES[name]
    args = [a.format(sample=sample_db.parent) for a in args]
    run = CliRunner(env=ENV).invoke(app, ["--db", str(sample_db), *args, "--format", fmt])
    assert run.exit_code in (0, 1), run.stderr  # reconcile's classes do not fail without a threshold
    got = _masked(run.stdout, sample_db)
    golden = GOLDEN / f"{name}.{SUFFIX[fmt]}"
    if os.environ.get("LITECOST_UPDATE_GOLDEN"):
        golden.write_text(got)
    assert golden.exists(), f"no golden file {golden.name}: run with LITECOST_UPDATE_GOLDEN=1 and review it"
    assert got == golden.read_text(), f"{golden.name} differs: if intended, regenerate with LITECOST_UPDATE_GOLDEN=1"
