"""Invoice-basis chargeback (`report --basis invoice`): the sample month's bills allocated to
the calls, adding up to the bills to the last digit, whatever the dimensions, the allocation
and the spread."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from litecost.chargeback import split_units
from litecost.cli.main import app
from litecost.providers import billing_provider
from tests.conftest import assert_one_line_error as _assert_one_line_error

SAMPLE = Path(__file__).parent.parent / "sample_data"
BILLS = sorted((SAMPLE / "invoices").glob("*_2026-10.*"))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("chargeback") / "sample.duckdb"
    runner = CliRunner()
    run = runner.invoke(app, ["--db", str(path), "ingest", str(SAMPLE / "spendlogs_2026-10.csv")])
    assert run.exit_code == 0, run.stderr
    run = runner.invoke(app, ["--db", str(path), "invoices", "import", *map(str, BILLS)])
    assert run.exit_code == 0, run.stderr
    return path


def bills(db, kind: str | None = None) -> dict[str, Decimal]:
    """The current bills' money by billing provider (of `kind` only, if given), summed from their lines."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT l.provider, sum(l.amount) FROM invoice_lines l JOIN invoice_files f USING (invoice_file_id)"
            " WHERE f.total_amount IS NOT NULL AND f.superseded_by IS NULL AND coalesce(l.kind = $kind, true) GROUP BY ALL",
            {"kind": kind},
        ).fetchall()
    out = defaultdict(Decimal)
    for provider, amount in rows:
        out[billing_provider(provider)] += amount
    return dict(out)


def outside_tokens(db) -> Decimal:
    """What the bills charge for anything but tokens: web search, credits."""
    return sum(bills(db).values()) - sum(bills(db, "token").values())


def assert_one_line_error(run, code: int, *words: str) -> None:
    class Done:  # the shape of a finished process, which the contract helper reads
        returncode, stdout, stderr = run.exit_code, run.stdout, run.stderr

    _assert_one_line_error(Done, code, *words)


def chargeback(db, *args, expect=0):
    run = CliRunner().invoke(app, ["--db", str(db), "report", "--period", "2026-10", "--basis", "invoice", *args,
                                   "--format", "json"])
    assert run.exit_code == expect, run.stderr
    return json.loads(run.stdout, parse_float=Decimal) if expect == 0 else run


def test_rows_add_up_to_the_bills_to_the_last_digit(db):
    doc = chargeback(db, "--by", "team")
    total = sum(bills(db).values())
    assert total == Decimal("87.84274255")
    assert sum(r["invoice_cost"] for r in doc["rows"]) == total
    assert doc["totals"]["invoice_cost"] == total
    assert doc["basis"] == "invoice" and doc["allocate"] == "cost" and doc["spread"] == "none"
    assert len(doc["invoices"]) == 5  # Anthropic's usage report has tokens, no money
    # What no call carries is on explicit rows: OpenAI's web search and Google's credit.
    explicit = {r["team"]: r["invoice_cost"] for r in doc["rows"] if r["team"].startswith("(") and r["requests"] == 0}
    assert explicit == {"(unallocated: web_search)": sum(bills(db, "web_search").values()),
                        "(credits)": sum(bills(db, "credit").values())}
    assert explicit["(unallocated: web_search)"] == Decimal("3.675")


def test_logged_and_repriced_costs_are_the_reports(db):
    doc = chargeback(db, "--by", "team")
    run = CliRunner().invoke(app, ["--db", str(db), "report", "--by", "team", "--period", "2026-10", "--format", "json"])
    plain = {r["team"]: r for r in json.loads(run.stdout, parse_float=Decimal)["rows"]}
    for row in doc["rows"]:
        if row["team"] in plain:
            assert row["repriced_cost"] == plain[row["team"]]["repriced_cost"]
            assert row["logged_cost"] == plain[row["team"]]["logged_cost"]
            assert row["requests"] == plain[row["team"]]["requests"]
    assert {r["team"] for r in doc["rows"] if r["requests"]} == set(plain)


