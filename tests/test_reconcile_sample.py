"""`litecost reconcile` on the sample month: every documented discrepancy is found,
classified and sized, and nothing else is flagged (sample_data/invoices/README.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecost.cli.main import app

SAMPLE = Path(__file__).parent.parent / "sample_data"
INVOICES = SAMPLE / "invoices"
TRUTH = {d["class"]: d for d in json.loads((INVOICES / "expected_discrepancies.json").read_text())["discrepancies"]}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("recon") / "sample.duckdb"
    run = CliRunner().invoke(app, ["--db", str(path), "ingest", str(SAMPLE / "spendlogs_2026-10.csv")])
    assert run.exit_code == 0, run.stderr
    return path


def reconcile(db, *args, expect=0):
    run = CliRunner().invoke(app, ["--db", str(db), "reconcile", *map(str, args), "--format", "json"])
    assert run.exit_code == expect, run.stderr
    return json.loads(run.stdout, parse_float=Decimal)


def flagged(doc):
    return [r for r in doc["rows"] if r["status"] != "matched"]


def test_openai_missing_day_of_logs_and_web_search(db):
    doc = reconcile(db, INVOICES / "openai_costs_2026-10.csv")
    truth = TRUTH["missing_logs"]
    rows = {(r["model"], r["category"]): r for r in flagged(doc)}
    assert set(rows) == {("gpt-4o-mini", "input"), ("gpt-4o-mini", "output"), (None, "web_search")}
    for category in ("input", "output"):
        row = rows[("gpt-4o-mini", category)]
        assert row["status"] == "missing_logs"
        assert row["invoice_quantity"] - row["log_quantity"] == truth["injected_tokens"][category]
        assert row["delta_amount"] == Decimal(truth["amount_by_category"][category])
        assert "2026-10-09" in row["explanation"]
    web = rows[(None, "web_search")]
    assert web["status"] == "non_token_charge" and web["invoice_amount"] == Decimal(TRUTH["non_token_charge"]["amount"])
    summary = doc["summary"]
    assert summary["invoice_total"] == Decimal("11.10751065")
    assert summary["explained_gap"] == Decimal("3.675")
    assert summary["unexplained_gap"] == Decimal(truth["amount"])


def test_anthropic_price_change_needs_cost_and_usage_reports(db):
    doc = reconcile(db, INVOICES / "anthropic_cost_report_2026-10.json", INVOICES / "anthropic_usage_report_2026-10.json")
    [row] = flagged(doc)
    assert (row["model"], row["category"], row["status"]) == ("claude-sonnet-4-5", "output", "price_mismatch")
    assert row["invoice_quantity"] == row["log_quantity"]
    # The injected +20% on 354,283 tokens, as billed in whole hundredths of a cent.
    truth = TRUTH["price_mismatch"]
    assert abs(row["delta_amount"] - Decimal(truth["amount"])) < Decimal("0.001")
    assert "differs from 2026-10-14 on" in row["explanation"]
    cost_only = reconcile(db, INVOICES / "anthropic_cost_report_2026-10.json")
    [row] = flagged(cost_only)
    assert row["status"] == "missing_logs" and "import the provider's usage report too" in row["explanation"]


def test_bedrock_bills_cache_writes_as_input(db):
    doc = reconcile(db, INVOICES / "aws_cur2_bedrock_2026-10.csv")
    rows = {r["category"]: r for r in flagged(doc)}
    assert set(rows) == {"input", "cache_write_5m"}
    assert {r["status"] for r in rows.values()} == {"category_shift"}
    truth = TRUTH["category_shift"]
    for category in ("input", "cache_write_5m"):
        assert rows[category]["log_quantity"] == truth["logs_tokens"][category]
        assert (rows[category]["invoice_quantity"] or 0) == truth["invoice_tokens"][category]
    assert sum(r["delta_amount"] for r in rows.values()) == Decimal(TRUTH["category_shift"]["amount"])


def test_azure_days_are_shifted_by_two_hours(db):
    period = reconcile(db, INVOICES / "azure_actualcost_2026-10.csv")
    assert flagged(period) == []
    assert period["summary"]["time_shifts"] == [{"provider": "azure", "model": "gpt-4o", "offset_hours": 2}]
    daily = reconcile(db, INVOICES / "azure_actualcost_2026-10.csv", "--grain", "day")
    shifted = flagged(daily)
    assert {r["status"] for r in shifted} == {"time_shift"}
    assert sorted({r["day"] for r in shifted}) == TRUTH["time_shift"]["days"]
    assert "Etc/GMT+2" in shifted[0]["explanation"]
    assert {r["evidence"] for r in shifted} == {"daily_offset"}


def test_gcp_matches_with_credits_kept_as_non_token_charges(db):
    doc = reconcile(db, INVOICES / "gcp_billing_2026-10.csv")
    assert {r["status"] for r in flagged(doc)} == {"non_token_charge"}
    assert all(r["category"] == "credit" and r["invoice_amount"] < 0 for r in flagged(doc))


def test_threshold_exit_codes_and_stderr(db):
    run = CliRunner().invoke(app, ["--db", str(db), "reconcile", str(INVOICES / "openai_costs_2026-10.csv"),
                                   "--format", "csv", "--fail-over-amount", "1"])
    assert run.exit_code == 1
    # The whole discrepancy: $0.47 + $0.61 of missing logs and $3.675 of web search.
    assert "litecost: threshold breached: discrepancy 4.76 USD is over --fail-over-amount 1 USD" in run.stderr
    assert run.stdout.startswith("provider,model,category")  # the report is still printed in full
    ok = CliRunner().invoke(app, ["--db", str(db), "reconcile", str(INVOICES / "azure_actualcost_2026-10.csv"),
                                  "--format", "csv", "--fail-over", "0.5"])
    assert ok.exit_code == 0 and "threshold" not in ok.stderr


def _threshold_run(db, *options):
    return CliRunner().invoke(app, ["--db", str(db), "reconcile", str(INVOICES / "openai_costs_2026-10.csv"),
                                    "--format", "json", *options])


def test_a_named_cause_is_no_excuse_the_threshold_weighs_the_whole_discrepancy(db):
    run = _threshold_run(db, "--fail-over", "1")
    assert run.exit_code == 1
    # 4.76 of an 11.11 USD bill; the unexplained part alone (1.09, 9.77%) is over 1% too.
    assert "discrepancy 4.76 USD is 42.85% of the invoice total, over --fail-over 1%" in run.stderr
    breaching = [line for line in run.stderr.splitlines() if line.startswith("litecost:   ")]
    assert breaching == [
        "litecost:   openai · web_search: non_token_charge +3.68 USD",
        "litecost:   openai · gpt-4o-mini · output: missing_logs +0.61 USD",
        "litecost:   openai · gpt-4o-mini · input: missing_logs +0.47 USD",
    ]
    assert json.loads(run.stdout, parse_float=Decimal)["summary"]["discrepancy"] == Decimal("4.7600208")


def test_fail_on_narrows_the_rows_weighed(db):
    assert _threshold_run(db, "--fail-over", "10", "--fail-on", "unexplained").exit_code == 0  # 9.77%
    narrowed = _threshold_run(db, "--fail-over", "9", "--fail-on", "unexplained")
    assert narrowed.exit_code == 1
    assert "unexplained discrepancy 1.09 USD is 9.77% of the invoice total, over --fail-over 9%" in narrowed.stderr
    assert "non_token_charge" not in narrowed.stderr
    classes = _threshold_run(db, "--fail-over-amount", "0", "--fail-on", "price_mismatch,category_shift", "--fail-on", "time_shift")
    assert classes.exit_code == 0 and "threshold" not in classes.stderr
    web = _threshold_run(db, "--fail-over-amount", "3.5", "--fail-on", "non_token_charge")
    assert web.exit_code == 1
    assert "discrepancy in non_token_charge 3.68 USD is over --fail-over-amount 3.5 USD" in web.stderr


def test_fail_on_refuses_an_unknown_class_and_a_missing_threshold(db):
    unknown = _threshold_run(db, "--fail-over", "1", "--fail-on", "missing_log")
    assert unknown.exit_code == 2 and "--fail-on 'missing_log' is not a reconcile class" in unknown.stderr
    alone = _threshold_run(db, "--fail-on", "unexplained")
    assert alone.exit_code == 2 and "no threshold was given" in alone.stderr


def test_markdown_close_package(db):
    run = CliRunner().invoke(app, ["--db", str(db), "reconcile", str(INVOICES / "openai_costs_2026-10.csv"), "--format", "markdown"])
    assert run.exit_code == 0
    text = run.stdout
    assert text.index("invoice total") < text.index("Largest causes") < text.index("Detail")
    assert "| missing_logs |" in text
