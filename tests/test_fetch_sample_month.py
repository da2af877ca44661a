"""The sample month's bills fetched from loopback admin APIs instead of downloaded: the
fetched lines total what the dashboard export totals per model and category, to the last
digit, and `reconcile` over the fetched files finds exactly what it finds over the exports
(sample_data/invoices/README.md) — so the monthly close can start from `invoices fetch`."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from test_invoices_fetch import ANTHROPIC_KEY, KEY, AnthropicApi, OpenAiApi, buckets

SAMPLE = Path(__file__).parent.parent / "sample_data"
INVOICES = SAMPLE / "invoices"


def costs_api_buckets(export: Path) -> list[dict]:
    """The OpenAI dashboard Cost export's rows as the Costs API's daily buckets (the same
    fields; the API has no organization, project name or user columns)."""
    by_day: dict[int, dict] = {}
    with export.open(newline="") as fh:
        for row in csv.DictReader(fh):
            start = int(row["start_time"])
            bucket = by_day.setdefault(start, {"object": "bucket", "start_time": start, "end_time": int(row["end_time"]),
                                               "results": []})
            bucket["results"].append({
                "object": "organization.costs.result",
                "amount": {"value": float(row["amount_value"]), "currency": row["amount_currency"]},
                "line_item": row["line_item"], "project_id": row["project_id"] or None,
                "api_key_id": row["api_key_id"] or None,
                "quantity": float(row["quantity"]) if row["quantity"] else None, "quantity_unit": row["quantity_unit"] or None,
            })
    return [by_day[day] for day in sorted(by_day)]


@pytest.fixture(scope="module")
def logged(tmp_path_factory, module_cli):
    db = tmp_path_factory.mktemp("fetch-sample") / "sample.duckdb"
    assert module_cli("--db", db, "ingest", SAMPLE / "spendlogs_2026-10.csv").exit_code == 0
    return db


@pytest.fixture(scope="module")
def module_cli():
    from typer.testing import CliRunner

    from conftest import Run
    from litecost.cli.main import app

    def invoke(*args) -> Run:
        result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


def reconciled(cli, db, *invoices) -> dict:
    run = cli("--db", db, "reconcile", *invoices, "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout, parse_float=Decimal)
    rows = sorted((r["model"] or "", r["category"], r["status"], r["invoice_quantity"], r["log_quantity"],
                   r["invoice_amount"], r["delta_amount"]) for r in doc["rows"])
    summary = {k: doc["summary"][k] for k in ("invoice_total", "explained_gap", "unexplained_gap")}
    return {"rows": rows, "summary": summary}


def totals(db: Path, files: list[int]) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT model_raw, category, kind, sum(amount), sum(quantity) FROM invoice_lines"
            f" WHERE invoice_file_id IN ({', '.join('?' * len(files))}) GROUP BY ALL ORDER BY ALL", files).fetchall()


def fetched_ids(run) -> list[int]:
    assert run.exit_code == 0, run.stderr
    return [f["invoice_file_id"] for f in json.loads(run.stdout)["files"]]


def fetched_into_a_copy(cli, logged: Path, tmp_path: Path, provider: str, server) -> tuple[Path, list[int]]:
    """The month's bills of `provider` fetched from `server` into a copy of the logged
    database (the server closed after); that copy and the fetched invoice file ids."""
    db = tmp_path / "fetched.duckdb"
    shutil.copy(logged, db)
    try:
        ids = fetched_ids(cli("--db", db, "invoices", "fetch", provider, "--period", "2026-10", "--dir",
                              tmp_path / "bills", "--base-url", server.base_url, "--format", "json"))
    finally:
        server.close()
    return db, ids


def test_openai_fetched_equals_the_dashboard_export_and_reconciles_alike(logged, module_cli, tmp_path, monkeypatch):
    server = OpenAiApi({"/v1/organization/costs": costs_api_buckets(INVOICES / "openai_costs_2026-10.csv"),
                        "/v1/organization/usage/completions": [],
                        "/v1/organization/usage/embeddings": []}, per_page=7)
    monkeypatch.setenv("OPENAI_ADMIN_KEY", KEY)
    db, ids = fetched_into_a_copy(module_cli, logged, tmp_path, "openai", server)
    assert len(server.requests) == 5 + 2  # 31 days at 7 a page, and two empty usage pages
    exported = fetched_ids(module_cli("--db", db, "invoices", "import", INVOICES / "openai_costs_2026-10.csv",
                                      "--format", "json"))
    assert totals(db, ids) == totals(db, exported)  # per model, category and kind, to the last digit
    assert reconciled(module_cli, db, *map(str, ids)) == reconciled(module_cli, logged, INVOICES / "openai_costs_2026-10.csv")


def test_anthropic_fetched_reconciles_as_the_reports_do(logged, module_cli, tmp_path, monkeypatch):
    server = AnthropicApi({"/v1/organizations/cost_report": buckets(str(INVOICES / "anthropic_cost_report_2026-10.json")),
                           "/v1/organizations/usage_report/messages":
                               buckets(str(INVOICES / "anthropic_usage_report_2026-10.json"))}, per_page=10)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)
    db, ids = fetched_into_a_copy(module_cli, logged, tmp_path, "anthropic", server)
    found = reconciled(module_cli, db, *map(str, ids))
    assert found == reconciled(module_cli, logged, INVOICES / "anthropic_cost_report_2026-10.json",
                               INVOICES / "anthropic_usage_report_2026-10.json")
    assert [(r[0], r[1], r[2]) for r in found["rows"] if r[2] != "matched"] == [("claude-sonnet-4-5", "output", "price_mismatch")]
