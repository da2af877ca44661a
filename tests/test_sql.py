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
