"""User text never becomes SQL (issue 21): file names and the column names of a bill
are read as data. Each case stores exactly what the plain file stores."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import DATA
from invoices_support import BILLING, query

LITECOST = [sys.executable, "-m", "litecost"]
HOSTILE_NAME = "o'brien \"x\"); DROP TABLE calls; --"


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([*LITECOST, *map(str, args)], capture_output=True, text=True, timeout=120)


def ingested(db, path) -> dict:
    done = run("--db", db, "ingest", path, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_log_files_with_quotes_in_their_names_read_by_every_reader(tmp_path):
    for name in ("callbacks_slp.jsonl", "spendlogs_v1110.csv", "spendlogs.parquet", "spendlogs_list.json"):
        hostile = tmp_path / f"{HOSTILE_NAME}{name}"
        shutil.copy(DATA / name, hostile)
        plain = ingested(tmp_path / f"plain-{name}.duckdb", DATA / name)
        odd = ingested(tmp_path / f"odd-{name}.duckdb", hostile)
        assert odd["inserted"] == plain["inserted"] > 0, name
        assert odd["files"][0]["reader"] == plain["files"][0]["reader"], name
        assert odd["files"][0]["path"] == str(hostile)


def _with_hostile_columns(source, target) -> None:
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    extra = ['x"); DROP TABLE invoice_lines; --', "y'||read_text('/etc/hostname')||'"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0] + extra)
    writer.writerows(row + ["1", "2"] for row in rows[1:])
    target.write_text(out.getvalue(), encoding="utf-8")


def _imported_totals(db, path) -> dict:
    done = run("--db", db, "invoices", "import", path)
    assert done.returncode == 0, done.stderr
    return query(db, "SELECT count(*) AS n, sum(amount) AS usd FROM invoice_lines")[0]


def test_bill_columns_and_paths_are_data(tmp_path):
    for name in ("openai_dashboard_costs_synthetic.csv", "focus12_llm_api_synthetic.csv"):
        source = BILLING / name
        hostile = tmp_path / f"{HOSTILE_NAME}{name}"
        _with_hostile_columns(source, hostile)
        plain = _imported_totals(tmp_path / f"plain-{name}.duckdb", source)
        assert plain["n"] > 0
        assert _imported_totals(tmp_path / f"odd-{name}.duckdb", hostile) == plain, name


def test_parquet_bill_columns_and_paths_are_data(tmp_path):
    source = BILLING / "focus12_llm_api_synthetic.csv"
    hostile = tmp_path / "hostile.csv"
    _with_hostile_columns(source, hostile)
    parquet = tmp_path / f"{HOSTILE_NAME}.parquet"
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * REPLACE (CAST(BilledCost AS DECIMAL(18, 6)) AS BilledCost,"
        " CAST(ChargePeriodStart AS TIMESTAMPTZ) AS ChargePeriodStart, CAST(ChargePeriodEnd AS TIMESTAMPTZ) AS ChargePeriodEnd)"
        " FROM read_csv(?, header=true)) TO '" + str(parquet).replace("'", "''") + "' (FORMAT parquet)",
        [str(hostile)],
    )
    con.close()
    plain = _imported_totals(tmp_path / "plain.duckdb", source)
    assert _imported_totals(tmp_path / "pq.duckdb", parquet) == plain


class _RecordingConnection:
    """A DuckDB connection that notes the text of every statement it runs."""

    def __init__(self, con, statements: list[str]) -> None:
        self._con = con
        self._statements = statements

    def execute(self, sql, *args, **kwargs):  # noqa: ANN001, ANN201
        self._statements.append(sql)
        return self._con.execute(sql, *args, **kwargs)

    def __enter__(self):  # noqa: ANN204
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self._con.close()

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._con, name)


def test_no_statement_carries_a_file_name_or_a_column_name(tmp_path, monkeypatch):
    """In process: every statement litecost sends DuckDB, for every log reader and a bill,
    is free of the hostile file and column names (values travel as parameters)."""
    from typer.testing import CliRunner

    from litecost import store as store_module
    from litecost.cli.main import app

    statements: list[str] = []
    connect = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: _RecordingConnection(connect(*a, **k), statements))
    inputs = []
    for name in ("callbacks_slp.jsonl", "callbacks_kwargs.jsonl", "spendlogs_v1110.csv", "spendlogs.parquet", "spendlogs_list.json"):
        inputs.append(tmp_path / f"{HOSTILE_NAME}{name}")
        shutil.copy(DATA / name, inputs[-1])
    bill = tmp_path / f"{HOSTILE_NAME}.csv"
    _with_hostile_columns(BILLING / "focus12_llm_api_synthetic.csv", bill)
    db = tmp_path / "calls.duckdb"
    pages = BILLING / "openai_costs_api_synthetic.json"  # a JSON bill: its keys become columns too
    for args in (("ingest", *inputs), ("invoices", "import", bill), ("invoices", "import", pages), ("report", "--by", "model")):
        result = CliRunner().invoke(app, ["--db", str(db), *map(str, args)], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
    assert len(statements) > 50
    # litecost's own schema changes are fixed text (one of them drops the old calls table).
    migrations = {" ".join(s.split()) for _, _, steps in store_module.MIGRATIONS for s in steps}
    statements = [s for s in statements if " ".join(s.split()) not in migrations]
    # Nor does a bill's column name, even reduced to its comparable key.
    keys = ("xdroptableinvoicelines", "yreadtextetchostname", "billedcost", "chargeperiodstart", "amountvalue", "lineitem")
    for needle in ("o'brien", "o''brien", "DROP TABLE calls", "DROP TABLE invoice_lines", "read_text", *keys):
        assert not [s for s in statements if needle in s], needle


def test_price_file_dates_and_tiers_travel_as_parameters(tmp_path, monkeypatch):
    """A price file's effective dates and tier thresholds are its values: reports and
    reconciliations bind them, and the statements never spell them out."""
    from typer.testing import CliRunner

    from litecost.cli.main import app

    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "unit: usd_per_1m_tokens\nmodels:\n  - model: gpt-4o-mini\n    effective_from: 2026-10-05T07:31:00Z\n"
        "    prices:\n      input: 0.2\n    tiers:\n      - above_tokens: 123457\n        prices:\n          input: 0.4\n"
    )
    sample = Path(__file__).resolve().parent.parent / "sample_data"
    db = tmp_path / "calls.duckdb"
    assert CliRunner().invoke(app, ["--db", str(db), "ingest", str(sample / "spendlogs_2026-10.csv")]).exit_code == 0
    bill = sorted((sample / "invoices").glob("*openai*"))[0]
    statements: list[str] = []
    connect = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: _RecordingConnection(connect(*a, **k), statements))
    for args in (("report", "--by", "model", "--pricing", prices),
                 ("reconcile", "--pricing", prices, bill)):
        result = CliRunner().invoke(app, ["--db", str(db), *map(str, args)], catch_exceptions=False)
        assert result.exit_code in (0, 1), result.stderr
    assert [s for s in statements if "$price_instant_0" in s]
    for needle in ("2026-10-05", "07:31", "123457"):
        assert not [s for s in statements if needle in s], needle
