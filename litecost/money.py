"""Money as people read it in sentences (explanations, notes); machine formats keep it exact."""

from __future__ import annotations

from decimal import Decimal


def money_text(value: Decimal | float | int, places: int = 2, suffix: str = "") -> str:
    """A figure for reading: rounded, with thousands separators, never "-0.00"."""
    text = f"{Decimal(value):,.{places}f}"
    return (text[1:] if text.startswith("-") and not text.strip("-0.,") else text) + suffix
