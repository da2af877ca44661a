"""Detection: every fixture goes to the right adapter; anything else is refused in one line."""

from __future__ import annotations

import gzip
import shutil
from decimal import Decimal

import pytest

from conftest import DATA
from invoices_support import BILLING, count, run_invoices
from litecost.errors import BadInputError, UsageError
from litecost.invoices.detect import detect

FIXTURES = {
    "openai_dashboard_costs_synthetic.csv": ("openai_costs_csv", "OpenAI dashboard Cost CSV export"),
    "openai_costs_api_synthetic.json": ("openai_costs_json", "OpenAI Costs API JSON page"),
    "openai_costs_api_extra_pages.json": ("openai_costs_json", "OpenAI Costs API JSON page"),
    "openai_dashboard_completions_usage_synthetic.csv": ("openai_usage_csv", "OpenAI dashboard Activity (usage) CSV export"),
    "openai_usage_completions_api_synthetic.json": ("openai_usage_json", "OpenAI Usage API JSON page"),
    "anthropic_cost_report_synthetic.json": ("anthropic_cost_report_json", "Anthropic Admin API cost report JSON (amounts in cents)"),
    "anthropic_cost_report_extra.json": ("anthropic_cost_report_json", "Anthropic Admin API cost report JSON (amounts in cents)"),
    "anthropic_usage_report_synthetic.json": ("anthropic_usage_report_json", "Anthropic Admin API usage report JSON"),
    "anthropic_console_cost_synthetic.csv": ("anthropic_console_cost_csv", "Anthropic Console cost CSV export (dollars)"),
    "anthropic_console_usage_synthetic.csv": ("anthropic_console_usage_csv", "Anthropic Console usage CSV export"),
    "azure_ea_actualcost_synthetic.csv": ("azure_ea_legacy", "Azure cost export (older EA schema: Cost, BillingCurrency)"),
    "azure_mca_extra_synthetic.csv": ("azure_mca", "Azure Cost Management export (MCA schema)"),
    "azure_focus12_subset_synthetic.csv": ("focus", "FinOps FOCUS cost and usage export"),
    "aws_cur2_bedrock_synthetic.csv": ("aws_cur2", "AWS CUR 2.0 (Data Exports)"),
    "aws_cur_legacy_extra_synthetic.csv": ("aws_cur_legacy", "AWS Cost and Usage Report (legacy CUR)"),
    "gcp_billing_export_flat_synthetic.csv": ("gcp_billing_csv", "GCP Cloud Billing export (flattened CSV/Parquet)"),
    "gcp_billing_export_extra.jsonl": ("gcp_billing_json", "GCP Cloud Billing export (JSON)"),
    "focus12_llm_api_synthetic.csv": ("focus", "FinOps FOCUS cost and usage export"),
}
FAMILY = {"openai": "openai", "anthropic": "anthropic", "azure": "azure", "aws": "bedrock", "gcp": "gcp", "focus": "focus"}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_detection_picks_the_layout(name):
    source = detect(BILLING / name)
    assert (source.layout.name, source.description) == FIXTURES[name]


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_explicit_provider_agrees_with_detection(name):
    layout = FIXTURES[name][0]
    family = "focus" if layout == "focus" else FAMILY[layout.split("_")[0]]
    assert detect(BILLING / name, family).layout.name == layout


def test_explicit_provider_that_does_not_fit_is_refused():
    with pytest.raises(BadInputError) as refused:
        detect(BILLING / "openai_dashboard_costs_synthetic.csv", "azure")
    assert "not a billing export litecost recognises" in refused.value.one_line()
    assert "supported for --provider azure:" in refused.value.one_line()


