"""`litecost invoices import/list/show/models` through the CLI: exit codes, stdout, stderr."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices_support import BILLING, count, query, run_invoices

COSTS = BILLING / "openai_dashboard_costs_synthetic.csv"
DAY = 86400


def shifted(days: int, *, amount: str | None = None, project: str | None = None) -> str:
    """The OpenAI cost fixture's rows moved by whole days (optionally re-rated / another project)."""
    rows = COSTS.read_text(encoding="utf-8").splitlines()[1:]
    out = []
    for row in rows:
        for old_day in ("2025-06-03", "2025-06-02"):
            new_day = f"2025-06-{int(old_day[-2:]) + days:02d}"
            row = row.replace(f"{old_day}T", f"{new_day}T")
        row = row.replace("1748908800", str(1748908800 + days * DAY)).replace("1748822400", str(1748822400 + days * DAY))
        if amount:
            row = row.replace("1.350000000000000000000000000000", amount)
        if project:
            row = row.replace("proj_Q7mK2xL9aTzR4vB1", project)
        out.append(row)
    return "\n".join(out)


def export(tmp_path, name: str, *parts: str) -> str:  # noqa: ANN201
    header = COSTS.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / name
    path.write_text("\n".join([header, *parts]) + "\n", encoding="utf-8")
    return path


def files(db) -> dict[int, int | None]:  # noqa: ANN001
    return {r["invoice_file_id"]: r["superseded_by"] for r in query(db, "SELECT invoice_file_id, superseded_by FROM invoice_files")}


# -- import ---------------------------------------------------------------------------------


def test_import_summary_table_and_notes(db):
    run = run_invoices(db, "import", COSTS, BILLING / "gcp_billing_export_flat_synthetic.csv")
    assert run.exit_code == 0, run.stderr
    assert "openai_costs_csv" in run.stdout and "gcp_billing_csv" in run.stdout
    assert "token 6, web_search 1" in run.stdout and "credit 1, token 6" in run.stdout
    assert "2025-06-02 00:00 → 2025-06-03 00:00 UTC" in run.stdout
    assert run.stderr.splitlines() == [
        f"litecost: {COSTS}: OpenAI dashboard Cost CSV export (layout openai_costs_csv)",
        f"litecost: {BILLING / 'gcp_billing_export_flat_synthetic.csv'}: GCP Cloud Billing export (flattened CSV/Parquet)"
        " (layout gcp_billing_csv)",
    ]
    assert db.exists()


def test_import_json_document(db):
    doc = run_invoices(db, "import", COSTS, "--format", "json").json()
    assert (doc["schema_version"], doc["imported"], doc["already_imported"], doc["lines"]) == (1, 1, 0, 7)
    [entry] = doc["files"]
    assert entry["status"] == "imported" and entry["invoice_file_id"] == 1
    assert (entry["provider"], entry["layout"], entry["line_providers"]) == ("openai", "openai_costs_csv", ["openai"])
    assert (entry["rows_read"], entry["lines"], entry["lines_by_kind"]) == (7, 7, {"token": 6, "web_search": 1})
    assert entry["amount_by_kind"] == {"token": Decimal("10.225"), "web_search": Decimal("0.25")}
    assert (entry["total_amount"], entry["currency"]) == (Decimal("10.475"), "USD")
    assert (entry["period_start"], entry["period_end"]) == ("2025-06-02T00:00:00+00:00", "2025-06-03T00:00:00+00:00")
    assert entry["accounts"] == ["proj_Q7mK2xL9aTzR4vB1"]


def test_reimport_is_a_no_op(db):
    assert run_invoices(db, "import", COSTS).exit_code == 0
    again = run_invoices(db, "import", COSTS, "--format", "json")
    assert again.exit_code == 0
    [entry] = again.json()["files"]
    assert (entry["status"], entry["invoice_file_id"], entry["lines"]) == ("already imported", 1, 7)
    assert again.json()["imported"] == 0
    assert f"litecost: {COSTS}: same content as invoice file #1" in again.stderr
    assert (count(db, "invoice_files"), count(db, "invoice_lines")) == (1, 7)


