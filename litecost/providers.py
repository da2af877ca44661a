"""Provider names: LiteLLM's spellings of one billing provider.

LiteLLM logs a route (`vertex_ai-language-models`, `bedrock_converse`, `azure_ai`);
a bill, a price entry's `provider:` and a reconcile row speak of whoever sends the bill.
"""

from __future__ import annotations


def billing_provider(provider: str | None) -> str:
    """The provider that bills a call LiteLLM logged under `provider` (`unknown` if none)."""
    p = (provider or "").lower()
    if p.startswith("vertex_ai"):
        return "vertex_ai"
    if p.startswith("bedrock"):
        return "bedrock"
    if p in ("azure", "azure_ai"):
        return "azure"
    return p or "unknown"