@pytest.mark.parametrize("args", [
    ("--spread", "proportional"),
    ("--allocate", "tokens"),
    ("--allocate", "tokens", "--spread", "proportional"),
])
def test_each_provider_gets_its_own_bill(db, args):
    """By provider, with the spread, every bill's money lands on its own provider's calls."""
    doc = chargeback(db, "--by", "provider", *args)
    by_bill = defaultdict(Decimal)
    for row in doc["rows"]:
        by_bill[billing_provider(row["provider"]) if row["requests"] else row["provider"]] += row["invoice_cost"]
    expected = bills(db)
    if "proportional" in args:
        assert dict(by_bill) == expected
    else:
        assert by_bill.pop("(unallocated: web_search)") + by_bill.pop("(credits)") == outside_tokens(db)
        assert dict(by_bill) == bills(db, "token")
    assert doc["totals"]["invoice_cost"] == sum(expected.values())


def test_a_tag_needs_the_even_split_and_then_adds_up(db):
    run = chargeback(db, "--by", "tag:team", expect=2)
    assert_one_line_error(run, 2, "--tag-split even")
    doc = chargeback(db, "--by", "tag:team,model", "--tag-split", "even", "--spread", "proportional")
    assert sum(r["invoice_cost"] for r in doc["rows"]) == sum(bills(db).values())
    assert not [r for r in doc["rows"] if not r["requests"]]


def test_one_bill_chosen_by_id(db):
    doc = chargeback(db, "--by", "provider", "--invoice", "6")
    assert [b["provider"] for b in doc["invoices"]] == ["openai"]
    rows = {r["provider"]: r["invoice_cost"] for r in doc["rows"]}
    assert rows["openai"] + rows["(unallocated: web_search)"] == bills(db)["openai"]
    assert rows["anthropic"] == 0
    assert any("carry none of the bills" in n for n in doc["notes"])


def test_two_bills_of_one_provider_and_period_are_refused(db, tmp_path):
    """A re-delivered bill supersedes the first, and is the one allocated; asking for both
    would count that money twice."""
    copy = tmp_path / "chargeback.duckdb"
    shutil.copy(db, copy)
    again = tmp_path / "openai_costs_2026-10-again.csv"
    again.write_text((SAMPLE / "invoices" / "openai_costs_2026-10.csv").read_text().replace("0.0212037", "0.0212038", 1))
    run = CliRunner().invoke(app, ["--db", str(copy), "invoices", "import", str(again)])
    assert run.exit_code == 0, run.stderr
    doc = chargeback(copy, "--by", "team")
    assert [b["invoice_file_id"] for b in doc["invoices"] if b["provider"] == "openai"] == [7]
    run = chargeback(copy, "--by", "team", "--invoice", "6", "--invoice", "7", expect=2)
    assert_one_line_error(run, 2, "bills 6 and 7", "openai", "twice", "--invoice")


def test_no_bills_is_a_one_line_error(tmp_path):
    db = tmp_path / "logs.duckdb"
    assert CliRunner().invoke(app, ["--db", str(db), "ingest", str(SAMPLE / "spendlogs_2026-10.csv")]).exit_code == 0
    run = chargeback(db, "--by", "team", expect=3)
    assert_one_line_error(run, 3, "no imported bill", "invoices import")


def test_options_of_the_invoice_basis_need_it(db):
    run = CliRunner().invoke(app, ["--db", str(db), "report", "--by", "team", "--spread", "proportional"])
    assert_one_line_error(run, 2, "--basis invoice")


def test_the_python_api_gives_a_polars_frame(db):
    import litecost

    with litecost.open(db) as lc:
        frame = lc.chargeback(by="team", period="2026-10", spread="proportional")
    assert frame["invoice_cost"].sum() == sum(bills(db).values())
    assert "(credits)" not in frame["team"].to_list()


@given(st.integers(-10**24, 10**24), st.lists(st.integers(1, 10**30), min_size=1, max_size=12))
def test_a_split_is_exact_and_proportional(amount, weights):
    keys = {f"k{i}": w for i, w in enumerate(weights)}
    shares = split_units(amount, keys)
    assert sum(shares.values()) == amount
    total = sum(weights)
    for key, weight in keys.items():
        exact = Decimal(amount) * weight / total
        assert abs(shares[key] - exact) <= len(weights)


def test_the_chart_follows_the_basis(db):
    run = CliRunner().invoke(app, ["--db", str(db), "report", "--by", "team", "--period", "2026-10", "--basis", "invoice",
                                   "--format", "table", "--chart"])
    assert run.exit_code == 0, run.stderr
    assert "invoice-basis spend per day, USD" in run.stdout
    chart = run.stdout[run.stdout.index("invoice-basis spend per day"):].splitlines()
    assert all(len(line) <= 100 for line in chart)  # not a terminal: 100 columns
    assert "10-01" in run.stdout and "█" in run.stdout