def test_same_file_twice_in_one_run_is_stored_once(db):
    doc = run_invoices(db, "import", COSTS, COSTS, "--format", "json").json()
    assert [f["status"] for f in doc["files"]] == ["imported"]  # the path list is de-duplicated
    assert count(db, "invoice_lines") == 7


# -- supersede ------------------------------------------------------------------------------


def test_month_to_date_reissue_supersedes_the_older_export(db, tmp_path):
    day1 = export(tmp_path, "mtd_0602.csv", shifted(0))
    mtd = export(tmp_path, "mtd_0603.csv", shifted(0), shifted(1))
    assert run_invoices(db, "import", day1).exit_code == 0
    run = run_invoices(db, "import", mtd, "--format", "json")
    assert run.exit_code == 0
    [entry] = run.json()["files"]
    assert entry["supersedes"] == [1]
    assert f"litecost: {mtd}: supersedes invoice file #1 (same export, covered period)" in run.stderr
    assert files(db) == {1: 2, 2: None}
    current = run_invoices(db, "list", "--format", "json").json()["invoice_files"]
    assert [f["invoice_file_id"] for f in current] == [2]
    everything = run_invoices(db, "list", "--all", "--format", "json").json()["invoice_files"]
    assert [(f["invoice_file_id"], f["superseded_by"]) for f in everything] == [(1, 2), (2, None)]
    assert current[0]["total_amount"] == Decimal("20.95")


def test_an_older_view_imported_later_is_superseded_at_once(db, tmp_path):
    mtd = export(tmp_path, "mtd_0603.csv", shifted(0), shifted(1))
    older = export(tmp_path, "mtd_0602.csv", shifted(0))
    assert run_invoices(db, "import", mtd).exit_code == 0
    run = run_invoices(db, "import", older, "--format", "json")
    assert run.json()["files"][0]["superseded_by"] == 1
    assert "superseded on import by invoice file #1, which covers a longer period of the same export" in run.stderr
    assert files(db) == {1: None, 2: 1}


def test_a_repull_of_the_same_period_replaces_the_first(db, tmp_path):
    first = export(tmp_path, "pull1.csv", shifted(0))
    rerated = export(tmp_path, "pull2.csv", shifted(0, amount="1.400000000000000000000000000000"))
    run_invoices(db, "import", first)
    run_invoices(db, "import", rerated)
    assert files(db) == {1: 2, 2: None}


def test_partial_overlap_keeps_both_and_warns(db, tmp_path):
    early = export(tmp_path, "early.csv", shifted(0), shifted(1))
    late = export(tmp_path, "late.csv", shifted(1), shifted(2))
    run_invoices(db, "import", early)
    run = run_invoices(db, "import", late)
    assert run.exit_code == 0
    assert "overlaps invoice file #1 only in part: both stay in use" in run.stderr
    assert files(db) == {1: None, 2: None}


def test_part_files_of_one_run_are_one_delivery(db, tmp_path):
    rows = shifted(0).splitlines()
    part1 = export(tmp_path, "cur-00001.csv", *rows[:4])
    part2 = export(tmp_path, "cur-00002.csv", *rows[4:])
    run = run_invoices(db, "import", part1, part2)
    assert run.exit_code == 0
    assert "overlaps invoice file #1 of this run: taken as parts of one export" in run.stderr
    assert files(db) == {1: None, 2: None}
    reissue = export(tmp_path, "reissue.csv", shifted(0, amount="1.400000000000000000000000000000"))
    run_invoices(db, "import", reissue)
    assert files(db) == {1: 3, 2: 3, 3: None}


def test_exports_of_other_accounts_or_layouts_never_supersede(db, tmp_path):
    mine = export(tmp_path, "mine.csv", shifted(0))
    theirs = export(tmp_path, "theirs.csv", shifted(0, project="proj_OTHER"))
    run_invoices(db, "import", mine, BILLING / "openai_costs_api_synthetic.json")
    run = run_invoices(db, "import", theirs)
    assert "supersede" not in run.stderr and "overlaps" not in run.stderr
    assert files(db) == {1: None, 2: None, 3: None}  # the API JSON is another layout


# -- rejected input -------------------------------------------------------------------------


