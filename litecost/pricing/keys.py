"""The grammar of LiteLLM price keys (`input_cost_per_token_above_200k_tokens_batches`), the
service tiers, units, and how a price file's numbers and dates are read."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from litecost.errors import UsageError
from litecost.tokens import CATEGORIES

SERVICE_TIERS = ("standard", "batch", "priority", "flex")
_TIER_SUFFIX = {"standard": "", "batch": "_batches", "priority": "_priority", "flex": "_flex"}

# Token-priced categories and their LiteLLM price keys (from `tokens`). `web_search` is a
# count and is not priced per token; it is reported, not re-priced.
CATEGORY_KEYS: dict[str, str] = {c.name: c.price_key for c in CATEGORIES if c.price_key}
PRICED_CATEGORIES = tuple(CATEGORY_KEYS)
# When a category has no price of its own, LiteLLM bills it at this category's rate.
CATEGORY_FALLBACK: dict[str, str] = {c.name: c.fallback for c in CATEGORIES if c.fallback}
BATCH_DEFAULT_MULTIPLIER = Decimal("0.5")

_KEY_RE = re.compile(
    r"^(?P<base>" + "|".join(sorted(map(re.escape, CATEGORY_KEYS.values()), key=len, reverse=True)) + r")"
    r"(?:_above_(?P<n>\d+)(?P<k>k?)_tokens)?"
    r"(?:_(?P<svc>batches|priority|flex))?$"
)
BASE_TO_CATEGORY = {v: k for k, v in CATEGORY_KEYS.items()}
_SVC_FROM_SUFFIX = {None: "standard", "batches": "batch", "priority": "priority", "flex": "flex"}

UNITS = {
    "usd_per_token": Decimal(1),
    "usd_per_1k_tokens": Decimal(1) / Decimal(1_000),
    "usd_per_1m_tokens": Decimal(1) / Decimal(1_000_000),
}


def parse_price_key(key: str) -> tuple[str, int, str] | None:
    """`input_cost_per_token_above_200k_tokens_batches` → ('input', 200000, 'batch')."""
    match = _KEY_RE.match(key)
    if not match:
        return None
    threshold = 0
    if match["n"]:
        threshold = int(match["n"]) * (1000 if match["k"] else 1)
    return BASE_TO_CATEGORY[match["base"]], threshold, _SVC_FROM_SUFFIX[match["svc"]]


def price_key(category: str, threshold: int = 0, service_tier: str = "standard") -> str:
    key = CATEGORY_KEYS[category]
    if threshold:
        key += f"_above_{threshold // 1000}k_tokens" if threshold % 1000 == 0 else f"_above_{threshold}_tokens"
    return key + _TIER_SUFFIX[service_tier]


# No real price comes near this (the dearest LiteLLM lists is well under 0.001 USD a
# token): above it a price is a unit mix-up or a broken map, and its products with token
# counts would overflow DECIMAL(38, 18).
MAX_PRICE_PER_TOKEN = Decimal(1)
# LiteLLM's whole map is about 1.5 MB; a file far larger is not a price map.
MAX_MAP_BYTES = 64 * 1024 * 1024


def to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, str, Decimal)):
        try:
            # repr() of a float is its shortest round-trip form: 1.5e-07 stays exact.
            result = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None

def parse_instant(value: Any, *, what: str) -> datetime:
    """A date or datetime from a price file (YAML gives dates, datetimes or text; text reads as
    `periods.parse_instant` reads --since, in UTC) → an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=timezone.utc)
    if isinstance(value, str):
        from litecost.periods import parse_instant as parse_text

        return parse_text(value, "UTC", what=what)
    raise UsageError(f"{what} {value!r} is not a date", hint="use YYYY-MM-DD or an ISO 8601 time")


