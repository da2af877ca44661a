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


# -- listing commands follow report's format rules -------------------------------------------------

import csv  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402


def test_every_listing_is_csv_when_piped_with_raw_numbers(cli, tmp_path):
    ingested = cli("ingest", DATA / "spendlogs.jsonl")
    assert ingested.exit_code == 0
    summary = list(csv.DictReader(io.StringIO(ingested.stdout)))
    assert summary[0]["ingest_id"] == "1" and summary[0]["inserted"] == "5" and len(summary[0]["blake3"]) == 64
    assert cli("invoices", "import", OPENAI_BILL).exit_code == 0
    for args, header in (
        (("db", "info"), "item,value"),
        (("db", "ingests"), "ingest_id,path,kind,format,rows_read,"),
        (("db", "rejects"), "ingest_id,path,line,reason,excerpt"),
        (("db", "conflicts"), "ingest_id,path,line,request_id,differences"),
        (("pricing", "show", "gpt-4o-mini"), "service_tier,above_tokens,category,"),
        (("pricing", "check"), "provider,model,model_group,calls"),
        (("pricing", "diff"), "model,calls,unpriced_calls,"),
        (("invoices", "list"), "invoice_file_id,provider,layout,"),
        (("invoices", "show", "1"), "source_row,period_start,"),
        (("invoices", "models"), "provider,model_raw,model,"),
    ):
        run = cli(*args)
        assert run.exit_code == 0, (args, run.stderr)
        assert run.stdout.startswith(header), (args, run.stdout[:200])
    info = dict(csv.reader(io.StringIO(cli("db", "info").stdout)))
    assert info["size (bytes)"].isdigit() and info["calls"] == "5" and info["table calls (rows)"] == "5"


def test_output_without_format_takes_the_format_from_the_extension(cli, tmp_path):
    assert cli("ingest", DATA / "spendlogs.jsonl").exit_code == 0
    args = ("report", "--by", "model", "--period", "2026-10")
    for name, check in (
        ("spend.md", lambda text: text.startswith("### Spend by model") and "| (total) |" in text),
        ("spend.json", lambda text: json.loads(text)["schema_version"] == 1),
        ("spend.jsonl", lambda text: all(json.loads(line) for line in text.splitlines())),
        ("spend.csv", lambda text: text.startswith("model,requests,")),
        ("spend.txt", lambda text: text.startswith("model,requests,")),
    ):
        run = cli(*args, "-o", tmp_path / name)
        assert run.exit_code == 0, run.stderr
        assert check((tmp_path / name).read_text()), name
    table = cli(*args, "-o", tmp_path / "x.csv", "--format", "table")
    assert table.exit_code == 2 and "--output needs a machine format" in table.stderr


# -- human text rounds money; broken price maps are named ------------------------------------------

import re  # noqa: E402

import pytest  # noqa: E402


def test_reasons_people_read_round_money_and_machine_formats_stay_exact(cli):
    assert cli("ingest", DATA.parent.parent / "sample_data" / "spendlogs_2026-10.csv").exit_code == 0
    doc = json.loads(cli("pricing", "diff", "--period", "2026-10", "--format", "json").stdout)
    reasons = [c["likely_reason"] for c in doc["largest_differences"]]
    assert any("original cost" in r for r in reasons)
    for reason in reasons:
        assert not re.search(r"\d\.\d{7,}", reason), reason  # 0.119738, never 0.11973750000000001
    # json keeps the exact figures
    assert any(len(str(c["logged_cost"]).split(".")[-1]) > 6 for c in doc["largest_differences"])


@pytest.mark.parametrize(("value", "shown"), [('"abc"', '"abc"'), ("-1e-06", "-1e-06"), ("true", "true"), ("NaN", "NaN")])
def test_a_litellm_price_map_with_a_bad_price_is_a_one_line_error(cli, tmp_path, value, shown):
    path = tmp_path / "prices.json"
    path.write_text('{"my-model": {"input_cost_per_token": 1e-07, "output_cost_per_token": %s}}' % value)
    run = cli("pricing", "show", "my-model", "--pricing", path)
    assert run.exit_code == 3 and run.stdout == ""
    assert run.stderr == (f"litecost: error: {path}: my-model.output_cost_per_token is {shown}, not a price; a price is "
                          "a JSON number from 0 to 1 (USD per token); fix the entry or leave the key out\n")


def test_money_for_reading_never_shows_minus_zero():
    from decimal import Decimal

    from litecost.money import money_text

    assert money_text(Decimal("-0.001")) == "0.00"
    assert money_text(Decimal("-1234.5")) == "-1,234.50"
    assert money_text(Decimal("0.1197375"), 6) == "0.119738"
