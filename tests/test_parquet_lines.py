"""A Parquet export's rows are numbered by the Parquet reader: a stored call's
`source_line` and a reject's line are the row's number in the file (1-based), over
many row groups read in parallel."""

from __future__ import annotations

import duckdb

from tests.test_sources import DATA


def _spread_parquet(tmp_path, rows: int = 30_000):
    """The fixture's first row repeated with new ids, in small row groups; row 20,000 has
    a negative token count."""
    out = tmp_path / "spendlogs_many_groups.parquet"
    con = duckdb.connect()
    con.execute(
        f"""COPY (
            SELECT * REPLACE ('req-' || lpad(i::VARCHAR, 6, '0') AS request_id,
                              CASE WHEN i = 20000 THEN '-5' ELSE prompt_tokens::VARCHAR END AS prompt_tokens)
            FROM (SELECT * FROM read_parquet('{DATA / 'spendlogs.parquet'}') LIMIT 1), range(1, {rows} + 1) r(i)
            ORDER BY i
        ) TO '{out}' (FORMAT parquet, ROW_GROUP_SIZE 2048)"""
    )
    return out


def test_parquet_rows_and_rejects_carry_their_row_number(cli, db, tmp_path):
    path = _spread_parquet(tmp_path)
    doc = cli("ingest", path, "--format", "json").json()
    assert (doc["inserted"], doc["rejected"]) == (29_999, 1)
    assert doc["files"][0]["first_reject"].startswith("20000: ")
    con = duckdb.connect(str(db), read_only=True)
    try:
        misplaced = con.execute(
            "SELECT count(*) FROM calls WHERE source_line <> CAST(substr(request_id, 5) AS BIGINT)"
        ).fetchone()[0]
        reject_line = con.execute("SELECT line FROM rejects").fetchone()[0]
    finally:
        con.close()
    assert misplaced == 0
    assert reject_line == 20_000
