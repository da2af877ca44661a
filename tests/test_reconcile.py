"""Reconciliation logic: each discrepancy class comes from exactly its own injected fault."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from decimal import Decimal

import pytest

from conftest import slp, write_jsonl
from litecost.invoices.models import normalize_invoice_model
from litecost.pricing.book import PriceBook
from litecost.pricing.repricing import install_priced_calls
from litecost.reconcile import ReconcileSpec, reconcile
from litecost.store import Store

OCT = datetime(2026, 10, 1, tzinfo=timezone.utc)
DAYS = 3


def call(request_id, when, model="gpt-4o-mini", provider="openai", prompt=1500, cached=500, completion=200):
    record = slp(request_id, model=model, model_group=model, custom_llm_provider=provider, prompt_tokens=prompt,
                 completion_tokens=completion, total_tokens=prompt + completion, startTime=when.timestamp())
    record["response"]["model"] = model
    record["metadata"]["usage_object"] = {"prompt_tokens": prompt, "completion_tokens": completion,
                                          "prompt_tokens_details": {"cached_tokens": cached}}
    return record


@pytest.fixture
def store(cli, db, tmp_path):
    records = []
    for day in range(DAYS):
        for n, hour in enumerate((9, 15)):
            records.append(call(f"c{day}-{n}", OCT + timedelta(days=day, hours=hour)))
    write_jsonl(tmp_path / "calls.jsonl", records)
    assert cli("ingest", tmp_path / "calls.jsonl").exit_code == 0
    with Store.open(db) as s:
        install_priced_calls(s.con, PriceBook.load())
        yield s


def mirror_lines(store, model="gpt-4o-mini-2024-07-18", shift_hours=0):
    """Invoice lines that bill exactly what was logged, per UTC day and category."""
    lines = []
    rows = store.con.execute(
        "SELECT date_trunc('day', start_time + to_hours(CAST($h AS BIGINT))) AS day, sum(input_tokens), sum(cost_input),"
        " sum(cache_read_tokens), sum(cost_cache_read), sum(output_tokens), sum(cost_output)"
        " FROM priced_calls WHERE NOT cache_hit AND model = 'gpt-4o-mini' GROUP BY 1 ORDER BY 1",
        {"h": shift_hours}).fetchall()
    for day, i_q, i_c, r_q, r_c, o_q, o_c in rows:
        for category, quantity, amount in (("input", i_q, i_c), ("cache_read", r_q, r_c), ("output", o_q, o_c)):
            lines.append({"day": day, "model": model, "category": category, "quantity": Decimal(quantity), "amount": amount})
    return lines


def load_invoice(store, lines, provider="openai"):
    con = store.con
    file_id = con.execute("SELECT nextval('invoice_file_id_seq')").fetchone()[0]
    total = sum(line["amount"] for line in lines)
    con.execute("INSERT INTO invoice_files VALUES (?, 'test.csv', 'x', ?, 'test', NULL, NULL, [], ?, ?, ?, 'USD', now(), NULL, 'test')",
                [file_id, provider, len(lines), len(lines), total])
    for index, line in enumerate(lines, start=1):
        day = line["day"]
        con.execute(
            "INSERT INTO invoice_lines VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, 'standard', NULL, NULL, ?, 'tokens', ?, 'USD', ?)",
            [file_id, index, day, day + timedelta(days=1), line.get("provider", provider), line.get("kind", "token"),
             line["model"], line.get("key") or normalize_invoice_model(provider, line["model"]), line.get("category"), line.get("quantity"), line["amount"], line.get("description")],
        )
    return file_id


def run(store, lines, **kwargs):
    file_id = load_invoice(store, lines)
    result = reconcile(store.con, ReconcileSpec((file_id,), **kwargs), PriceBook.load())
    return result, {(r["model"], r["category"], r["day"]): r for r in result.rows}


def statuses(result):
    return {r["status"] for r in result.rows}


def test_a_faithful_invoice_matches_everywhere(store):
    result, _ = run(store, mirror_lines(store))
    assert statuses(result) == {"matched"}
    assert result.summary["gap"] == 0 and result.summary["coverage_pct"] == 100
    assert result.window == (OCT, OCT + timedelta(days=DAYS))


def test_missing_logs(store):
    lines = mirror_lines(store)
    lines[3]["quantity"] += 1_000_000  # day 2 input: billed a million tokens nobody logged
    lines[3]["amount"] += Decimal("0.15")
    result, rows = run(store, lines, grain="day")
    bad = [r for r in result.rows if r["status"] != "matched"]
    assert [(r["status"], r["category"], r["day"]) for r in bad] == [("missing_logs", "input", "2026-10-02")]
    assert bad[0]["delta_amount"] == Decimal("0.15")
    assert "billed 1,000,000 input tokens more than were logged" in bad[0]["explanation"]
    assert result.summary["unexplained_gap"] == Decimal("0.15")


def test_extra_logs(store):
    lines = mirror_lines(store)
    lines[2]["quantity"] -= 300  # day 1 output: fewer tokens billed than logged
    lines[2]["amount"] -= Decimal("0.00018")
    result, _ = run(store, lines, grain="day", tolerance_usd=Decimal("0.0001"))
    assert [(r["status"], r["category"]) for r in result.rows if r["status"] != "matched"] == [("extra_logs", "output")]


def test_price_mismatch_shows_the_implied_unit_price(store):
    lines = mirror_lines(store)
    for line in lines:
        if line["category"] == "output":
            line["amount"] *= Decimal("1.2")
    result, rows = run(store, lines, tolerance_usd=Decimal("0.00001"))
    row = rows[("gpt-4o-mini", "output", None)]
    assert row["status"] == "price_mismatch"
    assert "billed 0.7200 USD/1M vs price book 0.6000 USD/1M (+20.0%)" in row["explanation"]
    assert statuses(result) == {"matched", "price_mismatch"}
    assert result.summary["explained_gap"] == result.summary["gap"] > 0


def test_category_shift(store):
    lines = mirror_lines(store)
    for line in lines:
        if line["category"] == "cache_read":
            moved = line["quantity"]
            line["quantity"] = Decimal(0)
            line["amount"] = Decimal(0)
            for other in lines:
                if other["day"] == line["day"] and other["category"] == "input":
                    other["quantity"] += moved
                    other["amount"] += moved * Decimal("1.5e-7")
    result, rows = run(store, lines)
    assert rows[("gpt-4o-mini", "input", None)]["status"] == "category_shift"
    assert rows[("gpt-4o-mini", "cache_read", None)]["status"] == "category_shift"
    assert statuses(result) == {"matched", "category_shift"}


def test_time_shift_finds_the_offset(cli, db, tmp_path):
    records = []
    for day in range(DAYS):
        for n, hour in enumerate((1, 8, 22, 23)):
            records.append(call(f"t{day}-{n}", OCT + timedelta(days=day, hours=hour, minutes=30)))
    write_jsonl(tmp_path / "calls.jsonl", records)
    assert cli("ingest", tmp_path / "calls.jsonl").exit_code == 0
    with Store.open(db) as s:
        install_priced_calls(s.con, PriceBook.load())
        # The provider's days run two hours later than the logged times (logs in UTC-2).
        lines = mirror_lines(s, shift_hours=2)
        result, rows = run(s, lines, grain="day")
        assert result.offsets == {("openai", "gpt-4o-mini"): 2}
        shifted = [r for r in result.rows if r["status"] != "matched"]
        assert shifted and {r["status"] for r in shifted} == {"time_shift"}
        assert "shifted by +2 h" in shifted[0]["explanation"]


def test_non_token_charge_is_kept_and_explained(store):
    lines = mirror_lines(store) + [{"day": OCT, "model": None, "kind": "tax", "amount": Decimal("1.23"), "description": "VAT"}]
    result, _ = run(store, lines)
    taxed = [r for r in result.rows if r["status"] == "non_token_charge"]
    assert len(taxed) == 1 and taxed[0]["invoice_amount"] == Decimal("1.23")
    assert result.summary["explained_gap"] == Decimal("1.23") and result.summary["unexplained_gap"] == 0


def test_unmatched_models_on_both_sides(cli, db, tmp_path, store):
    write_jsonl(tmp_path / "more.jsonl", [call("o3", OCT + timedelta(hours=5), model="o3-mini")])
    assert cli("ingest", tmp_path / "more.jsonl").exit_code == 0
    install_priced_calls(store.con, PriceBook.load())
    lines = mirror_lines(store)
    lines.append({"day": OCT, "model": "gpt-4.1-2025-04-14", "category": "input", "quantity": Decimal(1000), "amount": Decimal("0.002")})
    result, rows = run(store, lines)
    assert rows[("gpt-4.1", "input", None)]["status"] == "unmatched_invoice_line"
    assert {r["status"] for r in result.rows if r["model"] == "o3-mini"} == {"unmatched_log_model"}
    assert {r["status"] for r in result.rows if r["model"] == "gpt-4o-mini"} == {"matched"}


def test_cache_hits_are_not_expected_on_the_invoice(cli, db, tmp_path, store):
    hit = call("hit", OCT + timedelta(hours=10))
    hit["cache_hit"] = True
    write_jsonl(tmp_path / "hit.jsonl", [hit])
    assert cli("ingest", tmp_path / "hit.jsonl").exit_code == 0
    install_priced_calls(store.con, PriceBook.load())
    # The provider never saw the hit: the invoice bills only the other calls ...
    result, _ = run(store, mirror_lines(store))
    # ... and reconcile does not expect the hit's tokens on it.
    assert statuses(result) == {"matched"}


def test_usage_report_tokens_are_not_added_to_a_cost_export_that_has_them(cli, tmp_path):
    billing = Path(__file__).parent / "data" / "billing"
    # One logged call of another model that day: reconcile refuses a window without logs.
    other = write_jsonl(tmp_path / "other.jsonl", [slp("other-model", model="o3-mini", model_group="o3-mini",
                                                       startTime=1748865600.0, endTime=1748865601.0,
                                                       response={"id": "other-model", "model": "o3-mini", "choices": []})])
    assert cli("ingest", other).exit_code == 0
    run = cli("reconcile", billing / "openai_dashboard_costs_synthetic.csv",
              billing / "openai_dashboard_completions_usage_synthetic.csv", "--format", "json")
    assert run.exit_code == 0, run.stderr
    rows = {(r["model"], r["category"]): r for r in run.json()["rows"]}
    # The cost CSV bills 9.5M uncached input tokens of gpt-4o-mini; the usage CSV counts the
    # same traffic again and must not double it.
    assert rows[("gpt-4o-mini", "input")]["invoice_quantity"] == 9_500_000
    assert rows[("gpt-4o-mini", "input")]["status"] == "unmatched_invoice_line"  # no logs that day


def test_non_usd_invoices_need_an_explicit_rate(cli, store):
    lines = mirror_lines(store)
    for line in lines:
        line["amount"] = line["amount"] / Decimal("1.25")  # billed in EUR at 1.25 USD per EUR
    file_id = load_invoice(store, lines)
    store.con.execute("UPDATE invoice_lines SET currency = 'EUR' WHERE invoice_file_id = ?", [file_id])
    store.close()
    refused = cli("reconcile", file_id, "--format", "json")
    assert refused.exit_code == 3
    assert "invoice lines are in EUR, but litecost compares in USD; pass --rate EUR=RATE" in refused.stderr
    converted = cli("reconcile", file_id, "--rate", "EUR=1.25", "--format", "json")
    assert converted.exit_code == 0, converted.stderr
    assert {r["status"] for r in converted.json()["rows"]} == {"matched"}


def _local_time_logs(cli, tmp_path, days):
    """Logs written in UTC-5: each day one steady call, one that stays on its day after the
    +5 h shift (18:30) and one that crosses midnight (19:30) whose split alternates between
    input and cache_read — so on a day the calls moved in and out leave the input-side total
    unchanged, a coincidence that looks like a category shift."""
    records = []
    for day in range(days):
        base = OCT + timedelta(days=day)
        records.append(call(f"steady-{day}", base + timedelta(hours=10)))
        records.append(call(f"stays-{day}", base + timedelta(hours=18, minutes=30), prompt=1000, cached=0))
        records.append(call(f"crosses-{day}", base + timedelta(hours=19, minutes=30), prompt=1000,
                            cached=1000 if day % 2 else 0))
    write_jsonl(tmp_path / "local.jsonl", records)
    assert cli("ingest", tmp_path / "local.jsonl").exit_code == 0


def test_a_detected_offset_wins_over_a_coincidental_category_shift_at_day_grain(cli, db, tmp_path):
    _local_time_logs(cli, tmp_path, days=5)
    with Store.open(db) as s:
        install_priced_calls(s.con, PriceBook.load())
        result, rows = run(s, mirror_lines(s, shift_hours=5), grain="day")
    assert result.offsets == {("openai", "gpt-4o-mini"): 5}
    gaps = [r for r in result.rows if r["status"] != "matched"]
    # Every middle day moves 1,000 input-side tokens in and 1,000 out, in opposite categories.
    assert {(r["category"], r["day"]) for r in gaps} >= {("input", "2026-10-03"), ("cache_read", "2026-10-03")}
    assert {r["status"] for r in gaps} == {"time_shift"}
    assert {r["evidence"] for r in gaps} == {"daily_offset"}
    assert all("Etc/GMT+5" in r["explanation"] for r in gaps)
    assert {r["evidence"] for r in result.rows if r["status"] == "matched"} == {"quantities_and_amounts"}


def test_a_detected_offset_explains_the_period_boundary(cli, db, tmp_path):
    from litecost.periods import Period

    _local_time_logs(cli, tmp_path, days=5)
    with Store.open(db) as s:
        install_priced_calls(s.con, PriceBook.load())
        window = Period(OCT + timedelta(days=1), OCT + timedelta(days=4), "2026-10-02..2026-10-04", "UTC")
        lines = [line for line in mirror_lines(s, shift_hours=5) if window.start <= line["day"] < window.end]
        result, rows = run(s, lines, period=window)
    assert result.offsets == {("openai", "gpt-4o-mini"): 5}
    # Billed: the 19:30 call of 2026-10-01 (input) came in, the one of 2026-10-04 (cache_read) went out.
    boundary = {r["category"]: r for r in result.rows if r["status"] != "matched"}
    assert set(boundary) == {"input", "cache_read"}
    assert boundary["input"]["invoice_quantity"] - boundary["input"]["log_quantity"] == 1000
    assert {(r["status"], r["evidence"]) for r in boundary.values()} == {("time_shift", "daily_offset")}


def test_missing_logs_beside_an_offset_are_still_missing_logs(cli, db, tmp_path):
    _local_time_logs(cli, tmp_path, days=5)
    with Store.open(db) as s:
        install_priced_calls(s.con, PriceBook.load())
        lines = mirror_lines(s, shift_hours=5)
        output = next(line for line in lines if line["category"] == "output" and line["day"].day == 3)
        output["quantity"] += 50_000  # billed output nobody logged, beside the shift
        output["amount"] += Decimal("0.03")
        result, rows = run(s, lines, grain="day")
    row = rows[("gpt-4o-mini", "output", "2026-10-03")]
    assert (row["status"], row["evidence"]) == ("missing_logs", "token_count")
    assert "after shifting log times by +5 h (the model's detected offset), 50,000 output tokens billed are still not logged" in row["explanation"]


def _deployment_call(request_id, when, deployment, *, model_map_key=None, model_group=None, response_model=None):
    """An Azure call logged under a freely named deployment, with what LiteLLM recorded of it."""
    record = call(request_id, when, model=deployment, provider="azure")
    record["model_group"] = model_group
    record["response"]["model"] = response_model
    if model_map_key:
        record["model_map_information"] = {"model_map_key": model_map_key, "model_map_value": None}
    return record


def _bill_each_deployment(cli, db, tmp_path, records, meters, **spec):
    """Ingest the calls, bill each deployment on its meter (`meters`: deployment → (meter
    stem, price factor over the book)), and reconcile with the real model keys."""
    write_jsonl(tmp_path / "azure.jsonl", records)
    assert cli("ingest", tmp_path / "azure.jsonl").exit_code == 0
    with Store.open(db) as s:
        install_priced_calls(s.con, PriceBook.load())
        lines = []
        for model, day, i_q, i_c, r_q, r_c, o_q, o_c in s.con.execute(
            "SELECT model, date_trunc('day', start_time), sum(input_tokens), coalesce(sum(cost_input), 0),"
            " sum(cache_read_tokens), coalesce(sum(cost_cache_read), 0),"
            " sum(output_tokens), coalesce(sum(cost_output), 0) FROM priced_calls GROUP BY ALL ORDER BY ALL"
        ).fetchall():
            meter, factor = meters[model]
            key = normalize_invoice_model("azure", meter.format("inp"))  # as an import stores it
            for category, label, quantity, amount in (("input", "inp", i_q, i_c), ("cache_read", "cached inp", r_q, r_c),
                                                      ("output", "outp", o_q, o_c)):
                lines.append({"day": day, "model": meter.format(label), "key": key, "category": category,
                              "quantity": Decimal(quantity), "amount": amount * factor})
        file_id = load_invoice(s, lines, provider="azure")
        return reconcile(s.con, ReconcileSpec((file_id,), **spec), PriceBook.load())


def test_freely_named_deployments_match_their_bill_through_litellm_evidence(cli, db, tmp_path):
    deployments = {
        # deployment: (what LiteLLM recorded, the meter the bill names)
        "chat-eus2": ({"model_map_key": "azure/gpt-4.1-mini", "model_group": "chat-eus2",
                       "response_model": "gpt-4.1-mini-2025-04-14"}, "gpt 4.1 mini 0414 {} regnl Tokens"),
        "reasoner-prod": ({"model_group": "reasoner-prod", "response_model": "o3-2025-04-16"}, "o3 0416 {} glbl Tokens"),
        "legacy-4o": ({"model_group": "gpt-4o"}, "gpt-4o-0806-{}-glbl Tokens"),
    }
    records = [
        _deployment_call(f"{name}-{day}", OCT + timedelta(days=day, hours=12), name, **evidence)
        for name, (evidence, _meter) in deployments.items() for day in range(DAYS)
    ]
    result = _bill_each_deployment(cli, db, tmp_path, records, {name: (meter, 1) for name, (_e, meter) in deployments.items()})
    by_model = {r["model"]: r for r in result.rows}
    assert set(by_model) == {"gpt-4.1-mini", "o3", "gpt-4o"}
    assert {r["log_model"] for r in result.rows} == set(deployments)
    assert statuses(result) == {"matched"} and result.summary["coverage_pct"] == 100
    # `invoices models` says which logged deployments each billed meter matched, and by what.
    models = cli("invoices", "models", "--format", "json").json()["models"]
    logged_as = {m["model_raw"]: m["logged_as"] for m in models}
    assert logged_as["gpt 4.1 mini 0414 inp regnl Tokens"] == [f"chat-eus2 (model_map_key azure/gpt-4.1-mini, {DAYS} calls)"]
    assert logged_as["o3 0416 outp glbl Tokens"] == [f"reasoner-prod (response_model o3-2025-04-16, {DAYS} calls)"]
    assert logged_as["gpt-4o-0806-cached inp-glbl Tokens"] == [f"legacy-4o (model_group gpt-4o, {DAYS} calls)"]


def test_a_regional_uplift_is_a_price_mismatch_that_names_the_route(cli, db, tmp_path):
    # Two deployments of one model: the global one billed at list price, the regional one +10%.
    meters = {"chat-global": ("gpt 4.1 mini 0414 {} glbl Tokens", Decimal(1)),
              "chat-eus2": ("gpt 4.1 mini 0414 {} regnl Tokens", Decimal("1.1"))}
    records = [
        _deployment_call(f"{name}-{day}", OCT + timedelta(days=day, hours=12), name, model_map_key="azure/gpt-4.1-mini")
        for name in meters for day in range(DAYS)
    ]
    result = _bill_each_deployment(cli, db, tmp_path, records, meters, tolerance_usd=Decimal("0.000001"))
    rows = {r["category"]: r for r in result.rows}
    assert {r["status"] for r in rows.values()} == {"price_mismatch"}
    assert "regional meters billed" in rows["output"]["explanation"] and "(+10.0%)" in rows["output"]["explanation"]
    assert "global meters as the price book" in rows["output"]["explanation"]


def test_a_bill_model_aliased_on_the_stored_lines_is_matched_under_its_alias(store):
    """`invoices models --aliases` rewrites `invoice_lines.model`; reconcile matches by that
    column (it used to recompute the key from the raw name and ignore the alias), and an
    alias given to reconcile itself wins over the stored key without changing it."""
    from litecost.invoices.models import ModelAliases
    from litecost.invoices.queries import apply_model_aliases

    file_id = load_invoice(store, mirror_lines(store, model="Contoso Meter 7"))

    def reconciled(aliases=None):
        result = reconcile(store.con, ReconcileSpec((file_id,)), PriceBook.load(), aliases)
        return {(r["model"], r["status"]) for r in result.rows}

    assert reconciled() == {("contoso-meter-7", "unmatched_invoice_line"), ("gpt-4o-mini", "unmatched_log_model")}
    assert apply_model_aliases(store, ModelAliases.from_mapping({"contoso meter *": "gpt-4o-mini"})) == 3 * DAYS
    assert reconciled() == {("gpt-4o-mini", "matched")}

    elsewhere = ModelAliases.from_mapping({"contoso meter 7": "gpt-4.1"})
    assert reconciled(elsewhere) == {("gpt-4.1", "unmatched_invoice_line"), ("gpt-4o-mini", "unmatched_log_model")}
    assert {m for (m,) in store.con.execute("SELECT DISTINCT model FROM invoice_lines").fetchall()} == {"gpt-4o-mini"}


def test_a_bill_file_no_layout_reads_is_refused_before_the_database_is_created(cli, tmp_path):
    """The invoices are detected before the store opens: nothing is created for a bad file."""
    bad = tmp_path / "bill.csv"
    bad.write_text("when,what\n2026-10-01,lunch\n", encoding="utf-8")
    db = tmp_path / "fresh.duckdb"
    run = cli("--db", db, "reconcile", bad)
    assert run.exit_code == 3, run.stderr
    assert not db.exists()
