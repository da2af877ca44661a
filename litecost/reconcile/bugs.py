"""LiteLLM's own bugs named on the rows their calls fall in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from litecost.pricing.book import PriceBook
from litecost.providers import billing_provider
from litecost.reconcile.frame import CATEGORY_COSTS
from litecost.reconcile.numbers import ZERO, usd
from litecost.reconcile.result import ReconcileSpec
from litecost.reconcile.time_shift import day_of


def name_litellm_bugs(rows, con, book: PriceBook, start: datetime, end: datetime, providers: list[str],  # noqa: ANN001
                       model_key: Callable[[str, str | None], str], spec: ReconcileSpec) -> dict[str, int]:
    """Give each row the LiteLLM bugs its logged calls show (`litellm_bugs`: code, issue, calls,
    USD) and name them in its explanation; return the calls each bug touched (a call counts
    once, though its gap may fall on several category rows).

    A mis-costed call's amount is its re-priced − logged cost: the part of the gap between the
    bill and LiteLLM's spend that the bug accounts for (re-pricing has already corrected it, so
    it is no part of the row's `delta_amount`). Calls stored from SpendLogs rows under a
    placeholder id mark calls LiteLLM dropped from SpendLogs: a missing-logs row of that model
    names the bug with its gap."""
    from litecost.litellm_bugs import SPENDLOGS_DROPPED_CALLS, litellm_issue, miscosted_calls, spendlogs_placeholder_calls
    from litecost.pricing.repricing import install_priced_calls

    def row_key(provider: str, model: str) -> tuple[str, str] | None:
        family = billing_provider(provider)
        return (family, model_key(provider, model)) if family in providers else None

    day_grain = spec.grain == "day"
    found: dict[tuple, dict[str, dict[str, Any]]] = defaultdict(dict)
    calls_by_code: dict[str, int] = defaultdict(int)
    install_priced_calls(con, book)
    for group in miscosted_calls(con, start, end):
        model = row_key(group["provider"], group["model"])
        if model is None:
            continue
        day = day_of(group["hour"], spec.tz) if day_grain else None
        calls_by_code[group["reason_code"]] += group["calls"]
        for category in CATEGORY_COSTS:
            amount = group[f"gap_{category}"] or ZERO
            if amount:
                entry = found[(*model, category, day)].setdefault(group["reason_code"], {"calls": 0, "amount": ZERO})
                entry["calls"] += group["calls"]
                entry["amount"] += amount
    dropped: dict[tuple, int] = defaultdict(int)
    for group in spendlogs_placeholder_calls(con, start, end):
        model = row_key(group["provider"], group["model"])
        if model is not None:
            dropped[(*model, day_of(group["hour"], spec.tz) if day_grain else None)] += group["calls"]
    missing_models = set()
    for row in rows:
        bugs = [
            {"reason_code": code, "litellm_issue": litellm_issue(code), "calls": entry["calls"], "amount": entry["amount"]}
            for code, entry in sorted(found.get((row["provider"], row["model"], row["category"], row["day"]), {}).items())
        ]
        placeholder_calls = dropped.get((row["provider"], row["model"], row["day"]))
        if row["status"] == "missing_logs" and placeholder_calls:
            bugs.append({"reason_code": SPENDLOGS_DROPPED_CALLS, "litellm_issue": litellm_issue(SPENDLOGS_DROPPED_CALLS),
                         "calls": placeholder_calls, "amount": row["delta_amount"]})
            missing_models.add((row["provider"], row["model"], row["day"]))
        row["litellm_bugs"] = bugs
        if bugs:
            row["explanation"] += "; LiteLLM's own bugs: " + "; ".join(bug_text(bug) for bug in bugs)
    for model in missing_models:
        calls_by_code[SPENDLOGS_DROPPED_CALLS] += dropped[model]
    return dict(calls_by_code)


def bug_text(bug: dict[str, Any]) -> str:
    from litecost.litellm_bugs import SPENDLOGS_DROPPED_CALLS

    named = f"{bug['reason_code']} (LiteLLM #{bug['litellm_issue']})"
    if bug["reason_code"] == SPENDLOGS_DROPPED_CALLS:
        return (f"{named}: {bug['calls']:,} call(s) of this model were stored from SpendLogs rows under a placeholder "
                "id, and LiteLLM keeps only the first such row, so its other calls the provider returned no id for "
                f"are likely among the missing {usd(bug['amount'])} USD (their callback logs have them)")
    side = "under" if bug["amount"] > 0 else "over"
    return f"{named} on {bug['calls']:,} call(s): LiteLLM logged {usd(abs(bug['amount']))} USD {side} the re-priced cost"