def test_malformed_amount_names_file_line_and_column_and_stores_nothing(db, tmp_path):
    assert run_invoices(db, "import", BILLING / "aws_cur2_bedrock_synthetic.csv").exit_code == 0
    bad = tmp_path / "bad_costs.csv"
    bad.write_text(COSTS.read_text(encoding="utf-8").replace("1.200000000000000000000000000000", '"1,20"'), encoding="utf-8")
    run = run_invoices(db, "import", bad)
    assert run.exit_code == 3
    assert run.stdout == ""
    assert run.stderr.splitlines()[-1] == (
        f"litecost: error: {bad}: line 4, column 'amount_value': '1,20' is not a decimal amount;"
        " fix or re-export the file; nothing was stored"
    )
    assert (count(db, "invoice_files"), count(db, "invoice_lines")) == (1, 6)  # the earlier import is intact


def test_malformed_date_in_azure_export(db, tmp_path):
    source = BILLING / "azure_ea_actualcost_synthetic.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",06/02/2025,", ",13/45/2025,")
    bad = tmp_path / "azure.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = run_invoices(db, "import", bad)
    assert run.exit_code == 3
    assert f"{bad}: line 3, column 'Date': '13/45/2025' is not a date (MM/DD/YYYY or YYYY-MM-DD)" in run.stderr
    assert not db.exists() or count(db, "invoice_files") == 0


