"""What a price-book layer holds: priced entries, adjustments and off-peak rates, and how
one model's merged prices resolve into a rate per (service tier, threshold, category)
by LiteLLM's fallback rules."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from litecost.pricing.keys import (
    BASE_TO_CATEGORY,
    BATCH_DEFAULT_MULTIPLIER,
    CATEGORY_FALLBACK,
    PRICED_CATEGORIES,
    SERVICE_TIERS,
    parse_price_key,
    price_key,
)
from litecost.pricing.off_peak import Schedule
from litecost.providers import billing_provider


@dataclass(frozen=True)
class PricedValue:
    """One number in the price book and where it came from."""

    value: Decimal
    layer: str  # e.g. "litellm snapshot 1.110.2", "overrides.yaml"
    where: str  # the key, or the file:line of the override


@dataclass
class PriceEntry:
    """One layer's prices for the models its pattern matches."""

    layer_rank: int
    layer_name: str
    pattern: str
    match_kind: str = "exact"  # exact | glob | regex
    provider: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    prices: dict[str, PricedValue] = field(default_factory=dict)  # LiteLLM key → value
    batch_multiplier: PricedValue | None = None
    source_line: int | None = None
    price_as: str | None = None  # price matching calls as this price-book name (LiteLLM base_model)
    regional_uplift: PricedValue | None = None  # LiteLLM's regional_endpoint_uplift_multiplier
    off_peak: OffPeak | None = None  # LiteLLM's off_peak_pricing

    def matches(self, name: str, provider: str | None) -> bool:
        if self.provider and provider and billing_provider(self.provider) != billing_provider(provider):
            return False
        return _name_matches(self.match_kind, self.pattern, name)

    def valid_at(self, instant: datetime) -> bool:
        return _in_force(self.valid_from, self.valid_to, instant)


@dataclass
class Adjustment:
    """A discount or uplift on the re-priced total of matching calls."""

    multiplier: Decimal
    layer_name: str
    note: str
    provider: str | None = None
    pattern: str | None = None
    match_kind: str = "glob"
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def applies(self, name: str, provider: str | None) -> bool:
        if self.provider and billing_provider(self.provider) != billing_provider(provider or ""):
            return False
        if self.pattern is None:
            return True
        return _name_matches(self.match_kind, self.pattern, name)

    def valid_at(self, instant: datetime) -> bool:
        return _in_force(self.valid_from, self.valid_to, instant)


def _name_matches(match_kind: str, pattern: str, name: str) -> bool:
    """An entry's or adjustment's pattern against a call's name: exact, glob or regex."""
    if match_kind == "exact":
        return name == pattern
    if match_kind == "glob":
        return fnmatch.fnmatchcase(name, pattern)
    return re.fullmatch(pattern, name) is not None


def _in_force(valid_from: datetime | None, valid_to: datetime | None, instant: datetime) -> bool:
    """Whether `instant` falls in the half-open validity [valid_from, valid_to)."""
    return (valid_from is None or valid_from <= instant) and (valid_to is None or instant < valid_to)


@dataclass(frozen=True)
class OffPeak:
    """An entry's `off_peak_pricing`: the rates (LiteLLM keys) that replace its own while the
    schedule is open."""

    schedule: Schedule
    prices: dict[str, PricedValue] = field(compare=False)

def off_peak_prices(prices: dict[str, PricedValue], off_peak: OffPeak) -> dict[str, PricedValue]:
    """LiteLLM's apply_off_peak_pricing as price keys: each off-peak rate replaces its
    category's standard price at every long-context tier; a category the block leaves out
    keeps its price, and one with no price of its own falls back (`resolve_rates`) to the
    off-peak rate it falls back to — a missing cache price to the off-peak input rate."""
    replaced = dict(prices)
    for base, value in off_peak.prices.items():
        category = BASE_TO_CATEGORY[base]
        replaced[base] = value
        for key in prices:
            parsed = parse_price_key(key)
            if parsed and parsed[0] == category and parsed[2] == "standard":
                replaced[key] = value
    return replaced


