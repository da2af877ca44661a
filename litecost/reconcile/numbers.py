"""The comparisons reconcile makes: within tolerance, unit prices, money in a sentence."""

from __future__ import annotations

from decimal import Decimal

from litecost.money import money_text

ZERO = Decimal(0)


def close(a: Decimal, b: Decimal, pct: Decimal, floor: Decimal) -> bool:
    return abs(a - b) <= max(pct / 100 * max(abs(a), abs(b)), floor)


def per_million(amount: Decimal, tokens: Decimal) -> Decimal | None:
    return (amount / tokens * 1_000_000).quantize(Decimal("0.0001")) if tokens else None


def usd(amount: Decimal) -> str:
    """Money in a sentence: to the cent, or to six places below a cent (one call's cost)."""
    return money_text(amount, 2 if abs(amount) >= Decimal("0.01") else 6)
