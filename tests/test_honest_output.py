"""Unattended runs are told when there is nothing to show: an empty report says so (and
`--fail-empty` fails), reconcile without logs refuses, a file of which not one record
could be read is an error."""

from __future__ import annotations

import duckdb

from conftest import DATA

OPENAI_BILL = DATA.parent.parent / "sample_data" / "invoices" / "openai_costs_2026-10.csv"


def test_an_empty_report_says_so_and_fail_empty_fails(cli):
    assert cli("ingest", DATA / "spendlogs.jsonl").exit_code == 0

    empty = cli("report", "--by", "tag", "--period", "2026-09", "--format", "csv")
    assert empty.exit_code == 0
    assert empty.stdout.splitlines()[-1].startswith("(total),0,")
    assert empty.stderr == ("litecost: warning: no calls match 2026-09: the report is empty (check the period and "
                            "filters, and that the logs were ingested)\n")

    filtered = cli("report", "--by", "tag", "--period", "2026-10", "--where", "team=nobody", "--format", "csv", "--fail-empty")
    assert filtered.exit_code == 1
    assert "no calls match 2026-10 where team=nobody" in filtered.stderr

    found = cli("report", "--by", "tag", "--period", "2026-10", "--format", "csv", "--fail-empty")
    assert found.exit_code == 0 and "no calls match" not in found.stderr


def test_reconcile_without_logs_in_the_window_refuses(cli):
    run = cli("reconcile", OPENAI_BILL, "--format", "csv")
    assert run.exit_code == 3
    assert run.stdout == ""
    assert run.stderr.splitlines()[-1] == (
        "litecost: error: no logged calls at openai from 2026-10-01T00:00:00+00:00 to 2026-11-01T00:00:00+00:00 to "
        "reconcile the invoices with; ingest the LiteLLM logs of that period first (`litecost ingest FILE`), "
        "or pick another --period")


def test_a_file_with_not_one_good_record_is_an_error_and_stores_nothing(cli, db):
    assert cli("ingest", DATA / "spendlogs.jsonl").exit_code == 0
    run = cli("ingest", "--kind", "spendlogs", DATA / "callbacks_minimal.jsonl", DATA / "callbacks_slp.jsonl")
    assert run.exit_code == 3
    assert run.stderr.splitlines()[-1] == (
        f"litecost: error: {DATA / 'callbacks_minimal.jsonl'}: all 4 record(s) were rejected as SpendLogs rows as "
        "JSON lines, the first at line 1: missing request id; nothing was stored; check that this is the file you "
        "meant, and --kind if you gave one")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ingests").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
