"""Reconcile scenarios end to end through the CLI, in real bill layouts (#13): freely named
Azure deployments matched through LiteLLM's evidence with one regional deployment billed
+10%, and a SpendLogs export written in UTC-5 reconciled at day grain."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from conftest import slp, write_jsonl

OCT = datetime(2026, 10, 1, tzinfo=timezone.utc)
DAYS = 31
PROMPT, COMPLETION = 200_000, 50_000
# USD per 1K tokens, LiteLLM 1.110.2's map for the base models (what litecost re-prices with).
LIST_PRICE = {("gpt-4.1-mini", "input"): Decimal("0.0004"), ("gpt-4.1-mini", "output"): Decimal("0.0016"),
              ("o3", "input"): Decimal("0.002"), ("o3", "output"): Decimal("0.008")}
# Deployment → (base_model in the proxy config, the MCA meter's stem, the route's uplift).
DEPLOYMENTS = {
    "chat-eus2": ("azure/gpt-4.1-mini", "gpt 4.1 mini 0414 {} regnl Tokens", Decimal("1.1")),
    "chat-global": ("azure/gpt-4.1-mini", "gpt 4.1 mini 0414 {} glbl Tokens", Decimal(1)),
    "reasoner-prod": ("azure/o3", "o3 0416 {} glbl Tokens", Decimal(1)),
}
MCA_HEADER = ["invoiceId", "billingAccountId", "date", "meterName", "meterCategory", "meterSubCategory", "meterRegion",
              "ProductName", "SubscriptionId", "resourceLocation", "effectivePrice", "quantity", "unitOfMeasure",
              "chargeType", "billingCurrency", "costInBillingCurrency", "costInUsd", "publisherType", "publisherName",
              "ResourceId", "pricingModel"]


def _azure_call(request_id: str, when: datetime, deployment: str, base_model: str) -> dict:
    """A callback line of a call to a freely named Azure deployment whose proxy config sets
    `model_info.base_model`: LiteLLM prices it, and records its model_map_key, as the base model."""
    record = slp(request_id, model=deployment, model_group=deployment, custom_llm_provider="azure",
                 prompt_tokens=PROMPT, completion_tokens=COMPLETION, total_tokens=PROMPT + COMPLETION,
                 startTime=when.timestamp(), endTime=when.timestamp() + 1)
    record["metadata"]["usage_object"] = {"prompt_tokens": PROMPT, "completion_tokens": COMPLETION,
                                          "total_tokens": PROMPT + COMPLETION,
                                          "prompt_tokens_details": {"cached_tokens": 0}}
    record["model_map_information"] = {"model_map_key": base_model, "model_map_value": None}
    record["response"] = {"id": request_id, "model": base_model.split("/")[-1], "choices": []}
    return record


def test_freely_named_azure_deployments_reconcile_with_a_regional_uplift(cli, tmp_path):
    records, bill = [], []
    for day in range(DAYS):
        date = OCT + timedelta(days=day)
        for deployment, (base_model, meter, uplift) in DEPLOYMENTS.items():
            for n in range(4):
                records.append(_azure_call(f"{deployment}-{day}-{n}", date + timedelta(hours=3 + 5 * n), deployment, base_model))
            family = base_model.split("/")[-1]
            for label, category, tokens in (("Inp", "input", 4 * PROMPT), ("Outp", "output", 4 * COMPLETION)):
                price = LIST_PRICE[(family, category)] * uplift
                cost = (price * tokens / 1000).quantize(Decimal("0.0000001"), ROUND_HALF_UP)
                bill.append(["INV-1", "/providers/Microsoft.Billing/billingAccounts/1", date.strftime("%Y-%m-%d"),
                             meter.format(label), "Cognitive Services", "Azure OpenAI", "East US 2", "Azure OpenAI",
                             "sub-1", "eastus2", str(price), str(tokens / 1000), "1K", "Usage", "USD", str(cost),
                             str(cost), "Azure", "Microsoft", f"/subscriptions/sub-1/accounts/{deployment}", "OnDemand"])
    write_jsonl(tmp_path / "calls.jsonl", records)
    with (tmp_path / "mca.csv").open("w", newline="") as out:
        csv.writer(out).writerows([MCA_HEADER, *bill])
    assert cli("ingest", tmp_path / "calls.jsonl").exit_code == 0
    run = cli("reconcile", tmp_path / "mca.csv", "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout, parse_float=Decimal)
    rows = {(r["model"], r["category"]): r for r in doc["rows"]}
    # Every meter matched a deployment: nothing is unmatched.
    assert {r["status"] for r in doc["rows"]} == {"matched", "price_mismatch"}
    assert set(rows) == {("gpt-4.1-mini", "input"), ("gpt-4.1-mini", "output"), ("o3", "input"), ("o3", "output")}
    assert rows[("gpt-4.1-mini", "input")]["log_model"] == "chat-eus2, chat-global"
    assert {rows[("o3", c)]["status"] for c in ("input", "output")} == {"matched"}
    # The regional deployment's +10% is a price mismatch on gpt-4.1-mini, traced to its route.
    uplift = Decimal(0)
    for category in ("input", "output"):
        row = rows[("gpt-4.1-mini", category)]
        assert row["status"] == "price_mismatch" and row["invoice_quantity"] == row["log_quantity"]
        assert "by route: regional meters billed" in row["explanation"] and "(+10.0%)" in row["explanation"]
        assert "global meters as the price book" in row["explanation"]
        uplift += row["delta_amount"]
    # 10% of the regional deployment's list cost: 31 days x 4 calls x (200,000 in + 50,000 out).
    expected = DAYS * 4 * (PROMPT * LIST_PRICE[("gpt-4.1-mini", "input")] + COMPLETION * LIST_PRICE[("gpt-4.1-mini", "output")]) / 1000 / 10
    assert abs(uplift - expected) < Decimal("0.0001"), (uplift, expected)
    # invoices models shows the evidence that matched each meter.
    models = {m["model_raw"]: m["logged_as"] for m in json.loads(cli("invoices", "models", "--format", "json").stdout)["models"]}
    assert models["gpt 4.1 mini 0414 Inp regnl Tokens"] == [
        f"chat-eus2 (model_map_key azure/gpt-4.1-mini, {DAYS * 4:,} calls)",
        f"chat-global (model_map_key azure/gpt-4.1-mini, {DAYS * 4:,} calls)",
    ]


SPENDLOGS_HEADER = ["request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
                    "startTime", "endTime", "model", "model_id", "model_group", "custom_llm_provider", "api_base", "user",
                    "metadata", "cache_hit", "cache_key", "request_tags", "team_id", "end_user", "status",
                    "litellm_call_id"]
# gpt-4o-mini's list prices, USD per token (LiteLLM 1.110.2's map): input, cached input, output.
MINI = {"input": Decimal("0.00000015"), "cached input": Decimal("0.000000075"), "output": Decimal("0.0000006")}


def test_spendlogs_written_in_utc_minus_5_are_a_time_shift_on_every_day(cli, tmp_path, db):
    """A SpendLogs export whose times are local UTC-5 written as UTC: at day grain every gap is
    `time_shift`, even on days where the calls moved in and out balance the input side; and
    re-ingesting with the --source-tz the report names makes every row match."""
    calls = []  # (true UTC start, prompt, cached, completion)
    for day in range(DAYS):
        base = OCT + timedelta(days=day)
        calls.append((base + timedelta(hours=15), 150_000, 50_000, 20_000))
        calls.append((base + timedelta(hours=23, minutes=30), 100_000, 0, 20_000))
        # Crosses midnight once logged 5 h early; alternates input and cached input.
        calls.append((base + timedelta(days=1, minutes=30), 100_000, 100_000 if day % 2 else 0, 20_000))
    export = [SPENDLOGS_HEADER]
    billed: dict[tuple[str, str], list[int]] = {}
    for n, (start, prompt, cached, completion) in enumerate(calls):
        logged = (start - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S.000")
        metadata = {"status": "success", "usage_object": {"prompt_tokens": prompt, "completion_tokens": completion,
                                                          "total_tokens": prompt + completion,
                                                          "prompt_tokens_details": {"cached_tokens": cached}}}
        export.append([f"chatcmpl-{n}", "acompletion", "ab" * 32, "0.001", prompt + completion, prompt, completion,
                       logged, logged, "gpt-4o-mini", "dep-1", "gpt-4o-mini", "openai", "https://api.openai.com/v1", "",
                       json.dumps(metadata), "False", "", "[]", "", "", "success", f"call-{n}"])
        day = start.strftime("%Y-%m-%d")
        for item, tokens in (("input", prompt - cached), ("cached input", cached), ("output", completion)):
            billed.setdefault((day, item), [0])[0] += tokens
    with (tmp_path / "spendlogs.csv").open("w", newline="") as out:
        csv.writer(out).writerows(export)
    bill = [["start_time", "end_time", "start_time_iso", "end_time_iso", "amount_value", "amount_currency", "quantity",
             "quantity_unit", "line_item", "project_id"]]
    for (day, item), (tokens,) in sorted(billed.items()):
        if not tokens:
            continue
        start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        end = start + timedelta(days=1)
        bill.append([int(start.timestamp()), int(end.timestamp()), start.isoformat(), end.isoformat(),
                     str(MINI[item] * tokens), "usd", tokens, "tokens", f"gpt-4o-mini-2024-07-18, {item}", "proj_1"])
    with (tmp_path / "costs.csv").open("w", newline="") as out:
        csv.writer(out).writerows(bill)

    assert cli("ingest", tmp_path / "spendlogs.csv").exit_code == 0
    run = cli("reconcile", tmp_path / "costs.csv", "--period", "2026-10", "--grain", "day", "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout, parse_float=Decimal)
    assert doc["summary"]["time_shifts"] == [{"provider": "openai", "model": "gpt-4o-mini", "offset_hours": 5}]
    gaps = [r for r in doc["rows"] if r["status"] != "matched"]
    # Input and cached input move on every day; their sum balances on most of them.
    assert len({r["day"] for r in gaps}) >= DAYS - 1
    assert {(r["status"], r["evidence"]) for r in gaps} == {("time_shift", "daily_offset")}
    assert all("--source-tz Etc/GMT+5" in r["explanation"] for r in gaps)
    # The month: the calls that crossed its boundary are the same shift.
    run = cli("reconcile", tmp_path / "costs.csv", "--period", "2026-10", "--format", "json")
    month = json.loads(run.stdout, parse_float=Decimal)
    boundary = [r for r in month["rows"] if r["status"] != "matched"]
    assert boundary and {(r["status"], r["evidence"]) for r in boundary} == {("time_shift", "daily_offset")}

    # Re-ingested as the report says, the month matches row by row.
    fixed = ["--db", tmp_path / "fixed.duckdb"]
    assert cli(*fixed, "ingest", tmp_path / "spendlogs.csv", "--source-tz", "Etc/GMT+5", use_db=False).exit_code == 0
    run = cli(*fixed, "reconcile", tmp_path / "costs.csv", "--period", "2026-10", "--grain", "day", "--format", "json",
              use_db=False)
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout, parse_float=Decimal)
    assert {r["status"] for r in doc["rows"]} == {"matched"} and doc["summary"]["time_shifts"] == []
