"""FOCUS 1.2 export: the logged calls as a FinOps Open Cost and Usage Specification dataset.

One row per charge period (UTC day or hour) × provider × model × token category × service
tier × key × team × tag set × price point, with the FOCUS 1.2 columns a FinOps platform
reads and `x_` columns for what FOCUS has no column for (the token category, the cache
duration, the service tier, the call count, the basis). The cost columns:

- `BilledCost` and `EffectiveCost`: the chosen basis — `repriced` (the price book's cost of
  the row's tokens) or `logged` (LiteLLM's cost, one figure per call, split over its token
  categories in proportion to their re-priced cost, or their tokens where the call has no
  price; exact, the remainder to the largest share);
- `ListCost` and `ContractedCost`: the price book's cost of the row's tokens, with
  `ListUnitPrice` / `ContractedUnitPrice` per `PricingUnit` of "1000000 Tokens", so that
  unit price × `PricingQuantity` is the cost.

Column names, types, nullability and values follow FOCUS 1.2 (rule model 1.2.0.1); numbers
are written as decimals (always with a fraction), times as `YYYY-MM-DDTHH:MM:SSZ`. Tags are
a JSON object: the call's `NAME:value` tags as `NAME: value` (several values of one name
joined with `,`), a tag without a value as `tag: true`, and litecost's own keys under the
`litecost/` prefix (`litecost/team`, `litecost/key_alias`, `litecost/user`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from decimal import Decimal
from pathlib import Path
from typing import Any

from litecost.chargeback import ONE_UNIT, from_units, split_units, to_units
from litecost.errors import UsageError
from litecost.periods import Period
from litecost.pricing.book import PriceBook
from litecost.pricing.repricing import GroupPricing
from litecost.reconcile.frame import CATEGORY_COSTS
from litecost.sql import Statement
from litecost.store import Store, rows_of
from litecost.tokens import CATEGORY_BY_NAME

BASES = ("logged", "repriced", "invoice")
GRAINS = ("day", "hour")
TOKENS_PER_UNIT = 1_000_000
PRICING_UNIT = "1000000 Tokens"

# (ServiceName, InvoiceIssuerName, ProviderName) per LiteLLM provider; others use its name.
SERVICES = {
    "openai": ("OpenAI API", "OpenAI", "OpenAI"),
    "text-completion-openai": ("OpenAI API", "OpenAI", "OpenAI"),
    "anthropic": ("Claude API", "Anthropic", "Anthropic"),
    "azure": ("Azure OpenAI", "Microsoft", "Microsoft"),
    "azure_ai": ("Azure AI Foundry", "Microsoft", "Microsoft"),
    "bedrock": ("Amazon Bedrock", "Amazon Web Services", "Amazon Web Services"),
    "vertex_ai": ("Vertex AI", "Google Cloud", "Google Cloud"),
    "gemini": ("Gemini API", "Google", "Google"),
    "openrouter": ("OpenRouter", "OpenRouter", "OpenRouter"),
    "mistral": ("Mistral AI API", "Mistral AI", "Mistral AI"),
    "groq": ("GroqCloud", "Groq", "Groq"),
    "deepseek": ("DeepSeek API", "DeepSeek", "DeepSeek"),
    "xai": ("xAI API", "xAI", "xAI"),
}
# The model's publisher, by the first word of its name (after any provider or region prefix).
PUBLISHERS = {"gpt": "OpenAI", "o1": "OpenAI", "o3": "OpenAI", "o4": "OpenAI", "text": "OpenAI", "chatgpt": "OpenAI",
              "claude": "Anthropic", "gemini": "Google", "gemma": "Google", "llama": "Meta", "mistral": "Mistral AI",
              "mixtral": "Mistral AI", "command": "Cohere", "deepseek": "DeepSeek", "grok": "xAI", "nova": "Amazon",
              "titan": "Amazon", "qwen": "Alibaba"}

# FOCUS 1.2 columns in the order written, then litecost's x_ columns.
COLUMNS = (
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName",
    "ListCost", "ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
    "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId",
    "SubAccountId", "SubAccountName", "Tags", "CommitmentDiscountStatus", "InvoiceId", "PricingCurrency",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
    "x_TokenCategory", "x_CacheDuration", "x_ServiceTier", "x_CallCount", "x_Basis", "x_LiteLLMProvider",
)
DECIMAL_COLUMNS = ("BilledCost", "ConsumedQuantity", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "ListCost",
                   "ListUnitPrice", "PricingQuantity", "PricingCurrencyContractedUnitPrice",
                   "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice")


@dataclass(frozen=True)
class FocusSpec:
    period: Period
    basis: str = "repriced"
    grain: str = "day"
    invoice_file_ids: tuple[int, ...] = ()  # basis invoice: the bills (default: every current bill of the period)
    spread: str = "none"  # basis invoice: none (money no call carries on rows of its own) or proportional
    usd_rates: tuple[tuple[str, Decimal], ...] = ()  # basis invoice: USD per unit of a bill's other currency


def focus_spec(*, period: str | None = None, since: str | None = None, until: str | None = None, basis: str = "repriced",
               grain: str = "day", invoices: tuple[int, ...] | list[int] = (), spread: str = "none",
               rates: dict[str, Decimal | str] | None = None, now: datetime | None = None) -> FocusSpec:
    """The spec of an export, checked; messages name the CLI's options. Periods are UTC."""
    from litecost.periods import resolve_period

    if basis not in BASES:
        raise UsageError(f"--basis {basis!r} is not one of {', '.join(BASES)}")
    if grain not in GRAINS:
        raise UsageError(f"--grain {grain!r} is not day or hour")
    if spread not in ("none", "proportional"):
        raise UsageError(f"--spread {spread!r} is not none or proportional")
    if basis != "invoice" and (invoices or spread != "none" or rates):
        raise UsageError("--invoice, --spread and --rate apply to --basis invoice")
    from litecost.reconcile.run import usd_rates

    window = resolve_period(period, since, until, "UTC", now=now or datetime.now(timezone.utc))
    if window is None:
        raise UsageError("export focus needs --period (or --since and --until)", hint="e.g. --period 2026-10")
    return FocusSpec(window, basis, grain, tuple(invoices), spread, usd_rates(rates))