def test_empty_required_amount(db, tmp_path):
    lines = (BILLING / "azure_ea_actualcost_synthetic.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",0.00015,0.96,0.00015,", ",0.00015,,0.00015,")
    bad = tmp_path / "azure.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = run_invoices(db, "import", bad)
    assert run.exit_code == 3
    assert f"{bad}: line 2, column 'Cost' is empty (expected a decimal amount)" in run.stderr


def test_malformed_amount_in_a_json_page_names_the_result(db, tmp_path):
    bad = tmp_path / "cost_report.json"
    bad.write_text((BILLING / "anthropic_cost_report_synthetic.json").read_text(encoding="utf-8").replace('"337.50"', '"337,50"'),
                   encoding="utf-8")
    run = run_invoices(db, "import", bad)
    assert run.exit_code == 3
    assert f"{bad}: data[0].results[2], column 'amount': '337,50' is not a decimal amount in cents" in run.stderr


def test_malformed_quantity_in_cur(db, tmp_path):
    bad = tmp_path / "cur.csv"
    bad.write_text((BILLING / "aws_cur2_bedrock_synthetic.csv").read_text(encoding="utf-8").replace(",84.5,", ",84.5.1,"),
                   encoding="utf-8")
    run = run_invoices(db, "import", bad)
    assert run.exit_code == 3
    assert f"{bad}: line 3, column 'line_item_usage_amount': '84.5.1' is not a number" in run.stderr


def test_ragged_csv_is_refused(db, tmp_path):
    bad = tmp_path / "costs.csv"
    bad.write_text(COSTS.read_text(encoding="utf-8") + "1748822400,1748908800,x\n", encoding="utf-8")
    run = run_invoices(db, "import", bad)
    assert run.exit_code == 3
    assert run.stderr.splitlines()[-1] == (
        f"litecost: error: {bad}: line 9: expected 17 columns, found 3; fix or re-export the file; nothing was stored"
    )


# -- list / show ----------------------------------------------------------------------------


def test_list_needs_a_database(db):
    run = run_invoices(db, "list")
    assert run.exit_code == 2
    assert "no litecost database at" in run.stderr


def test_list_table_and_csv(db):
    run_invoices(db, "import", COSTS, BILLING / "azure_mca_extra_synthetic.csv")
    table = run_invoices(db, "list")
    assert table.exit_code == 0
    assert "openai_costs_csv" in table.stdout and "azure_mca" in table.stdout and "EUR" in table.stdout
    csv_out = run_invoices(db, "list", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("invoice_file_id,provider,layout,period_start,period_end,line_providers,accounts,")
    assert len(csv_out) == 3


def test_show_lines_and_aggregates(db):
    run_invoices(db, "import", BILLING / "gcp_billing_export_flat_synthetic.csv")
    doc = run_invoices(db, "show", "1", "--format", "json").json()
    assert doc["schema_version"] == 1 and doc["invoice_file"]["layout"] == "gcp_billing_csv"
    assert len(doc["lines"]) == 7
    assert [line["kind"] for line in doc["lines"] if line["source_row"] == 7] == ["token", "credit"]
    by_kind = run_invoices(db, "show", "1", "--by", "kind", "--format", "json").json()["groups"]
    assert {g["kind"]: (g["lines"], g["amount"]) for g in by_kind} == {
        "credit": (1, Decimal("-0.15")), "token": (6, Decimal("1.38"))}
    by_model = run_invoices(db, "show", "1", "--by", "model", "--format", "json").json()["groups"]
    assert {(g["provider"], g["model"]): g["tokens"] for g in by_model} == {
        ("gemini", "gemini-2.5-flash"): Decimal(500000), ("vertex_ai", "gemini-2.0-flash"): Decimal(2400000),
        ("vertex_ai", "gemini-2.5-flash"): Decimal(4120000)}
    by_day = run_invoices(db, "show", "1", "--by", "day", "--format", "json").json()["groups"]
    assert [(g["day"], g["amount"]) for g in by_day] == [("2025-06-02T00:00:00+00:00", Decimal("1.23"))]
    table = run_invoices(db, "show", "1", "--by", "category")
    assert table.exit_code == 0 and "cache_read" in table.stdout


def test_show_unknown_id(db):
    run_invoices(db, "import", COSTS)
    run = run_invoices(db, "show", "99")
    assert run.exit_code == 2
    assert run.stderr == "litecost: error: no invoice file with id 99; see `litecost invoices list --all`\n"


def test_bad_provider_option_is_a_usage_error(db):
    run = run_invoices(db, "import", COSTS, "--provider", "oracle")
    assert run.exit_code == 2
    assert run.stderr.startswith("litecost: error: Invalid value for '--provider'")


# -- models and aliases -----------------------------------------------------------------------


def test_models_lists_billed_names_with_their_family_key(db):
    run_invoices(db, "import", BILLING / "azure_ea_actualcost_synthetic.csv")
    rows = run_invoices(db, "models", "--format", "json").json()["models"]
    assert {(r["model_raw"], r["model"]) for r in rows} == {
        ("gpt-4o-mini-0718-Inp-glbl Tokens", "gpt-4o-mini"), ("gpt 4o mini 0718 cached Inp glbl Tokens", "gpt-4o-mini"),
        ("gpt-4o-mini-0718-Outp-glbl Tokens", "gpt-4o-mini"), ("gpt 4o 1120 Inp glbl Tokens", "gpt-4o"),
        ("gpt 4o 1120 Outp glbl Tokens", "gpt-4o"), ("gpt 4o mini 0718 Inp Data Zone Tokens", "gpt-4o-mini"),
    }


def test_aliases_at_import_and_on_stored_lines(db, tmp_path):
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text('"gpt 4o 1120 *": azure/gpt4o-eu-deployment\n', encoding="utf-8")
    run = run_invoices(db, "import", BILLING / "azure_ea_actualcost_synthetic.csv", "--aliases", aliases)
    assert run.exit_code == 0, run.stderr
    models = {r["model"] for r in query(db, "SELECT model FROM invoice_lines")}
    assert models == {"gpt-4o-mini", "gpt4o-eu-deployment"}

    later = tmp_path / "later.yaml"
    later.write_text('"gpt-4o-mini-0718-*": openai/gpt-4o-mini-eu\n', encoding="utf-8")
    run = run_invoices(db, "models", "--aliases", later, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert f"litecost: {later}: 4 invoice line(s) now match a different model" in run.stderr
    assert {(r["model_raw"], r["model"]) for r in run.json()["models"]} >= {
        ("gpt-4o-mini-0718-Inp-glbl Tokens", "gpt-4o-mini-eu"), ("gpt 4o 1120 Inp glbl Tokens", "gpt-4o"),
        ("gpt 4o mini 0718 cached Inp glbl Tokens", "gpt-4o-mini")}


@pytest.mark.parametrize("text", ["[1, 2]", "a: [1]", "a: {b: c}"])
def test_bad_alias_file(db, tmp_path, text):
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text(text, encoding="utf-8")
    run = run_invoices(db, "import", COSTS, "--aliases", aliases)
    assert run.exit_code == 3
    assert "expected a mapping of invoice model name (or glob pattern) to logged model name" in run.stderr
    assert not db.exists()
