"""The generic adapter: any CSV/JSON/Parquet export, staged by the user's column mapping
(`invoices/mapping.py`)."""

from __future__ import annotations

from litecost.invoices.layouts import Adapter, Layout, Stage, StageContext, staged_select
from litecost.invoices.mapping import Mapping
from litecost.invoices.sql import Check, currency_code, money, number, text
from litecost.sql import instant, string_literal as lit


def _mapped(mapping: Mapping, role: str, raw_sql: str) -> str:
    """A column's value through the mapping's `values` table, falling back to the raw text."""
    table = mapping.values.get(role, {})
    t = text(raw_sql)
    lowered = f"lower({t})" if role in ("kind", "category", "service_tier", "context_tier") else t
    if not table:
        return lowered
    cases = " ".join(f"WHEN {t} = {lit(k)} THEN {lit(v)}" for k, v in table.items())
    return f"CASE {cases} ELSE {lowered} END"


def stage(ctx: StageContext) -> Stage:
    mapping: Mapping = ctx.options["mapping"]
    c = ctx.columns
    cols = mapping.columns

    def col(role: str) -> str:
        return c(cols[role]) if role in cols else "CAST(NULL AS VARCHAR)"

    def value(role: str) -> str:
        parts = []
        if role in cols:
            parts.append(_mapped(mapping, role, col(role)))
        if role in mapping.defaults:
            parts.append(lit(mapping.defaults[role]))
        return f"coalesce({', '.join(parts)}, NULL)" if parts else "NULL"

    def moment(role: str) -> str:
        if mapping.date_format:
            return f"CAST(TRY_STRPTIME({text(col(role))}, {lit(mapping.date_format)}) AS TIMESTAMPTZ)"
        return instant(col(role))

    start, end = moment("period_start"), moment("period_end")
    amount, qty = money(col("amount")), number(col("quantity"))
    what = f"a time ({mapping.date_format})" if mapping.date_format else "a time (ISO 8601 or Unix seconds)"
    checks = [
        Check(cols["period_start"], col("period_start"), start, what, required=True),
        Check(cols["amount"], col("amount"), amount, "a decimal amount", required=True),
    ]
    if "period_end" in cols:
        checks.append(Check(cols["period_end"], col("period_end"), end, what, required=True))
    if "quantity" in cols:
        checks.append(Check(cols["quantity"], col("quantity"), qty, "a number"))
    category = value("category")
    kind = f"coalesce({value('kind')}, CASE WHEN ({category}) IS NOT NULL THEN 'token' ELSE 'other' END)"
    period_start = start if "period_end" in cols else f"date_trunc('{mapping.period}', {start})"
    period_end = end if "period_end" in cols else f"{period_start} + INTERVAL 1 {mapping.period.upper()}"
    provider = value("provider") if "provider" in cols else lit(mapping.provider)
    values = {
        "period_start": period_start,
        "period_end": period_end,
        "provider": f"coalesce({provider}, {lit(mapping.provider)}, 'unknown')",
        "account": value("account"),
        "kind": kind,
        "model_raw": value("model"),
        "category": f"CASE WHEN ({kind}) IN ('token', 'web_search') THEN {category} END",
        "service_tier": f"coalesce({value('service_tier')}, 'standard')",
        "context_tier": value("context_tier"),
        "region": value("region"),
        "quantity": f"{qty} * {format(mapping.quantity_multiplier, 'f')}",
        "unit": f"CASE WHEN {qty} IS NULL THEN NULL WHEN ({kind}) = 'token' THEN 'tokens' ELSE {lit(mapping.defaults.get('unit'))} END",
        "amount": f"{amount} * {format(mapping.amount_multiplier, 'f')}",
        "currency": currency_code(col("currency"), mapping.defaults.get("currency", "USD")),
        "description": text(col("description")) if "description" in cols else value("model"),
    }
    return Stage(sql=staged_select(values, checks=checks))


def layout_for(mapping: Mapping) -> Layout:
    return Layout(
        name=f"generic:{mapping.layout}",
        family=mapping.provider or "generic",
        description=mapping.description,
        measures="cost",
        formats=("csv", "json", "parquet"),
        matches=lambda shape: False,
        stage=stage,
        explicit_only=True,
    )


LAYOUTS: tuple[Layout, ...] = ()  # never auto-detected: a mapping is always explicit

ADAPTER = Adapter("generic", (), LAYOUTS)
