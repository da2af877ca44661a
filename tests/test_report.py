"""`litecost report` on the sample month, checked against figures the generator computed itself."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecost.cli.main import app

SAMPLE = Path(__file__).parent.parent / "sample_data"
GOLDEN = Path(__file__).parent / "data" / "golden"
EXPECTED = json.loads((SAMPLE / "expected_totals.json").read_text())
# Logged costs are stored with 18 decimals; the generator summed the exact strings.
CLOSE = Decimal("1e-14")


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("report") / "sample.duckdb"
    run = CliRunner().invoke(app, ["--db", str(db), "ingest", str(SAMPLE / "spendlogs_2026-10.csv")])
    assert run.exit_code == 0, run.stderr
    return db


@pytest.fixture
def report(sample_db):
    def invoke(*args: str, expect: int = 0):
        result = CliRunner().invoke(app, ["--db", str(sample_db), "report", *args])
        assert result.exit_code == expect, result.stderr
        return result

    return invoke


def as_json(result):
    return json.loads(result.stdout, parse_float=Decimal)


def test_tag_rows_match_the_generator_and_totals_are_deduplicated(report):
    doc = as_json(report("--by", "tag", "--period", "2026-10", "--format", "json"))
    rows = {r["tag"]: r for r in doc["rows"]}
    for tag, expected in EXPECTED["by_user_tag"].items():
        assert rows[tag]["requests"] == expected["calls"], tag
        assert abs(rows[tag]["logged_cost"] - Decimal(expected["spend"])) < CLOSE, tag
    assert rows["(untagged)"]["requests"] == EXPECTED["untagged_calls"]["calls"]
    assert not any(t.startswith("User-Agent:") for t in rows)
    assert doc["totals"]["requests"] == EXPECTED["calls"]
    assert abs(doc["totals"]["logged_cost"] - Decimal(EXPECTED["spend"])) < CLOSE
    summed = sum(r["logged_cost"] for r in doc["rows"])
    assert abs(summed - Decimal(EXPECTED["sum_over_user_tags"]) - Decimal(EXPECTED["untagged_calls"]["spend"])) < CLOSE
    assert any("tag rows overlap" in n for n in doc["notes"])
    assert doc["period"] == {"label": "2026-10", "start": "2026-10-01T00:00:00+00:00",
                             "end": "2026-11-01T00:00:00+00:00", "tz": "UTC"}


def test_key_team_and_provider_rows_match_the_generator(report):
    keys = {r["key"]: r for r in as_json(report("--by", "key", "--format", "json"))["rows"]}
    for alias, expected in EXPECTED["by_key_alias"].items():
        if alias:
            assert keys[alias]["requests"] == expected["calls"]
            assert abs(keys[alias]["logged_cost"] - Decimal(expected["spend"])) < CLOSE
    teams = {r["team"]: r for r in as_json(report("--by", "team", "--format", "json"))["rows"]}
    for team_id, expected in EXPECTED["by_team_id"].items():
        name = EXPECTED["team_aliases"].get(team_id, "(no team)") if team_id else "(no team)"
        assert teams[name]["requests"] == expected["calls"], name
        assert abs(teams[name]["logged_cost"] - Decimal(expected["spend"])) < CLOSE, name
    providers = {r["provider"]: r for r in as_json(report("--by", "provider", "--format", "json"))["rows"]}
    for provider, expected in EXPECTED["by_provider"].items():
        assert providers[provider]["requests"] == expected["calls"]
        for category, tokens in expected["tokens"].items():
            assert providers[provider][f"{category}_tokens"] == tokens, (provider, category)


def test_even_split_adds_up_exactly(report):
    for by in ("tag", "tag,model", "tag:env"):
        doc = as_json(report("--by", by, "--period", "2026-10", "--tag-split", "even", "--format", "json"))
        for metric in ("logged_cost", "repriced_cost", "input_tokens", "cache_read_tokens", "output_tokens"):
            assert sum(r[metric] for r in doc["rows"]) == doc["totals"][metric], (by, metric)
        assert doc["notes"] == []


def test_days_follow_the_requested_time_zone(report):
    utc = {r["day"]: r for r in as_json(report("--by", "day", "--period", "2026-10", "--format", "json"))["rows"]}
    for day, expected in EXPECTED["by_day"].items():
        assert utc[day]["requests"] == expected["calls"]
    tokyo = as_json(report("--by", "day", "--period", "2026-10", "--tz", "Asia/Tokyo", "--format", "json"))
    assert tokyo["period"]["start"] == "2026-09-30T15:00:00+00:00"
    assert tokyo["tz"] == "Asia/Tokyo"
    assert [r["day"] for r in tokyo["rows"]][0] == "2026-10-01"
    same_window = as_json(report("--by", "provider", "--since", "2026-09-30T15:00:00Z", "--until", "2026-10-31T15:00:00Z",
                                 "--format", "json"))
    assert tokyo["totals"]["requests"] == same_window["totals"]["requests"] < EXPECTED["calls"]


def test_filters_top_and_user_agent_tags(report):
    tagged = as_json(report("--by", "provider", "--where", "tag:team=search", "--format", "json"))
    assert tagged["totals"]["requests"] == EXPECTED["by_user_tag"]["team:search"]["calls"]
    azure_rows = [r for r in tagged["rows"] if r["provider"] == "azure"]
    both = as_json(report("--by", "model", "--where", "tag=team:search", "--where", "provider=azure", "--format", "json"))
    assert [r["model"] for r in both["rows"]] == ["gpt-4o"]
    assert both["totals"]["requests"] == azure_rows[0]["requests"] < EXPECTED["by_provider"]["azure"]["calls"]
    top = as_json(report("--by", "tag", "--top", "3", "--format", "json"))
    assert [r["tag"] for r in top["rows"]][-1] == "(other)" and len(top["rows"]) == 4
    full = as_json(report("--by", "tag", "--format", "json"))
    assert sum(r["requests"] for r in top["rows"]) == sum(r["requests"] for r in full["rows"])
    with_ua = {r["tag"]: r for r in as_json(report("--by", "tag", "--include-user-agent-tags", "--format", "json"))["rows"]}
    assert with_ua["User-Agent: curl"]["requests"] == EXPECTED["by_user_agent_tag"]["User-Agent: curl"]["calls"]


def test_hostile_filter_values_are_data_not_sql(report):
    doc = as_json(report("--by", "model", "--where", "key=x' OR '1'='1", "--where", "tag=\"; DROP TABLE calls; --", "--format", "json"))
    assert doc["rows"] == [] and doc["totals"]["requests"] == 0
    assert as_json(report("--by", "model", "--format", "json"))["totals"]["requests"] == EXPECTED["calls"]


@pytest.mark.parametrize("name", [
    "x\"y", "x'y", "env\"--", "x\"||getenv('HOME')||\"", "x'||(SELECT/**/content/**/FROM/**/read_text('/etc/hostname'))||'",
    "x\"/**/FROM/**/calls;DROP/**/TABLE/**/calls;--",
])
def test_tag_names_are_labels_never_sql(report, sample_db, name):
    """`--by tag:NAME` names a tag, whatever its characters: the report has one row, the
    label `(no NAME tag)` quoted back exactly, and the database is untouched."""
    doc = as_json(report("--by", f"tag:{name}", "--format", "json"))
    label = f"(no {name} tag)"
    assert [row[f"tag:{name}"] for row in doc["rows"]] == [label]
    assert doc["totals"]["requests"] == EXPECTED["calls"]
    csv_rows = list(csv.reader(io.StringIO(report("--by", f"tag:{name},model", "--format", "csv").stdout)))
    assert csv_rows[0][:2] == [f"tag:{name}", "model"]
    assert {row[0] for row in csv_rows[1:-1]} == {label}
    assert as_json(report("--by", "model", "--format", "json"))["totals"]["requests"] == EXPECTED["calls"]


def test_compare_previous_adds_the_change(report):
    doc = as_json(report("--by", "provider", "--period", "2026-10", "--compare", "previous", "--format", "json"))
    assert doc["previous_period"]["start"] == "2026-09-01T00:00:00+00:00"
    assert all(r["previous_repriced_cost"] == 0 and r["change"] == r["repriced_cost"] for r in doc["rows"])
    nov = as_json(report("--by", "provider", "--period", "2026-11", "--compare", "previous", "--format", "json"))
    assert nov["totals"]["change"] == -doc["totals"]["repriced_cost"]


def test_bad_options_are_usage_errors(report):
    for args, message in (
        (("--by", "colour"), "--by 'colour' is not a dimension"),
        (("--by", "tag", "--period", "2026-13"), "--period '2026-13' is not a period"),
        (("--by", "tag", "--tz", "Mars/Base"), "unknown time zone 'Mars/Base'"),
        (("--by", "tag", "--where", "nonsense"), "--where 'nonsense' is not DIM=VALUE"),
        (("--by", "tag", "--compare", "previous"), "--compare previous needs a --period"),
    ):
        result = report(*args, expect=2)
        assert result.stdout == ""
        assert message in result.stderr and result.stderr.count("\n") == 1


def test_every_format_carries_the_same_figures(report):
    args = ("--by", "provider,status", "--period", "2026-10")
    doc = as_json(report(*args, "--format", "json"))
    lines = [json.loads(line, parse_float=Decimal) for line in report(*args, "--format", "jsonl").stdout.splitlines()]
    table = list(csv.DictReader(io.StringIO(report(*args, "--format", "csv").stdout)))
    markdown = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in report(*args, "--format", "markdown").stdout.splitlines()[2:]
    ]
    assert markdown.pop(1)[0] == "---"  # the header rule
    header, markdown = markdown[0], markdown[1:]
    assert header == list(doc["rows"][0])
    # csv, jsonl and markdown all close with the (total) row; json carries it as "totals".
    assert len(doc["rows"]) == len(lines) - 1 == len(table) - 1 == len(markdown) - 1
    assert lines[-1] == doc["totals"] and table[-1]["provider"] == "(total)"
    for index, row in enumerate(doc["rows"]):
        assert lines[index] == row
        for position, key in enumerate(header):
            text = "" if row[key] is None else str(row[key])
            assert table[index][key] == text
            # Markdown is for people: the same figures, rounded as in a table.
            shown = markdown[index][position].replace(",", "").rstrip("%")
            if row[key] is not None and key.endswith(("_cost", "_pct")):
                assert Decimal(shown) == Decimal(str(row[key])).quantize(Decimal("0.01")), key
            else:
                assert shown == text, key


def test_no_totals_drops_the_total_row_from_every_row_format(report):
    args = ("--by", "provider", "--period", "2026-10", "--no-totals")
    for fmt in ("csv", "jsonl", "markdown"):
        assert "(total)" not in report(*args, "--format", fmt).stdout, fmt
    assert "(total)" in report("--by", "provider", "--period", "2026-10", "--format", "jsonl").stdout


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_golden_output(report, fmt):
    result = report("--by", "provider", "--period", "2026-10", "--format", fmt)
    expected = (GOLDEN / f"report_by_provider.{'md' if fmt == 'markdown' else fmt}").read_text()
    assert result.stdout == expected


def test_terminal_table_has_no_ansi_when_piped(report):
    result = report("--by", "tag", "--format", "table", "--chart", "--period", "2026-10")
    assert "\x1b[" not in result.stdout
    assert "Spend by tag · 2026-10" in result.stdout and "tz UTC" in result.stdout
    assert "re-priced spend per day" in result.stdout


def test_output_file_is_written_atomically(report, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    result = report("--by", "team", "--format", "csv", "--output", str(target))
    assert result.stdout == ""
    assert target.read_text().startswith("team,requests")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_csv_neutralises_formulas_in_text_cells(tmp_path):
    from conftest import slp, write_jsonl

    db = tmp_path / "f.duckdb"
    records = [slp("a", request_tags=["=HYPERLINK(\"http://x\")", "+1", "-2", "@sum"])]
    records[0]["metadata"]["user_api_key_alias"] = "=cmd|' /C calc'!A0"
    path = write_jsonl(tmp_path / "cb.jsonl", records)
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(db), "ingest", str(path)]).exit_code == 0
    guarded = list(csv.DictReader(io.StringIO(
        runner.invoke(app, ["--db", str(db), "report", "--by", "tag,key", "--format", "csv"]).stdout)))
    assert sorted(r["tag"] for r in guarded[:-1]) == ["'+1", "'-2", "'=HYPERLINK(\"http://x\")", "'@sum"]
    assert {r["key"] for r in guarded[:-1]} == {"'=cmd|' /C calc'!A0"}
    assert guarded[0]["repriced_cost"] == "0.00123"  # numbers are never touched
    raw = list(csv.DictReader(io.StringIO(
        runner.invoke(app, ["--db", str(db), "report", "--by", "tag", "--format", "csv", "--no-csv-guard"]).stdout)))
    assert sorted(r["tag"] for r in raw[:-1]) == ["+1", "-2", "=HYPERLINK(\"http://x\")", "@sum"]


def test_grouped_pricing_equals_pricing_each_call(sample_db):
    """Reports price sums of calls (GroupPricing); with price changes mid-month, long-context
    tiers and adjustments in the book, that must equal pricing every call on its own."""
    from litecost.periods import parse_period
    from litecost.pricing.book import PriceBook
    from litecost.pricing.repricing import install_priced_calls
    from litecost.report import ReportSpec, spend_report
    from litecost.store import Store

    book = PriceBook.load([Path(__file__).parent.parent / "pricing" / "overrides.example.yaml"])
    instants, thresholds = book.boundaries()
    assert instants and 200000 in thresholds  # the book splits calls by time and prompt size
    spec = ReportSpec(("model", "day"), parse_period("2026-10", "UTC"))
    with Store.open(sample_db, read_only=True) as store:
        grouped = {(r["model"], r["day"]): r["repriced_cost"] for r in spend_report(store.con, spec, book).rows}
        install_priced_calls(store.con, book)
        each = dict(
            ((model, day), cost)
            for model, day, cost in store.con.execute(
                "SELECT model, strftime(start_time, '%Y-%m-%d'), sum(repriced_cost) FROM priced_calls GROUP BY ALL"
            ).fetchall()
        )
    assert grouped == each
    # The override's price for gpt-4o-mini starts on 2026-10-15, not before.
    with Store.open(sample_db, read_only=True) as store:
        listed = {(r["model"], r["day"]): r["repriced_cost"] for r in spend_report(store.con, spec, PriceBook.load()).rows}
    changed = {day for (model, day), cost in grouped.items() if model == "gpt-4o-mini" and cost != listed[(model, day)]}
    assert changed == {f"2026-10-{d:02d}" for d in range(15, 32)}
