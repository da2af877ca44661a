"""LiteLLM's off-peak pricing (`off_peak_pricing` in DeepSeek's and Tencent's entries): other
rates while a time-of-week window is open, read at the moment LiteLLM billed the call."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import DATA
from litecost.cli.main import app
from litecost.errors import BadInputError
from litecost.pricing.off_peak import Schedule, Window, install_windows, open_schedules_params_sql, open_schedules_sql, parse_schedule
from litecost.pricing.book import PriceBook
from litecost.pricing.repricing import install_priced_calls
from litecost.store import Store

UTC = timezone.utc
# Tencent's DeepSeek schedule as LiteLLM 1.110.2's map gives it.
DEEPSEEK = {
    "weekday_timezone": "Asia/Shanghai",
    "windows": [{"hours_utc": ["00:00-01:00", "04:00-06:00", "10:00-00:00"], "weekdays": [1, 2, 3, 4, 5]},
                {"hours_utc": "00:00-00:00", "weekdays": [6, 7]}],
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_hours_are_utc_start_inclusive_end_exclusive_and_a_window_may_wrap_midnight():
    schedule = parse_schedule({"hours_utc": ["22:30-01:00", "04:00-06:00"]}, "test")
    assert schedule.is_open(at("2026-11-02 04:00:00"))
    assert not schedule.is_open(at("2026-11-02 06:00:00"))
    assert schedule.is_open(at("2026-11-02 05:59:59"))
    assert schedule.is_open(at("2026-11-02 23:59:00")) and schedule.is_open(at("2026-11-03 00:30:00"))
    assert not schedule.is_open(at("2026-11-02 22:29:59"))
    assert not schedule.is_open(at("2026-11-02 01:00:00"))
    assert parse_schedule({"hours_utc": "00:00-00:00"}, "test").is_open(at("2026-11-02 13:17:00"))  # all day


def test_weekdays_are_read_on_the_named_calendar_while_hours_stay_utc():
    weekend = {"windows": [{"hours_utc": "00:00-00:00", "weekdays": ["sat", 7]}]}
    friday_evening_utc = at("2026-11-06 17:00:00")  # Saturday 01:00 in Shanghai
    assert not parse_schedule(weekend, "test").is_open(friday_evening_utc)
    assert parse_schedule({**weekend, "weekday_timezone": "Asia/Shanghai"}, "test").is_open(friday_evening_utc)
    deepseek = parse_schedule(DEEPSEEK, "test")
    assert not deepseek.is_open(at("2026-11-02 02:00:00"))  # Monday, between windows
    assert deepseek.is_open(at("2026-11-02 04:30:00"))
    assert deepseek.is_open(at("2026-11-07 02:00:00"))  # Saturday


@pytest.mark.parametrize("block, message", [
    ({"hours_utc": "9-17"}, 'test.hours_utc has "9-17", not HH:MM-HH:MM (UTC)'),
    ({"hours_utc": "24:00-01:00"}, 'test.hours_utc has "24:00-01:00", not HH:MM-HH:MM (UTC)'),
    ({"windows": [{"hours_utc": "00:00-01:00", "weekdays": [0]}]}, "test.windows[0].weekdays has 0, not a weekday"),
    ({"windows": [{"weekdays": [1]}]}, "test.windows[0] has no hours_utc"),
    ({"hours_utc": "00:00-01:00", "weekday_timezone": "Mars/Olympus"}, 'test.weekday_timezone is "Mars/Olympus", not a time zone'),
    # A file of the system's zone database Python reads but DuckDB cannot compute in.
    ({"hours_utc": "00:00-01:00", "weekday_timezone": "posixrules"}, 'test.weekday_timezone is "posixrules", not a time zone'),
    ({"input_cost_per_token": 1e-7}, "test names no hours"),
    ([], "test is [], not an object"),
])
def test_a_schedule_litellm_would_silently_ignore_is_an_error_here(block, message):
    with pytest.raises(BadInputError) as error:
        parse_schedule(block, "test")
    assert str(error.value) == message


HOURS = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 59])).map(lambda hm: hm[0] * 60 + hm[1])
WINDOWS = st.builds(Window, st.one_of(st.none(), st.sets(st.integers(1, 7), min_size=1).map(lambda s: tuple(sorted(s)))),
                    HOURS, HOURS)
SCHEDULES = st.builds(Schedule, st.sampled_from(["UTC", "Asia/Shanghai", "America/Los_Angeles", "Asia/Kathmandu"]),
                      st.lists(WINDOWS, min_size=1, max_size=4).map(tuple))
INSTANTS = st.datetimes(datetime(2024, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC))


@settings(max_examples=60, deadline=None)
@given(st.lists(SCHEDULES, min_size=1, max_size=3), st.lists(INSTANTS, min_size=1, max_size=20))
def test_the_sql_rule_agrees_with_the_python_rule(schedules, instants):
    """Calls are priced in SQL, per call with a table of windows and in reports with parameters:
    both bit masks must name exactly the schedules `is_open` says."""
    con = duckdb.connect()
    install_windows(con, schedules, "w")
    con.execute("CREATE TABLE c (start_time TIMESTAMPTZ, end_time TIMESTAMPTZ)")
    con.executemany("INSERT INTO c VALUES (?, ?)", [(t - timedelta(seconds=3), t) for t in instants])
    by_params, params = open_schedules_params_sql("c", schedules, "p_")
    masks = con.execute(f"SELECT end_time, {open_schedules_sql('c', 'w')}, {by_params} FROM c ORDER BY rowid",
                        params).fetchall()
    for instant, by_table, by_parameters in masks:
        expected = sum(1 << i for i, schedule in enumerate(schedules) if schedule.is_open(instant))
        assert (int(by_table) if by_table else 0) == expected, (instant, schedules)
        assert by_parameters == by_table, (instant, schedules)


def _deepseek_call(request_id: str, start: datetime, latency: float = 1.25) -> dict:
    for line in gzip.open(DATA / "litellm_parity" / "callbacks.jsonl.gz", "rt"):
        call = json.loads(line)
        if call["model_map_information"]["model_map_key"] == "deepseek/deepseek-v4-pro":
            call = {**call, "id": request_id, "litellm_call_id": request_id,
                    "startTime": start.timestamp(), "endTime": start.timestamp() + latency}
            call.pop("completionStartTime", None)
            return call
    raise AssertionError("no deepseek/deepseek-v4-pro call in the parity corpus")


PEAK = Decimal(1000) * Decimal("1.32e-6") + Decimal(500) * Decimal("3.96e-6")
OFF_PEAK = Decimal(1000) * Decimal("6.6e-7") + Decimal(500) * Decimal("1.98e-6")


def test_a_call_costs_the_off_peak_rates_when_litellm_billed_it_inside_a_window(tmp_path):
    calls = [
        _deepseek_call("peak", at("2026-11-02 02:00:00")),  # Monday, between windows
        _deepseek_call("saturday", at("2026-11-07 02:00:00")),
        # Started at peak, answered at 04:00:00.25: LiteLLM bills it when it logs the response.
        _deepseek_call("answered-in-window", at("2026-11-02 03:59:59"), latency=1.25),
    ]
    source = tmp_path / "deepseek.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in calls))
    db = tmp_path / "d.duckdb"
    assert CliRunner().invoke(app, ["--db", str(db), "ingest", str(source)]).exit_code == 0
    with Store.open(db, read_only=True) as store:
        install_priced_calls(store.con, PriceBook.load())
        cost = {r[0]: r[1:] for r in store.con.execute(
            "SELECT request_id, repriced_cost, price_adjustments FROM priced_calls").fetchall()}
    assert cost["peak"] == (PEAK, None)
    note = "off-peak rates (off_peak_pricing window open when LiteLLM billed the call)"
    assert cost["saturday"] == (OFF_PEAK, note)
    assert cost["answered-in-window"] == (OFF_PEAK, note)

    # Reports price summed calls: peak and off-peak calls stay apart there too.
    run = CliRunner().invoke(app, ["--db", str(db), "report", "--period", "2026-11", "--by", "model", "--format", "json"])
    assert run.exit_code == 0, run.stderr
    [row] = json.loads(run.stdout)["rows"]
    assert Decimal(str(row["repriced_cost"])) == PEAK + 2 * OFF_PEAK


def test_a_price_file_with_a_broken_off_peak_block_is_a_one_line_error(tmp_path):
    price_map = tmp_path / "map.json"
    price_map.write_text(json.dumps({"deepseek/x": {
        "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
        "off_peak_pricing": {"hours_utc": "16:30-00:30", "input_cost_per_token": "half"}}}))
    run = CliRunner().invoke(app, ["pricing", "show", "deepseek/x", "--pricing", str(price_map)])
    assert run.exit_code == 3
    assert f'{price_map}: deepseek/x.off_peak_pricing.input_cost_per_token is "half", not a price' in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 2  # the error and its hint


def test_pricing_show_gives_the_rates_in_force_at_the_moment_asked():
    def show(moment: str) -> dict:
        run = CliRunner().invoke(app, ["pricing", "show", "deepseek/deepseek-v4-pro", "--at", moment, "--format", "json"])
        assert run.exit_code == 0, run.stderr
        document = json.loads(run.stdout)
        rates = {(p["service_tier"], p["category"]): Decimal(str(p["usd_per_token"])) for p in document["prices"]}
        return {"off_peak": document["off_peak"], "input": rates[("standard", "input")],
                "output": rates[("standard", "output")]}

    assert show("2026-11-02T02:00:00Z") == {"off_peak": False, "input": Decimal("1.32e-6"), "output": Decimal("3.96e-6")}
    assert show("2026-11-07T02:00:00Z") == {"off_peak": True, "input": Decimal("6.6e-7"), "output": Decimal("1.98e-6")}
