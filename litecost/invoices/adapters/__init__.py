"""The adapter registry: one module per provider family, each declaring its `ADAPTER`.

Modules load on first use, so `litecost --help` never imports them. Detection tries the
layouts in registry order, most specific first: FOCUS before Azure (Azure's FOCUS export
has both vocabularies); the generic mapping is never auto-detected.
"""

from __future__ import annotations

import importlib
from functools import cache

from litecost.invoices.layouts import Adapter, Layout

MODULES = ("focus", "openai", "anthropic", "azure", "aws", "gcp", "generic")


@cache
def adapters() -> tuple[Adapter, ...]:
    return tuple(importlib.import_module(f"{__name__}.{name}").ADAPTER for name in MODULES)


def all_layouts() -> tuple[Layout, ...]:
    return tuple(layout for adapter in adapters() for layout in adapter.layouts)


def adapter_for(provider: str | None) -> Adapter | None:
    """The adapter whose lines carry this provider name (openai, azure, bedrock, vertex_ai…)."""
    return next((a for a in adapters() if provider in a.providers), None)
