"""LiteLLM's own logging bugs, from lines real LiteLLM 1.110.2 wrote (tests/data/litellm_corpus)
with only the fingerprint fields changed.

Placeholder ids (LiteLLM #39749): a provider that returns `id: null` makes LiteLLM log the id
"None" on every such call. Each call keeps its own litellm_call_id and trace id, which identify it.
"""

from __future__ import annotations

import copy
import csv
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import DATA, write_jsonl

CORPUS = DATA / "litellm_corpus"


def _real_callback() -> dict:
    return json.loads((CORPUS / "callbacks_slp.jsonl").read_text().splitlines()[0])


def _placeholder_callbacks(placeholders: list[str]) -> list[dict]:
    """One real payload per placeholder, logged under it, each a call of its own."""
    lines = []
    for n, placeholder in enumerate(placeholders):
        line = copy.deepcopy(_real_callback())
        line["id"] = placeholder
        line["litellm_call_id"] = f"00000000-0000-4000-8000-{n:012d}"
        line["trace_id"] = f"10000000-0000-4000-8000-{n:012d}"
        line["startTime"] += n
        line["endTime"] += n
        lines.append(line)
    return lines


def _stored(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_six_calls_logged_as_none_are_six_calls_each_under_its_litellm_call_id(cli, db, tmp_path):
    lines = _placeholder_callbacks(["None"] * 6)
    run = cli("ingest", write_jsonl(tmp_path / "none.jsonl", lines), "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert (doc["rows_read"], doc["inserted"], doc["duplicates"], doc["conflicts"]) == (6, 6, 0, 0)
    assert doc["placeholder_ids"] == 6 and doc["files"][0]["placeholder_ids"] == {"None": 6}
    stored = _stored(db, "SELECT request_id, logged_cost FROM calls ORDER BY request_id")
    assert [r[0] for r in stored] == [line["litellm_call_id"] for line in lines]
    assert abs(sum(r[1] for r in stored) - 6 * Decimal(str(lines[0]["response_cost"]))) < Decimal("1e-15")
    report = cli("report", "--by", "model", "--format", "json").json()
    assert [(row["requests"], row["repriced_cost"]) for row in report["rows"]] == [(6, Decimal("0.00576"))]
    # The same file again stores nothing: the identities are stable.
    again = cli("ingest", tmp_path / "none.jsonl", "--reread", "--format", "json").json()
    assert (again["inserted"], again["duplicates"]) == (0, 6)


def test_every_placeholder_form_is_replaced_and_named_in_the_summary(cli, db, tmp_path):
    lines = _placeholder_callbacks(["None", "null", "", "None_cache_hit1793664000.25"])
    lines[3]["cache_hit"] = True
    del lines[1]["litellm_call_id"]  # no call id: the trace identifies it
    run = cli("ingest", write_jsonl(tmp_path / "forms.jsonl", lines))
    assert run.exit_code == 0, run.stderr
    ids = {r[0] for r in _stored(db, "SELECT request_id FROM calls")}
    assert ids == {lines[0]["litellm_call_id"], lines[1]["trace_id"], lines[2]["litellm_call_id"],
                   lines[3]["litellm_call_id"]}
    assert "4 call(s) were logged under LiteLLM's placeholder id" in " ".join(run.stderr.split())
    assert "LiteLLM #39749" in run.stderr


def test_a_placeholder_with_nothing_else_is_identified_by_its_content(cli, db, tmp_path):
    lines = _placeholder_callbacks(["None", "None"])
    for line in lines:
        del line["litellm_call_id"], line["trace_id"]
    assert cli("ingest", write_jsonl(tmp_path / "bare.jsonl", lines)).exit_code == 0
    ids = [r[0] for r in _stored(db, "SELECT request_id FROM calls")]
    assert len(ids) == 2 and all(i.startswith("lc-") for i in ids) and ids[0] != ids[1]


def test_a_real_id_is_kept_and_a_missing_one_with_no_other_identity_is_rejected(cli, db, tmp_path):
    real, missing = _placeholder_callbacks(["chatcmpl-real", ""])
    del missing["litellm_call_id"], missing["trace_id"]
    run = cli("ingest", write_jsonl(tmp_path / "mixed.jsonl", [real, missing]), "--format", "json")
    assert (run.json()["inserted"], run.json()["rejected"], run.json()["placeholder_ids"]) == (1, 1, 0)
    assert _stored(db, "SELECT request_id FROM calls") == [("chatcmpl-real",)]


def test_spendlogs_rows_with_request_id_none_are_each_stored(cli, db, tmp_path):
    with (CORPUS / "proxy_spendlogs.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows[:3]:
        row["request_id"] = "None"
    out = tmp_path / "spendlogs.csv"
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    run = cli("ingest", out, "--format", "json")
    doc = run.json()
    assert (doc["inserted"], doc["placeholder_ids"]) == (len(rows), 3)
    assert doc["files"][0]["placeholder_models"] == sorted({r["model"] for r in rows[:3]}) == ["openai/gpt-4.1-mini"]
    warning = " ".join(run.stderr.split())
    assert "keeps only the first SpendLogs row under such an id" in warning and "LiteLLM #39749" in warning
    assert doc["files"][0]["placeholder_models"][0] in warning
    stored = {r[0] for r in _stored(db, "SELECT request_id FROM calls")}
    assert {row["litellm_call_id"] for row in rows[:3]} <= stored and "None" not in stored


@pytest.mark.parametrize("typed", [True, False])
def test_both_readers_give_a_placeholder_call_the_same_identity(cli, db, tmp_path, typed):
    lines = _placeholder_callbacks(["None"])
    path = write_jsonl(tmp_path / "one.jsonl", lines if typed else [*lines, {"not": "a call"}])
    assert cli("ingest", path).exit_code == 0
    assert _stored(db, "SELECT request_id FROM calls") == [(lines[0]["litellm_call_id"],)]


# Reason codes for LiteLLM's cost bugs, on the same real gpt-4.1-mini line (1,200 prompt and
# 300 completion tokens; $0.4/M input, $0.1/M cache read, $1.6/M output: LiteLLM logged $0.00096).
def _fingerprinted(request_id: str, cost: float, *, cache_read: int = 0, cached_tokens: int = 0,
                   map_input_rate: float | None = None) -> dict:
    line = copy.deepcopy(_real_callback())
    line["id"] = line["response"]["id"] = request_id
    line["litellm_call_id"] = "call-" + request_id
    line["response_cost"] = cost  # and LiteLLM's breakdown of it, which adds up to it
    output_cost = 0.00048 if cost else 0.0
    line["cost_breakdown"].update(total_cost=cost, original_cost=cost, input_cost=cost - output_cost, output_cost=output_cost)
    usage = line["metadata"]["usage_object"]
    usage["prompt_tokens_details"]["cached_tokens"] = cached_tokens
    if cache_read:
        usage["cache_read_input_tokens"] = cache_read
    if map_input_rate is not None:
        line["model_map_information"]["model_map_value"]["input_cost_per_token"] = map_input_rate
    return line


def test_each_litellm_cost_bug_gets_its_code_and_issue_and_controls_get_none(cli, tmp_path):
    lines = [
        # #11789: 600 reads in cache_read_input_tokens, cached_tokens 0, billed as input.
        _fingerprinted("cache-as-input", 0.00096, cache_read=600),
        _fingerprinted("control-cache", 0.00078, cache_read=600, cached_tokens=600),  # billed right
        _fingerprinted("zero", 0.0),  # #21023
        _fingerprinted("other-map", 0.00108, map_input_rate=5e-07),  # #36094: LiteLLM used $0.5/M
        _fingerprinted("control", 0.00096),
    ]
    assert cli("ingest", write_jsonl(tmp_path / "bugs.jsonl", lines)).exit_code == 0
    doc = cli("pricing", "diff", "--format", "json").json()
    listed = {c["request_id"]: (c["reason_code"], c["litellm_issue"], c["likely_reason"])
              for c in doc["largest_differences"]}
    assert listed == {
        "cache-as-input": ("litellm_cache_read_billed_as_input", 11789,
                           "LiteLLM billed 600 cache-read tokens at the full input rate (LiteLLM #11364, #11789)"),
        "zero": ("litellm_logged_zero_cost", 21023, "zero logged cost (LiteLLM #21023, #35691)"),
        "other-map": ("litellm_price_map_differs", 36094,
                      "price changed: LiteLLM used input $0.5/M tokens, price book has $0.4/M tokens (LiteLLM #36094)"),
    }
    deltas = {c["request_id"]: c["delta"] for c in doc["largest_differences"]}
    assert deltas == {"cache-as-input": Decimal("-0.00018"), "zero": Decimal("0.00096"), "other-map": Decimal("-0.00012")}
    assert {r["reason_code"]: (r["calls"], r["litellm_issue"]) for r in doc["reasons"]} == {
        "litellm_cache_read_billed_as_input": (1, 11789), "litellm_logged_zero_cost": (1, 21023),
        "litellm_price_map_differs": (1, 36094)}


def test_the_readme_section_lists_each_detected_bug_with_its_code_and_issue():
    """README's "LiteLLM bugs litecost detects" table and the reasons stay in step; each row's
    fingerprint is covered by a test above."""
    from litecost.litellm_bugs import SPENDLOGS_DROPPED_CALLS, SPENDLOGS_DROPPED_ISSUE
    from litecost.pricing.diff import REASONS

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## LiteLLM bugs litecost detects", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| [#")]
    documented = {}
    for row in rows:
        first_issue = int(row.split("[#", 1)[1].split("]", 1)[0])
        documented[row.rstrip(" |").rsplit("| ", 1)[1].strip("` ")] = first_issue
    coded = {reason.code: reason.litellm_issue for reason in REASONS if reason.litellm_issue}
    assert documented == {**coded, SPENDLOGS_DROPPED_CALLS: SPENDLOGS_DROPPED_ISSUE}
    assert all(code.startswith("litellm_") for code in coded)


def test_a_price_litellm_logged_that_is_not_a_number_is_quoted_as_logged(cli, tmp_path):
    line = _fingerprinted("odd-map", 0.00108, map_input_rate="five")
    assert cli("ingest", write_jsonl(tmp_path / "odd.jsonl", [line])).exit_code == 0
    [listed] = cli("pricing", "diff", "--format", "json").json()["largest_differences"]
    assert (listed["reason_code"], listed["likely_reason"]) == (
        "litellm_price_map_differs", "price changed: LiteLLM used input five, price book has $0.4/M tokens (LiteLLM #36094)")


# -- reconcile names the same evidence ---------------------------------------------------------

_OPENAI_COSTS_HEADER = ("start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,"
                        "quantity_unit,line_item,user_id,api_key_id,project_id,organization_id,project_name,"
                        "organization_name,user_email,api_source")
_NOV_2 = 1793577600  # 2026-11-02T00:00:00Z, the day of the corpus calls
_LINE_ITEMS = {"input": "input", "cache_read": "cached input", "output": "output"}


def _openai_costs_csv(path: Path, billed: dict[str, tuple[int, str]]) -> Path:
    """An OpenAI dashboard cost export of 2026-11-02 billing gpt-4.1-mini {category: (tokens, USD)}."""
    lines = [_OPENAI_COSTS_HEADER]
    for category, (tokens, usd) in billed.items():
        lines.append(f"{_NOV_2},{_NOV_2 + 86400},2026-11-02T00:00:00+00:00,2026-11-03T00:00:00+00:00,{usd},usd,"
                     f"{tokens},tokens,\"gpt-4.1-mini-2025-04-14, {_LINE_ITEMS[category]}\",,,proj_1,org-1,,,,")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_reconcile_names_each_litellm_cost_bug_on_its_rows_with_the_amount(cli, tmp_path):
    lines = [
        _fingerprinted("zero", 0.0),  # #21023: LiteLLM missed 0.00048 input + 0.00048 output
        _fingerprinted("cache-as-input", 0.00096, cache_read=600),  # #11789: 0.00018 too much, on cache reads
        _fingerprinted("control", 0.00096),
    ]
    assert cli("ingest", write_jsonl(tmp_path / "bugs.jsonl", lines)).exit_code == 0
    # The provider bills what the price book says: 3,000 input, 600 cache-read, 900 output tokens.
    bill = _openai_costs_csv(tmp_path / "costs.csv", {"input": (3000, "0.0012"), "cache_read": (600, "0.00006"),
                                                       "output": (900, "0.00144")})
    run = cli("reconcile", bill, "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    rows = {r["category"]: r for r in doc["rows"]}
    assert {r["status"] for r in rows.values()} == {"matched"}
    assert rows["input"]["litellm_bugs"] == [
        {"reason_code": "litellm_logged_zero_cost", "litellm_issue": 21023, "calls": 1, "amount": Decimal("0.00048")}]
    assert rows["output"]["litellm_bugs"] == rows["input"]["litellm_bugs"]
    assert rows["cache_read"]["litellm_bugs"] == [
        {"reason_code": "litellm_cache_read_billed_as_input", "litellm_issue": 11789, "calls": 1,
         "amount": Decimal("-0.00018")}]
    assert ("litellm_cache_read_billed_as_input (LiteLLM #11789) on 1 call(s): LiteLLM logged 0.000180 USD over"
            " the re-priced cost") in rows["cache_read"]["explanation"]
    assert "litellm_logged_zero_cost (LiteLLM #21023) on 1 call(s)" in rows["input"]["explanation"]
    # The summary counts each call once, with the whole of its gap.
    assert [(b["reason_code"], b["calls"], b["amount"]) for b in doc["summary"]["litellm_bugs"]] == [
        ("litellm_logged_zero_cost", 1, Decimal("0.00096")), ("litellm_cache_read_billed_as_input", 1, Decimal("-0.00018"))]
    # The bill − LiteLLM's spend gap is what the bugs account for.
    gap = doc["summary"]["invoice_total"] - doc["summary"]["logged_total"]
    assert abs(gap - sum(b["amount"] for b in doc["summary"]["litellm_bugs"])) < Decimal("1e-12")
    # On a terminal the matched rows carrying a bug are explained too.
    table = " ".join(cli("reconcile", bill, "--format", "table").stdout.split())
    assert "litellm_logged_zero_cost (LiteLLM #21023)" in table
    assert "LiteLLM bug litellm_cache_read_billed_as_input (LiteLLM #11789), 1 call(s)" in table


def test_reconcile_names_the_spendlogs_placeholder_bug_on_a_missing_logs_row(cli, db, tmp_path):
    """LiteLLM kept the first of two id-less gpt-4.1-mini calls in SpendLogs and dropped the other:
    the bill has both, the export one, stored under its litellm_call_id."""
    from litecost.pricing.book import PriceBook
    from litecost.pricing.repricing import install_priced_calls

    with (CORPUS / "proxy_spendlogs.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))[:4]  # four gpt-4.1-mini calls; the first and last had no id
    assert {r["model"] for r in rows} == {"openai/gpt-4.1-mini"}

    def write(path: Path, spendlogs: list[dict]) -> Path:
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(spendlogs)
        return path

    everything = tmp_path / "all.duckdb"
    assert cli("--db", everything, "ingest", write(tmp_path / "all.csv", rows), use_db=False).exit_code == 0
    with duckdb.connect(str(everything)) as con:
        install_priced_calls(con, PriceBook.load())
        sums = con.execute("SELECT sum(input_tokens), sum(cost_input), sum(cache_read_tokens), sum(cost_cache_read),"
                           " sum(output_tokens), sum(cost_output) FROM priced_calls").fetchone()
    bill = _openai_costs_csv(tmp_path / "costs.csv", {"input": sums[0:2], "cache_read": sums[2:4], "output": sums[4:6]})

    rows[0]["request_id"] = "None"
    assert cli("ingest", write(tmp_path / "export.csv", rows[:3])).exit_code == 0
    doc = cli("reconcile", bill, "--format", "json").json()
    by_category = {r["category"]: r for r in doc["rows"]}
    assert {c: r["status"] for c, r in by_category.items()} == {
        "input": "missing_logs", "output": "missing_logs", "cache_read": "matched"}
    for category in ("input", "output"):
        row = by_category[category]
        assert row["litellm_bugs"] == [{"reason_code": "litellm_spendlogs_dropped_calls", "litellm_issue": 39749,
                                        "calls": 1, "amount": Decimal("0.00048")}]
        assert "litellm_spendlogs_dropped_calls (LiteLLM #39749): 1 call(s) of this model" in row["explanation"]
    assert by_category["cache_read"]["litellm_bugs"] == []
    [summary] = doc["summary"]["litellm_bugs"]
    assert (summary["reason_code"], summary["calls"], summary["amount"]) == ("litellm_spendlogs_dropped_calls", 1,
                                                                            Decimal("0.00096"))