def _groups(con, spec: FocusSpec, pricing: GroupPricing, bucket: str) -> list[dict[str, Any]]:  # noqa: ANN001
    """The period's calls summed per FOCUS row identity, allocation `bucket` (day or hour),
    model evidence and price key, priced per category."""
    from litecost.pricing.repricing import category_cost_sql

    token_columns = sorted({tokens for tokens, _ in CATEGORY_COSTS.values()} | {"reasoning_tokens"})
    params = {"start": spec.period.start, "end": spec.period.end, **pricing.params}
    Statement.using(
        "CREATE OR REPLACE TEMP TABLE focus_groups AS SELECT"
        f" date_trunc('{spec.grain}', timezone('UTC', c.start_time)) AS charge_start,"
        f" date_trunc('{bucket}', timezone('UTC', c.start_time)) AS bucket, c.provider,"
        " coalesce(c.model, '(unknown)') AS model, c.model AS logged_model, c.model_map_key, c.model_group, c.model_resolved,"
        " c.service_tier, c.org_id, c.api_key_hash, c.key_alias,"
        " c.team_id, c.team_alias, c.user_id, c.tags, c.cache_hit,"
        f" {', '.join(pricing.keys('c'))}, count(*) AS calls, sum(c.logged_cost) AS logged_cost,"
        f" {', '.join(f'sum(c.{t}) AS {t}' for t in token_columns)}, {', '.join(pricing.probes('c'))}"
        " FROM calls c WHERE c.start_time >= $start AND c.start_time < $end GROUP BY ALL",
        params,
    ).execute(con)
    pricing.install(con, "focus_groups")

    return rows_of(con.execute(
        "SELECT g.charge_start, g.bucket, g.provider, g.model, g.logged_model, g.model_map_key, g.model_group,"
        " g.model_resolved, g.service_tier, g.org_id, g.api_key_hash, g.key_alias, g.team_id,"
        " g.team_alias, g.user_id, g.tags, g.cache_hit, g.calls, g.calls AS requests, g.logged_cost, s.price_row IS NOT NULL AS priced,"
        # The price entry (and which of its dated prices and long-context tiers) priced the row.
        " s.price_model, strftime(s.valid_from, '%Y-%m-%d') AS price_from, coalesce(s.tier_low, -1) AS price_tier,"
        f" {', '.join(f'g.{t}' for t in token_columns)}, {', '.join(f'{category_cost_sql(name)} AS cost_{name}' for name in CATEGORY_COSTS)}"
        f" FROM focus_groups g LEFT JOIN {pricing.table} s ON {pricing.join('g', 's')}"
    ))


def _identity(g: dict[str, Any]) -> tuple:
    return (g["charge_start"], g["provider"], g["model"], g["service_tier"], g["org_id"], g["api_key_hash"],
            g["key_alias"], g["team_id"], g["team_alias"], g["user_id"], tuple(g["tags"]),
            g["price_model"], g["price_from"], g["price_tier"])


