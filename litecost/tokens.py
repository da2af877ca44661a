"""The one vocabulary of token categories, and the rules that derive it from LiteLLM usage.

Every part of litecost (sources, price book, invoices, reports) speaks of tokens in
these categories and nothing else. This module is the only place that knows how
LiteLLM's raw usage fields (`prompt_tokens`, `prompt_tokens_details.cached_tokens`,
`cache_creation_input_tokens`, ...) map onto them. It produces SQL expressions, so
the derivation runs inside DuckDB over whole files (no Python loop per call).

Rules (see shared reference `litellm-formats.md` §2.2, §5.2, §5.3):

* `prompt_tokens` as LiteLLM logs it is cache-inclusive: OpenAI's cached tokens are a
  subset of it, and current LiteLLM adds Anthropic cache reads *and* writes to it.
* LiteLLM up to the 1.74 era added only Anthropic cache *reads* to `prompt_tokens`.
  Such rows carry top-level `cache_creation_input_tokens` but no
  `prompt_tokens_details.cache_creation_tokens` / `cache_write_tokens` / `text_tokens`;
  for them the cache writes are not subtracted again.
* When `prompt_tokens_details.text_tokens` is present and consistent, it *is* the
  uncached text input; when it is inconsistent (Gemini reports the whole prompt there)
  the subtraction rule is used, as LiteLLM's own double-count guard does.
* Reasoning tokens are a subset of completion tokens: `output` includes them and
  `reasoning` is informational. Audio output is priced on its own and so is not in
  `output`.
* Video input tokens stay inside `input` (no separate category yet).
* Anthropic 1-hour cache writes come from `cache_creation_token_details`
  (`ephemeral_1h_input_tokens`); every other cache write counts as `cache_write_5m`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenCategory:
    name: str  # the category as users, price books and invoices name it
    column: str  # the column in `calls`
    description: str
    additive: bool = True  # False: a subset of another category, never summed into totals
    price_key: str | None = None  # LiteLLM's price-map key for it; None: not priced per token
    fallback: str | None = None  # the category whose rate LiteLLM bills it at when it has no price
    cache_duration: str | None = None  # a prompt-cache write's TTL ("5m", "1h"), as FOCUS x_CacheDuration says it

    @property
    def cost_column(self) -> str | None:
        """The re-priced cost column of a category with a cost of its own (reasoning is
        inside output's cost, at its own rate; web search is a count)."""
        return f"cost_{self.name}" if self.price_key and self.additive else None


CATEGORIES: tuple[TokenCategory, ...] = (
    TokenCategory("input", "input_tokens", "uncached input tokens (text, incl. video)",
                  price_key="input_cost_per_token"),
    TokenCategory("cache_read", "cache_read_tokens", "input tokens read from the provider's prompt cache",
                  price_key="cache_read_input_token_cost", fallback="input"),
    TokenCategory("cache_write_5m", "cache_write_5m_tokens", "input tokens written to the prompt cache (5-minute TTL)",
                  price_key="cache_creation_input_token_cost", fallback="input", cache_duration="5m"),
    TokenCategory("cache_write_1h", "cache_write_1h_tokens", "input tokens written to the prompt cache (1-hour TTL)",
                  price_key="cache_creation_input_token_cost_above_1hr", fallback="cache_write_5m", cache_duration="1h"),
    TokenCategory("output", "output_tokens", "output tokens, reasoning included, audio excluded",
                  price_key="output_cost_per_token"),
    TokenCategory("reasoning", "reasoning_tokens", "reasoning tokens (a subset of output)", additive=False,
                  price_key="output_cost_per_reasoning_token", fallback="output"),
    TokenCategory("audio_input", "audio_input_tokens", "audio input tokens",
                  price_key="input_cost_per_audio_token", fallback="input"),
    TokenCategory("audio_output", "audio_output_tokens", "audio output tokens",
                  price_key="output_cost_per_audio_token", fallback="output"),
    TokenCategory("image_input", "image_input_tokens", "image input tokens",
                  price_key="input_cost_per_image_token", fallback="input"),
    TokenCategory("web_search", "web_search_requests", "web search requests (a count, not tokens)", additive=False),
)

CATEGORY_BY_NAME = {c.name: c for c in CATEGORIES}
CATEGORY_NAMES = tuple(c.name for c in CATEGORIES)
CATEGORY_COLUMNS = tuple(c.column for c in CATEGORIES)
# Categories with a cost column of their own after re-pricing, in column order.
COSTED_CATEGORIES = tuple(c for c in CATEGORIES if c.cost_column)
# The categories a provider may bill one prompt's tokens under: uncached input and the
# cache reads and writes carved out of it (a bill and a log can split them differently).
INPUT_SIDE = ("input", "cache_read", "cache_write_5m", "cache_write_1h")

# Raw usage fields, each looked up under every usage root (in order) at these relative
# paths; the first one present wins. A reader gives the value at each path under each of
# USAGE_ROOTS roots (`usage_leaves`); `raw_usage_fields` picks from them.
_PTD = "prompt_tokens_details"
_CTD = "completion_tokens_details"
RAW_USAGE_PATHS: dict[str, tuple[str, ...]] = {
    "u_cache_read": ("cache_read_input_tokens", f"{_PTD}.cached_tokens"),
    "u_cache_write": (
        "cache_creation_input_tokens",
        f"{_PTD}.cache_write_tokens",
        f"{_PTD}.cache_creation_tokens",
    ),
    "u_cache_write_1h": (
        f"{_PTD}.cache_creation_token_details.ephemeral_1h_input_tokens",
        "cache_creation.ephemeral_1h_input_tokens",
    ),
    "u_text": (f"{_PTD}.text_tokens",),
    "u_audio_in": (f"{_PTD}.audio_tokens",),
    "u_image_in": (f"{_PTD}.image_tokens",),
    "u_video_in": (f"{_PTD}.video_tokens",),
    "u_reasoning": (f"{_CTD}.reasoning_tokens",),
    "u_audio_out": (f"{_CTD}.audio_tokens",),
    "u_web_search": ("server_tool_use.web_search_requests", f"{_PTD}.web_search_requests"),
    # Present only in LiteLLM versions whose prompt_tokens include cache writes.
    "u_new_style_marker": (
        f"{_PTD}.cache_creation_tokens",
        f"{_PTD}.cache_write_tokens",
        f"{_PTD}.text_tokens",
    ),
}


# The usage roots a reader gives leaves of, in order of precedence: the usage LiteLLM
# logged for the call, then a second copy of it (SpendLogs' usage_object after its
# additional_usage_values; a callback's hidden_params after its metadata).
USAGE_ROOTS = 2
_LEAF_PATHS = tuple(dict.fromkeys(path for candidates in RAW_USAGE_PATHS.values() for path in candidates))


def usage_leaves() -> list[tuple[str, int, str]]:
    """(column, root, relative path) of every usage leaf a reader gives: the text of the
    JSON value at that path under that root (NULL when absent)."""
    return [(f"usage_{root}_{i}", root, path) for root in range(USAGE_ROOTS) for i, path in enumerate(_LEAF_PATHS)]


def usage_leaf_numbers() -> list[str]:
    """SELECT ... REPLACE items that read every usage leaf as a number, once (each is
    looked at up to three times by `raw_usage_fields`)."""
    return [f"TRY_CAST({column} AS DOUBLE) AS {column}" for column, _, _ in usage_leaves()]


def _count(number: str) -> str:
    """A number (DOUBLE) as a non-negative whole count, NULL when absent or out of range."""
    return f"CASE WHEN {number} >= 0 AND {number} < 1e15 THEN CAST({number} AS BIGINT) END"


def raw_usage_fields() -> list[str]:
    """SELECT items of every raw usage field, over the leaves of `usage_leaves` read as
    numbers (`usage_leaf_numbers`)."""
    column = {(root, path): name for name, root, path in usage_leaves()}
    return [
        f"coalesce({', '.join(_count(column[root, path]) for root in range(USAGE_ROOTS) for path in candidates)}) AS {name}"
        for name, candidates in RAW_USAGE_PATHS.items()
    ]


def category_select(prompt: str = "prompt_tokens", completion: str = "completion_tokens") -> list[str]:
    """SELECT items deriving every category column from the raw usage fields.

    `prompt` and `completion` name the already-validated BIGINT token counts.
    """
    cache_read = "coalesce(u_cache_read, 0)"
    cache_write = "coalesce(u_cache_write, 0)"
    write_1h = f"least(coalesce(u_cache_write_1h, 0), {cache_write})"
    audio_in = "coalesce(u_audio_in, 0)"
    image_in = "coalesce(u_image_in, 0)"
    video_in = "coalesce(u_video_in, 0)"
    audio_out = "least(coalesce(u_audio_out, 0), " + completion + ")"
    old_litellm_anthropic = f"({cache_write} > 0 AND u_new_style_marker IS NULL)"
    subtracted = (
        f"{prompt} - {cache_read} - {audio_in} - {image_in}"
        f" - CASE WHEN {old_litellm_anthropic} THEN 0 ELSE {cache_write} END"
    )
    text_consistent = (
        f"(u_text IS NOT NULL AND u_text + {cache_read} + {cache_write} + {audio_in}"
        f" + {image_in} + {video_in} <= {prompt})"
    )
    uncached = f"greatest(CASE WHEN {text_consistent} THEN u_text + {video_in} ELSE {subtracted} END, 0)"
    return [
        f"{uncached} AS input_tokens",
        f"{cache_read} AS cache_read_tokens",
        f"{cache_write} - {write_1h} AS cache_write_5m_tokens",
        f"{write_1h} AS cache_write_1h_tokens",
        f"greatest({completion} - {audio_out}, 0) AS output_tokens",
        f"least(coalesce(u_reasoning, 0), {completion}) AS reasoning_tokens",
        f"{audio_in} AS audio_input_tokens",
        f"{audio_out} AS audio_output_tokens",
        f"{image_in} AS image_input_tokens",
        "coalesce(u_web_search, 0) AS web_search_requests",
    ]