@dataclass
class ResolvedPrice:
    """Rates for one model over one time segment: (service tier, threshold, category) → rate."""

    model_key: str
    rates: dict[tuple[str, int, str], PricedValue]
    thresholds: tuple[int, ...]
    multiplier: Decimal
    adjustments: list[str]
    valid_from: datetime | None
    valid_to: datetime | None
    # LiteLLM's `regional_endpoint_uplift_multiplier`: applies to calls served from a
    # non-global Vertex AI location (see `_identity_sql`).
    regional_uplift: PricedValue | None = None
    # LiteLLM's `off_peak_pricing`: these rates replace `rates` while the schedule is open.
    off_peak: Schedule | None = None
    off_peak_rates: dict[tuple[str, int, str], PricedValue] | None = None

    def rate(self, category: str, threshold: int = 0, service_tier: str = "standard") -> PricedValue | None:
        return self.rates.get((service_tier, threshold, category))


def resolve_rates(prices: dict[str, PricedValue], batch_multiplier: PricedValue | None = None) -> tuple[dict, tuple[int, ...]]:
    """LiteLLM keys → fully resolved rates for every service tier, threshold and category."""
    raw: dict[tuple[str, int, str], PricedValue] = {}
    for key, value in prices.items():
        parsed = parse_price_key(key)
        if parsed:
            category, threshold, svc = parsed
            raw[(svc, threshold, category)] = value
    thresholds = tuple(sorted({0} | {t for (_, t, _) in raw}))
    batch = batch_multiplier or PricedValue(BATCH_DEFAULT_MULTIPLIER, "litellm rule", "batch = 50% of standard")

    def own_standard(threshold: int, category: str) -> PricedValue | None:
        hit = raw.get(("standard", threshold, category))
        if hit is None and threshold:
            hit = raw.get(("standard", 0, category))  # no tier price: the category's base price
        return hit

    def half(value: PricedValue) -> PricedValue:
        return PricedValue(value.value * batch.value, value.layer, f"{value.where} × {batch.value} ({batch.where})")

    def tier_key(svc: str, threshold: int, category: str) -> PricedValue | None:
        """A price the map gives for exactly this service tier (at this threshold or its base)."""
        hit = raw.get((svc, threshold, category))
        if hit is None and threshold and raw.get(("standard", threshold, category)) is None:
            hit = raw.get((svc, 0, category))
        return hit

    def annotate(hit: PricedValue | None, category: str, threshold: int, svc: str) -> PricedValue | None:
        if hit is None:
            return None
        origin = hit.where.split(" (")[0]
        return PricedValue(hit.value, hit.layer, f"{origin} (no {price_key(category, threshold, svc)})")

    def standard(threshold: int, category: str) -> PricedValue | None:
        if (hit := own_standard(threshold, category)) is not None:
            return hit
        fallback = CATEGORY_FALLBACK.get(category)
        return annotate(standard(threshold, fallback), category, threshold, "standard") if fallback else None

    def batch_rate(threshold: int, category: str) -> PricedValue | None:
        """LiteLLM's batch_cost_calculator, category by category."""
        if (hit := tier_key("batch", threshold, category)) is not None:
            return hit
        input_has_batch_price = tier_key("batch", threshold, "input") is not None
        if category in ("input", "output"):
            std = standard(threshold, category)
            return half(std) if std is not None else None
        if category in ("reasoning", "audio_output"):
            # Batch bills every completion token at the batch output rate.
            return annotate(batch_rate(threshold, "output"), category, threshold, "batch")
        if category in ("audio_input", "image_input"):
            return annotate(batch_rate(threshold, "input"), category, threshold, "batch")
        if category == "cache_write_1h":
            return annotate(batch_rate(threshold, "cache_write_5m"), category, threshold, "batch")
        if input_has_batch_price:
            # With a batch input price, cache reads keep their standard price and cache
            # writes without a batch price are billed as batch input.
            if category == "cache_read" and (std := own_standard(threshold, "cache_read")) is not None:
                return std
            return annotate(batch_rate(threshold, "input"), category, threshold, "batch")
        std = standard(threshold, category)
        return half(std) if std is not None else None

    def rate(svc: str, threshold: int, category: str) -> PricedValue | None:
        if svc == "standard":
            return standard(threshold, category)
        if svc == "batch":
            return batch_rate(threshold, category)
        # priority / flex: the tier's own price, else the standard price, key by key.
        if (hit := tier_key(svc, threshold, category)) is not None:
            return hit
        if (std := own_standard(threshold, category)) is not None:
            return std
        fallback = CATEGORY_FALLBACK.get(category)
        return annotate(rate(svc, threshold, fallback), category, threshold, svc) if fallback else None

    resolved = {
        (svc, threshold, category): value
        for threshold in thresholds
        for svc in SERVICE_TIERS
        for category in PRICED_CATEGORIES
        if (value := rate(svc, threshold, category)) is not None
    }
    return resolved, thresholds