def focus_rows(store: Store, spec: FocusSpec, book: PriceBook) -> list[dict[str, Any]]:
    """The export's rows (values as Python objects; `write_focus` writes them)."""
    bills = None
    if spec.basis == "invoice":
        from litecost.chargeback import load_bills

        bills = load_bills(store, spec.invoice_file_ids, (spec.period.start, spec.period.end), spec.usd_rates,
                           scope=spec.period.label,
                           hint="import the provider bills first (`litecost invoices import FILE`), or use --basis repriced")
    bucket = "hour" if spec.grain == "hour" or (bills and bills.grain.days == 0) else "day"
    groups = _groups(store.con, spec, GroupPricing(store.con, book), bucket)
    for g in groups:
        g["identity"] = _identity(g)
    allocation = None
    if bills is not None:
        from litecost.chargeback import allocate_bills

        # Model evidence under the names reconcile matches by; the row's model stays the logged one.
        evidence = [{**g, "model": g["logged_model"]} for g in groups]
        allocation = allocate_bills(bills.lines, evidence, lambda e: e["identity"], bills.grain, "cost", spec.spread)
    # Per row identity: tokens, re-priced and logged cost (units), calls.
    rows: dict[tuple, dict[str, Any]] = {}
    for g in groups:
        categories = {}
        for category, (tokens_column, _cost) in CATEGORY_COSTS.items():
            tokens = g[tokens_column] or 0
            cost = to_units(g[f"cost_{category}"] or Decimal(0))
            if tokens or cost:
                categories[category] = (tokens, cost)
        logged = to_units(g["logged_cost"] or Decimal(0))
        weights = {c: cost for c, (_t, cost) in categories.items() if cost > 0} or \
            {c: tokens for c, (tokens, _c) in categories.items() if tokens > 0}
        logged_by = split_units(logged, weights) if weights and logged else {}
        if not weights:  # calls with no tokens (failures): kept, with any cost logged, under no category
            categories = {"none": (0, 0)}
            logged_by = {"none": logged}
        share = _call_share(g["calls"], list(categories))
        for category, (tokens, cost) in categories.items():
            key = (*g["identity"], category)
            row = rows.get(key)
            if row is None:
                row = rows[key] = {"tokens": 0, "repriced": 0, "logged": 0, "calls": 0, "invoice": 0}
            row["tokens"] += tokens
            row["repriced"] += cost
            row["logged"] += logged_by.get(category, 0)
            row["calls"] += share[category]
    if allocation is not None:
        for (identity, category), units in allocation.invoice.items():
            rows[(*identity, category)]["invoice"] += units
    out = [_focus_row(key, value, spec) for key, value in sorted(rows.items(), key=lambda kv: _sort_key(kv[0]))]
    if allocation is not None:
        out += [_charge_row(charge, spec) for charge in allocation.explicit]
    return out


# FOCUS ChargeCategory of bill money no call carries, by the line's kind.
_CHARGE_CATEGORIES = {"credit": "Credit", "discount": "Credit", "refund": "Credit", "tax": "Tax"}


