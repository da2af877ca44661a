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


def stored_provider_sql(provider: str, model: str) -> str:
    """SQL: the provider a call is stored under — LiteLLM's own name, but Vertex's routes
    (`vertex_ai-language-models`…) as `vertex_ai`, the name its price map keys them by. A call
    logged with no provider names it by its model's prefix; `converse/` and `invoke/` are
    LiteLLM's Bedrock routes, left on the model it logs for Bedrock calls."""
    return (
        f"CASE WHEN starts_with(coalesce({provider}, ''), 'vertex_ai') THEN 'vertex_ai'"
        f" ELSE coalesce({provider}, CASE WHEN split_part({model}, '/', 1) IN ('converse', 'invoke') THEN 'bedrock'"
        f" WHEN contains({model}, '/') THEN split_part({model}, '/', 1) END) END"
    )
