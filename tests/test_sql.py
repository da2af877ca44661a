"""litecost.sql: the one quoter, and statements that carry their own parameters."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from litecost.sql import MONEY, Statement, identifier, string_list, string_literal

# DuckDB text cannot hold NUL; everything else must survive quoting unchanged.
_CON = duckdb.connect()
_TEXT = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)))


@given(_TEXT)
def test_a_string_literal_reads_back_as_the_same_text(value: str) -> None:
    assert _CON.execute(f"SELECT {string_literal(value)}").fetchone() == (value,)


@given(_TEXT.filter(bool))
def test_an_identifier_names_a_column_exactly(name: str) -> None:
    relation = duckdb.sql(f"SELECT 1 AS {identifier(name)}")
    assert relation.columns == [name]


def test_null_and_lists() -> None:
    assert string_literal(None) == "NULL"
    listed = string_list(["a", "b'c"])
    assert _CON.execute(f"SELECT {listed}").fetchone() == (["a", "b'c"],)


def test_money_keeps_eighteen_places() -> None:
    assert str(_CON.execute(f"SELECT CAST('0.000000000000000001' AS {MONEY})").fetchone()[0]) == "1E-18"


def test_a_statement_binds_only_the_parameters_its_text_names() -> None:
    pool = {"a": 1, "b": 2, "unused": 3}
    statement = Statement.using("SELECT $a + $b", pool)
    assert statement.params == {"a": 1, "b": 2}
    assert statement.execute(duckdb.connect()).fetchone() == (3,)


def test_a_statement_without_a_named_value_is_refused_before_it_runs() -> None:
    with pytest.raises(KeyError, match="missing_one"):
        Statement.using("SELECT $missing_one", {})


def test_json_paths_and_regex_anchors_are_not_parameters() -> None:
    statement = Statement.using("SELECT json_extract('{}', '$.a'), regexp_matches('x', 'x$')", {"a": 1})
    assert statement.params == {}


def test_one_instant_parser_reads_every_form_logs_and_bills_write():
    """Logs (naive in --source-tz) and bills (naive in UTC) share one parser: the forms below
    are the ones LiteLLM and the providers' exports write, and each has one UTC meaning."""
    import duckdb

    from litecost.sql import instant

    cases = {
        "1700000000": "2023-11-14 22:13:20+00", "1700000000123": "2023-11-14 22:13:20.123+00",
        "2025-11-01": "2025-11-01 00:00:00+00", "2025-11-01 12:34": "2025-11-01 12:34:00+00",
        "2025-11-01T12:34:56Z": "2025-11-01 12:34:56+00", "2025-11-01 12:34:56 UTC": "2025-11-01 12:34:56+00",
        "2025-11-01T12:34:56.1234567Z": "2025-11-01 12:34:56.123456+00",
        "2025-11-01T12:34:56+02:00": "2025-11-01 10:34:56+00", "2025-11-01T12:34:56-0500": "2025-11-01 17:34:56+00",
        "2025-11-01 12:34:56 America/New_York": "2025-11-01 16:34:56+00",
        "": None, "not a date": None, "2025-02-30": None, "13/45/2025": None,
    }
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for text, expected in cases.items():
        got = con.execute(f"SELECT CAST({instant('$v')} AS VARCHAR)", {"v": text}).fetchone()[0]
        assert got == expected, text
    # Naive times take the zone they were written in; times that name their own zone keep it.
    berlin = f"SELECT CAST({instant('$v', naive_zone=chr(39) + 'Europe/Berlin' + chr(39))} AS VARCHAR)"
    assert con.execute(berlin, {"v": "2025-11-01 12:00"}).fetchone()[0] == "2025-11-01 11:00:00+00"
    assert con.execute(berlin, {"v": "2025-11-01T12:00:00Z"}).fetchone()[0] == "2025-11-01 12:00:00+00"
    us = f"SELECT CAST({instant('$v', us_dates=True)} AS VARCHAR)"
    assert con.execute(us, {"v": "11/01/2025"}).fetchone()[0] == "2025-11-01 00:00:00+00"