def _charge_row(charge, spec: FocusSpec) -> dict[str, Any]:  # noqa: ANN001 - a chargeback.ExplicitCharge
    """A FOCUS row for bill money no logged call carries: a credit or tax as such; a charge
    with a quantity (web search, tokens no call logged) as usage at its billed unit price;
    anything else as an adjustment."""
    amount = from_units(charge.units)
    category = _CHARGE_CATEGORIES.get(charge.kind)
    quantity = charge.quantity if charge.quantity else None
    if category is None:
        category = "Usage" if quantity else "Adjustment"
    start, end = charge.start.astimezone(timezone.utc), charge.end.astimezone(timezone.utc)
    billing_start, billing_end = _billing_month(start.replace(tzinfo=timezone.utc))
    provider = charge.provider
    service, issuer, provider_name = SERVICES.get(provider, (provider, provider, provider))
    usage = category == "Usage"
    unit = ("Tokens" if charge.kind == "token" else (charge.unit or "Units").title()) if usage else None
    unit_price = (amount / quantity).quantize(ONE_UNIT) if usage else None
    sku = charge.model if usage else None
    what = charge.category if charge.kind == "token" else charge.kind
    return {
        "BilledCost": amount, "BillingAccountId": "litellm", "BillingAccountName": "litellm", "BillingCurrency": "USD",
        "BillingPeriodEnd": _utc_text(billing_end), "BillingPeriodStart": _utc_text(billing_start),
        "ChargeCategory": category, "ChargeClass": None,
        "ChargeDescription": charge.label[1:-1] + (f" - {charge.model}" if charge.model else "")
                             + (f", {charge.category} tokens" if charge.kind == "token" else ""),
        "ChargeFrequency": "Usage-Based" if usage else "One-Time",
        "ChargePeriodEnd": _utc_text(end), "ChargePeriodStart": _utc_text(start),
        "ConsumedQuantity": quantity if usage else None, "ConsumedUnit": unit,
        "ContractedCost": amount, "ContractedUnitPrice": unit_price, "EffectiveCost": amount,
        "InvoiceIssuerName": issuer, "ListCost": amount, "ListUnitPrice": unit_price,
        "PricingCategory": "Standard" if usage else None, "PricingQuantity": quantity if usage else None,
        "PricingUnit": unit, "ProviderName": provider_name,
        "PublisherName": publisher(charge.model, provider_name) if charge.model else provider_name,
        "ServiceCategory": "AI and Machine Learning", "ServiceName": service, "ServiceSubcategory": "Generative AI",
        "SkuId": sku, "SkuMeter": what if usage else None,
        "SkuPriceDetails": json.dumps({"x_Kind": charge.kind}) if usage else None,
        "SkuPriceId": f"{charge.model}|{what}|billed" if usage else None,
        "SubAccountId": None, "SubAccountName": None, "Tags": None,
        "CommitmentDiscountStatus": None, "InvoiceId": None, "PricingCurrency": "USD",
        "PricingCurrencyContractedUnitPrice": unit_price, "PricingCurrencyEffectiveCost": amount,
        "PricingCurrencyListUnitPrice": unit_price,
        "x_TokenCategory": charge.category,
        "x_CacheDuration": _cache_duration(charge.category), "x_ServiceTier": None, "x_CallCount": 0, "x_Basis": spec.basis,
        "x_LiteLLMProvider": None,
    }


def _cache_duration(category: str | None) -> str | None:
    found = CATEGORY_BY_NAME.get(category or "")
    return found.cache_duration if found else None


def _call_share(calls: int, categories: list[str]) -> dict[str, int]:
    """A group's calls counted once, on its first category (so x_CallCount adds up to the calls)."""
    return {c: (calls if i == 0 else 0) for i, c in enumerate(categories)}


def _sort_key(key: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in key)


@lru_cache(maxsize=4096)  # a month has 31 days or 744 hours: each is formatted once
def _utc_text(instant: datetime) -> str:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=4096)
def _billing_month(instant: datetime) -> tuple[datetime, datetime]:
    start = instant.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def publisher(model: str, fallback: str) -> str:
    name = model.rsplit("/", 1)[-1].lower()
    for prefix in ("us.", "eu.", "apac.", "global.", "anthropic.", "meta.", "amazon.", "mistral.", "cohere."):
        name = name.removeprefix(prefix)
    first = name.replace("_", "-").split("-", 1)[0]
    return PUBLISHERS.get(first, fallback)


@lru_cache(maxsize=65536)
def _tags_text(tags: tuple[str, ...], team: str | None, key_alias: str | None, user: str | None) -> str:
    return json.dumps(focus_tags(tags, team, key_alias, user), sort_keys=True, ensure_ascii=False)


@lru_cache(maxsize=1024)
def _price_details(tier: str, category: str) -> str:
    return json.dumps({"x_ServiceTier": tier, "x_TokenCategory": category}, sort_keys=True)


