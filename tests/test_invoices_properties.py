"""Property tests: whatever bytes, CSV or JSON reach detection and import, the outcome is
stored lines (every row accounted for) or one clean `LitecostError` — never another exception,
and a refused file changes nothing."""

from __future__ import annotations

import csv
import io
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoices_support import BILLING
from litecost.errors import LitecostError
from litecost.invoices.importer import import_invoices
from litecost.store import Store

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

HEADERS = {
    name: (BILLING / name).read_text(encoding="utf-8").splitlines()[0]
    for name in (
        "openai_dashboard_costs_synthetic.csv", "openai_dashboard_completions_usage_synthetic.csv",
        "anthropic_console_cost_synthetic.csv", "anthropic_console_usage_synthetic.csv",
        "azure_ea_actualcost_synthetic.csv", "azure_mca_extra_synthetic.csv", "aws_cur2_bedrock_synthetic.csv",
        "aws_cur_legacy_extra_synthetic.csv", "gcp_billing_export_flat_synthetic.csv", "focus12_llm_api_synthetic.csv",
    )
}
cells = st.one_of(
    st.text(string.printable, max_size=12),
    st.sampled_from(["", "0", "-1", "1e308", "1e-30", "9" * 40, "nan", "inf", "1,5", "2025-06-02", "06/02/2025",
                     "2025-06-02T00:00:00Z", "1748822400", "99999999999999", "13/45/2025", "[]", "{", "usd",
                     "gpt-4o-mini-2024-07-18, input", "USE1-Claude4Sonnet-input-tokens", "gpt 4o 1120 Inp glbl Tokens",
                     "Gemini 2.0 Flash Text Input - Predictions", "tokens", "1K", "1000_tokens", "Usage", "Tax"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=16) | cells,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(string.ascii_letters + "_.", max_size=12), children, max_size=5),
    max_leaves=20,
)
result_keys = st.sampled_from([
    "amount", "currency", "cost_type", "token_type", "model", "service_tier", "context_window", "line_item",
    "quantity", "quantity_unit", "object", "uncached_input_tokens", "output_tokens", "input_tokens", "batch",
    "cache_creation", "server_tool_use", "workspace_id", "project_id",
])
bucket_keys = st.sampled_from(["start_time", "end_time", "starting_at", "ending_at", "object"])
pages = st.fixed_dictionaries({
    "data": st.lists(
        st.fixed_dictionaries(
            {"results": st.lists(st.dictionaries(result_keys, json_values, max_size=8), max_size=4)},
            optional={k: json_values for k in ("start_time", "end_time", "starting_at", "ending_at")},
        ),
        max_size=3,
    )
}, optional={"object": st.sampled_from(["page", "bucket"]), "has_more": st.booleans()})
gcp_keys = st.sampled_from(["sku", "service", "cost", "currency", "usage_start_time", "usage_end_time", "credits",
                            "usage", "cost_type", "project", "location", "invoice"])
gcp_records = st.dictionaries(gcp_keys, json_values, min_size=1, max_size=10)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "fuzz.duckdb") as opened:
        yield opened


def _import(store, path) -> None:  # noqa: ANN001
    before = store.con.execute("SELECT count(*) FROM invoice_lines").fetchone()[0]
    try:
        result = import_invoices(store, [path])
    except LitecostError as exc:
        assert exc.one_line() and "\n" not in exc.one_line()
        after = store.con.execute("SELECT count(*) FROM invoice_lines").fetchone()[0]
        assert after == before  # a refused file leaves the store as it was
        return
    for entry in result.files:
        if entry.status != "imported":
            continue
        rows = store.con.execute(
            "SELECT count(DISTINCT source_row), count(*) FROM invoice_lines WHERE invoice_file_id = ?",
            [entry.invoice_file_id],
        ).fetchone()
        assert rows == (entry.rows_read, entry.lines)  # every source row landed
        assert entry.lines >= entry.rows_read


@FUZZ
@given(blob=st.binary(max_size=500), prefix=st.sampled_from([b"", b"{", b"[", b"PAR1", b"\x1f\x8b", b"a,b\n"]))
def test_random_bytes(store, tmp_path, blob, prefix):
    path = tmp_path / "fuzz.bin"
    path.write_bytes(prefix + blob)
    _import(store, path)


@FUZZ
@given(header=st.sampled_from(sorted(HEADERS)), rows=st.lists(st.lists(cells, min_size=0, max_size=25), max_size=5),
       ragged=st.booleans())
def test_known_headers_with_random_cells(store, tmp_path, header, rows, ragged):
    width = len(HEADERS[header].split(","))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(row if ragged else (row + [""] * width)[:width])
    path = tmp_path / "fuzz.csv"
    path.write_text(HEADERS[header] + "\n" + out.getvalue(), encoding="utf-8")
    _import(store, path)


@FUZZ
@given(document=pages | json_values)
def test_random_json_pages(store, tmp_path, document):
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    _import(store, path)


@FUZZ
@given(records=st.lists(gcp_records, min_size=1, max_size=5))
def test_random_billing_json_records(store, tmp_path, records):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    _import(store, path)
