"""What one invoice line is for: its kind, token category, tier and model text.

Provider exports name their charges in free text (OpenAI `line_item`, Azure meter
names, Bedrock usage types, GCP SKU descriptions). Each adapter owns a parser that
turns one such label into a `Charge`; the parsers run once per *distinct* label (a
few dozen per file), never once per row, and the result is joined back in SQL.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from litecost.tokens import CATEGORY_NAMES

# Every invoice line has exactly one kind. Only `token` lines carry a token category;
# everything else is kept under its own kind so that no charge disappears.
KINDS: dict[str, str] = {
    "token": "tokens billed per token category (input, cache_read, output, ...)",
    "web_search": "web search tool calls (quantity is a count of searches)",
    "tool": "other tool fees: code interpreter, file search, code execution sessions",
    "storage": "storage: vector stores, context-cache storage, custom model storage",
    "provisioned": "provisioned throughput (PTU / model units), billed by the hour or term",
    "fee": "fees and purchases: fine-tuning training/hosting, support, commitments",
    "tax": "tax and VAT",
    "credit": "credits and promotions (negative amounts)",
    "discount": "negotiated discounts such as AWS EDP/PPA rows (negative amounts)",
    "refund": "refunds",
    "rounding": "rounding adjustments",
    "adjustment": "other provider adjustments and corrections",
    "other": "charges litecost could not classify (kept; see the description)",
}

SERVICE_TIERS = ("standard", "batch", "priority", "flex", "provisioned")

# Token categories an invoice line may carry: the litecost vocabulary without the
# informational subset `reasoning` (providers bill reasoning as output, except
# Vertex "Thinking" SKUs, which are output too).
INVOICE_CATEGORIES = tuple(c for c in CATEGORY_NAMES if c != "reasoning")


@dataclass(frozen=True)
class Charge:
    kind: str = "other"
    category: str | None = None
    model_raw: str | None = None
    service_tier: str | None = None  # None: the row's own tier (or standard)
    context_tier: str | None = None  # "long" when billed at a long-context rate
    block: int | None = None  # tokens per quantity unit stated in the label ("1M Tokens")
    route: str | None = None  # deployment type / routing that changes the price: global, datazone, regional,
    #                            cross-region-global (kept in the line's description; `region` is the location)

    def __post_init__(self) -> None:
        # Guard the vocabulary here so a parser bug cannot store a stray value.
        if self.kind not in KINDS:
            raise ValueError(f"unknown invoice line kind {self.kind!r}")
        if self.category is not None and self.category not in INVOICE_CATEGORIES:
            raise ValueError(f"unknown token category {self.category!r}")
        if self.service_tier is not None and self.service_tier not in SERVICE_TIERS:
            raise ValueError(f"unknown service tier {self.service_tier!r}")

    def row(self, label: str) -> dict[str, object]:
        return {"label": label, **asdict(self)}


def keyword_kind(text: str) -> str | None:
    """The non-token kind a free-text label names, if any (shared by all adapters)."""
    t = text.lower()
    if "web search" in t or "web_search" in t or "grounding" in t or "bing search" in t:
        return "web_search"
    if any(w in t for w in ("code interpreter", "code_interpreter", "file search", "file_search",
                            "code execution", "code_execution", "container", "session")):
        return "tool"
    if "storage" in t:
        return "storage"
    if "provisioned" in t or "ptu" in t.split() or "model unit" in t:
        return "provisioned"
    if any(w in t for w in ("training", "fine-tun", "fine tun", "finetun", "hosting", "support")):
        return "fee"
    if "tax" in t.split() or t.startswith("tax") or "vat" in t.split():
        return "tax"
    if "rounding" in t:
        return "rounding"
    if "credit" in t:
        return "credit"
    if "discount" in t:
        return "discount"
    if "refund" in t:
        return "refund"
    return None


_MODEL_FAMILIES = re.compile(
    r"\b(gpt|o\d|claude|gemini|gemma|llama|mistral|mixtral|codestral|nova|titan|command|jamba|deepseek|qwen|"
    r"phi|grok|dall|whisper|tts|embedding|sora)",
    re.IGNORECASE,
)


def names_a_model(text: str | None) -> bool:
    """Whether a label's model part names a known model family (so a non-token charge
    such as a Marketplace Claude row keeps its model, and "Azure AI Search" does not get one)."""
    return bool(text) and bool(_MODEL_FAMILIES.search(text.replace("-", " ")))