def focus_tags(tags: tuple[str, ...], team: str | None, key_alias: str | None, user: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    values: dict[str, list[str]] = defaultdict(list)
    for tag in tags:
        name, sep, value = tag.partition(":")
        if sep and name and value:
            values[name].append(value)
        else:
            out[tag] = True
    for name, found in values.items():
        out[name] = ",".join(sorted(set(found)))
    for name, value in (("litecost/team", team), ("litecost/key_alias", key_alias), ("litecost/user", user)):
        if value:
            out[name] = value
    return dict(sorted(out.items()))


def _focus_row(key: tuple, value: dict[str, Any], spec: FocusSpec) -> dict[str, Any]:
    (charge_start, provider, model, tier, org, key_hash, key_alias, team_id, team_alias, user, tags,
     price_model, price_from, price_tier, category) = key
    start = charge_start.replace(tzinfo=timezone.utc)
    end = start + (timedelta(hours=1) if spec.grain == "hour" else timedelta(days=1))
    billing_start, billing_end = _billing_month(start)
    service, issuer, provider_name = SERVICES.get(provider or "", (provider or "unknown", provider or "unknown",
                                                                 provider or "unknown"))
    repriced = from_units(value["repriced"])
    billed = {"repriced": repriced, "logged": from_units(value["logged"]), "invoice": from_units(value["invoice"])}[spec.basis]
    quantity = Decimal(value["tokens"]) / TOKENS_PER_UNIT
    # Per "1000000 Tokens": unit price × PricingQuantity is the cost (to 1e-18 USD).
    unit_price = (repriced / quantity).quantize(ONE_UNIT) if quantity else Decimal(0)
    account = org or "litellm"
    # SkuId: the price entry that priced the row (the model, where none did); SkuPriceId: the
    # price point — entry, category, service tier, and its start date and long-context tier if any.
    sku = price_model or model
    sku_price = "|".join([sku, category, tier] + ([f"from {price_from}"] if price_from else [])
                         + ([f"over {price_tier} prompt tokens"] if price_tier and price_tier > 0 else []))
    return {
        "BilledCost": billed,
        "BillingAccountId": account,
        "BillingAccountName": account,
        "BillingCurrency": "USD",
        "BillingPeriodEnd": _utc_text(billing_end),
        "BillingPeriodStart": _utc_text(billing_start),
        "ChargeCategory": "Usage",
        "ChargeClass": None,
        "ChargeDescription": f"{model}, {category.replace('_', ' ')} tokens",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodEnd": _utc_text(end),
        "ChargePeriodStart": _utc_text(start),
        "ConsumedQuantity": Decimal(value["tokens"]),
        "ConsumedUnit": "Tokens",
        "ContractedCost": repriced,
        "ContractedUnitPrice": unit_price,
        "EffectiveCost": billed,
        "InvoiceIssuerName": issuer,
        "ListCost": repriced,
        "ListUnitPrice": unit_price,
        "PricingCategory": "Standard",
        "PricingQuantity": quantity,
        "PricingUnit": PRICING_UNIT,
        "ProviderName": provider_name,
        "PublisherName": publisher(model, provider_name),
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": service,
        "ServiceSubcategory": "Generative AI",
        "SkuId": sku,
        "SkuMeter": category,
        "SkuPriceDetails": _price_details(tier, category),
        "SkuPriceId": sku_price,
        "SubAccountId": team_id or None,
        "SubAccountName": (team_alias or team_id) if team_id else None,
        "Tags": _tags_text(tags, team_alias or team_id, key_alias, user),
        # No commitment discounts; no invoice (usage as logged); priced in the billing currency.
        "CommitmentDiscountStatus": None,
        "InvoiceId": None,
        "PricingCurrency": "USD",
        "PricingCurrencyContractedUnitPrice": unit_price,
        "PricingCurrencyEffectiveCost": billed,
        "PricingCurrencyListUnitPrice": unit_price,
        "x_TokenCategory": category,
        "x_CacheDuration": _cache_duration(category),
        "x_ServiceTier": tier,
        "x_CallCount": value["calls"],
        "x_Basis": spec.basis,
        "x_LiteLLMProvider": provider,
    }


def _decimal_text(value: Decimal) -> str:
    """A decimal as FOCUS tools read one: plain notation, always with a fraction ("6400.0")."""
    text = format(value.normalize(), "f") if value else "0"
    return text if "." in text else text + ".0"


def focus_format(target: Path) -> str:
    """csv or parquet, by `target`'s name; a one-line error for any other (checked before any work)."""
    suffix = Path(target).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise UsageError(f"-o {target}: the file name must end in .csv or .parquet")
    return suffix[1:]


def write_focus(rows: list[dict[str, Any]], target: Path) -> None:
    """Write the rows as CSV or Parquet (by `target`'s suffix), atomically."""
    from litecost.files import write_atomically

    data = _csv(rows).encode() if focus_format(target) == "csv" else _parquet(rows)
    write_atomically(Path(target), data)


def _csv(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else _decimal_text(row[c]) if c in DECIMAL_COLUMNS else row[c]
                         for c in COLUMNS])
    return out.getvalue()


def _parquet(rows: list[dict[str, Any]]) -> bytes:
    import io

    import polars as pl

    schema = {c: (pl.Decimal(38, 18) if c in DECIMAL_COLUMNS else pl.Int64 if c == "x_CallCount" else pl.String)
              for c in COLUMNS}
    frame = pl.DataFrame([{c: row[c] for c in COLUMNS} for row in rows], schema=schema, orient="row") if rows \
        else pl.DataFrame(schema=schema)
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()