def test_detection_note_goes_to_stderr(db):
    run = run_invoices(db, "import", BILLING / "aws_cur2_bedrock_synthetic.csv", "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert f"litecost: {BILLING / 'aws_cur2_bedrock_synthetic.csv'}: AWS CUR 2.0 (Data Exports) (layout aws_cur2)\n" in run.stderr
    assert run.json()["files"][0]["layout"] == "aws_cur2"


def test_gzip_export_is_read(db, tmp_path):
    packed = tmp_path / "costs.csv.gz"
    with open(BILLING / "openai_dashboard_costs_synthetic.csv", "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    run = run_invoices(db, "import", packed, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert "OpenAI dashboard Cost CSV export (gzip)" in run.stderr
    assert run.json()["files"][0]["total_amount"] == Decimal("10.475")


@pytest.mark.parametrize("path, found", [
    (DATA / "spendlogs_v1110.csv", "this is a LiteLLM log, not a billing export; load logs with `litecost ingest`"),
    (DATA / "callbacks_slp.jsonl", "not a billing export litecost recognises (JSON fields:"),
    (DATA / "spendlogs.parquet", "this is a LiteLLM log, not a billing export"),
    (BILLING / "openrouter_logs_export_synthetic.csv", "not a billing export litecost recognises (CSV header: generation_id,"),
])
def test_unrecognised_files_are_refused_in_one_line_and_nothing_is_stored(db, path, found):
    run = run_invoices(db, "import", path)
    assert run.exit_code == 3
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith(f"litecost: error: {path}: ")
    assert found in run.stderr
    assert not db.exists()  # detection happens before the database is opened


def test_random_csv_error_lists_the_supported_layouts(db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,age\nada,36\n", encoding="utf-8")
    run = run_invoices(db, "import", path)
    assert run.exit_code == 3
    assert run.stderr == (
        f"litecost: error: {path}: not a billing export litecost recognises (CSV header: name, age); supported: "
        "OpenAI Cost/Activity CSV and Costs/Usage API JSON; Anthropic cost/usage report JSON and Console CSV; "
        "Azure Cost Management export (EA, MCA, older EA); AWS CUR 2.0 or legacy CUR; GCP billing export "
        "(flattened CSV or JSON); FOCUS 1.x (CSV or Parquet); for another layout describe its columns with "
        "--mapping MAP.yaml\n"
    )


def test_one_bad_file_stores_nothing_of_the_others(db, tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    run = run_invoices(db, "import", BILLING / "aws_cur2_bedrock_synthetic.csv", bad)
    assert run.exit_code == 3
    assert not db.exists()


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"\x00\x01\x02binary", "binary data, not a billing export"),
    (b'{"data": [1, 2', "malformed JSON"),
])
def test_empty_binary_and_broken_files(db, tmp_path, content, message):
    path = tmp_path / "export.json"
    path.write_bytes(content)
    run = run_invoices(db, "import", path)
    assert run.exit_code == 3
    assert message in run.stderr and run.stderr.count("\n") == 1


def test_empty_openai_cost_export_is_zero_lines_not_an_error(db, tmp_path):
    path = tmp_path / "cost_empty.csv"
    path.write_text("start_time,end_time,start_time_iso,end_time_iso\n", encoding="utf-8")
    run = run_invoices(db, "import", path, "--format", "json")
    assert run.exit_code == 0, run.stderr
    [entry] = run.json()["files"]
    assert (entry["layout"], entry["rows_read"], entry["lines"], entry["period_start"]) == ("openai_costs_csv", 0, 0, None)


def test_generic_provider_needs_a_mapping(db):
    run = run_invoices(db, "import", BILLING / "openrouter_logs_export_synthetic.csv", "--provider", "generic")
    assert run.exit_code == 2
    assert run.stderr.startswith("litecost: error: --provider generic needs --mapping MAP.yaml")
    with pytest.raises(UsageError):
        detect(BILLING / "openrouter_logs_export_synthetic.csv", "generic")


def test_mapping_with_a_built_in_provider_is_a_usage_error(db):
    from pathlib import Path

    import litecost.invoices

    example = Path(litecost.invoices.__file__).parent / "mapping.example.yaml"
    run = run_invoices(db, "import", BILLING / "openrouter_logs_export_synthetic.csv", "--mapping", example, "--provider", "openai")
    assert run.exit_code == 2
    assert "--mapping reads the file with the generic adapter" in run.stderr


def test_mapping_naming_a_missing_column_is_refused(db, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("provider: openrouter\ncolumns:\n  period_start: created\n  amount: cost_total\n", encoding="utf-8")
    run = run_invoices(db, "import", BILLING / "openrouter_logs_export_synthetic.csv", "--mapping", mapping)
    assert run.exit_code == 3
    assert "column 'created' (columns.period_start in map.yaml) is not in the file" in run.stderr
    assert not db.exists()


@pytest.mark.parametrize("text, message", [
    ("columns: [1, 2]", "`columns` must be a mapping"),
    ("provider: x\ncolumns: {amount: c}", "`columns.period_start` is required"),
    ("provider: x\ncolumns: {period_start: a, amount: b}\nbogus: 1", "unknown key `bogus`"),
    ("provider: x\ncolumns: {period_start: a, amount: b}\ndefaults: {category: prompt}", "`defaults.category` is 'prompt'"),
    ("provider: x\ncolumns: {period_start: a, amount: b}\nperiod: week", "`period` is 'week'"),
    ("provider: x\ncolumns: {period_start: a, amount: b}\namount_multiplier: lots", "`amount_multiplier` must be a number"),
    ("provider: [", "invalid YAML"),
])
def test_bad_mappings_are_one_line_errors(db, tmp_path, text, message):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(text, encoding="utf-8")
    run = run_invoices(db, "import", BILLING / "openrouter_logs_export_synthetic.csv", "--mapping", mapping)
    assert run.exit_code == 3
    assert message in run.stderr and run.stderr.count("\n") == 1


def test_missing_mapping_file_is_a_usage_error(db):
    run = run_invoices(db, "import", BILLING / "openrouter_logs_export_synthetic.csv", "--mapping", "nope.yaml")
    assert run.exit_code == 2
    assert "mapping file nope.yaml does not exist" in run.stderr


def test_directory_import_reads_every_billing_file(db, tmp_path):
    folder = tmp_path / "bills"
    folder.mkdir()
    for name in ("aws_cur2_bedrock_synthetic.csv", "gcp_billing_export_flat_synthetic.csv"):
        shutil.copy(BILLING / name, folder / name)
    run = run_invoices(db, "import", folder, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert [f["layout"] for f in run.json()["files"]] == ["aws_cur2", "gcp_billing_csv"]
    assert count(db, "invoice_files") == 2
