"""Token category rules (tokens.py), checked on usage shaped as LiteLLM logs it."""

from __future__ import annotations

import json

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litecost import tokens

_CON = duckdb.connect()


def derive(usage: dict | None, prompt: int, completion: int, other_root: dict | None = None) -> dict:
    # Each usage leaf as a reader gives it: the text of the value at its path in its root.
    leaves = [f"json_extract_string(usage_{root}, '$.{path}') AS {column}" for column, root, path in tokens.usage_leaves()]
    sql = (
        "WITH raw AS (SELECT ?::BIGINT AS prompt_tokens, ?::BIGINT AS completion_tokens,"
        " ?::JSON AS usage_0, ?::JSON AS usage_1),"
        f" x AS (SELECT *, {', '.join(leaves)} FROM raw),"
        f" n AS (SELECT * REPLACE ({', '.join(tokens.usage_leaf_numbers())}) FROM x),"
        f" u AS (SELECT *, {', '.join(tokens.raw_usage_fields())} FROM n)"
        f" SELECT {', '.join(tokens.category_select())} FROM u"
    )
    cursor = _CON.execute(
        sql, [prompt, completion, json.dumps(usage) if usage is not None else None,
              json.dumps(other_root) if other_root is not None else None]
    )
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone()))
    return {c.name: row[c.column] for c in tokens.CATEGORIES}


def test_one_vocabulary():
    assert tokens.CATEGORY_NAMES == (
        "input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning",
        "audio_input", "audio_output", "image_input", "web_search",
    )


def test_openai_cached_tokens_are_inside_prompt_tokens():
    # Reference §5.2 worked example: gpt-4o-mini, 10000 prompt (6000 cached) + 300 completion.
    got = derive({"prompt_tokens_details": {"cached_tokens": 6000}}, 10000, 300)
    assert (got["input"], got["cache_read"], got["output"]) == (4000, 6000, 300)
    assert got["cache_write_5m"] == got["cache_write_1h"] == 0


def test_anthropic_current_litellm_includes_reads_and_writes_in_prompt():
    # Reference §2.4: 1200 raw in / 3000 cache write / 20000 cache read / 500 out.
    usage = {
        "prompt_tokens_details": {"cached_tokens": 20000, "cache_creation_tokens": 3000,
                                  "cache_write_tokens": 3000, "text_tokens": 1200},
        "cache_creation_input_tokens": 3000,
        "cache_read_input_tokens": 20000,
    }
    got = derive(usage, 24200, 500)
    assert (got["input"], got["cache_read"], got["cache_write_5m"], got["output"]) == (1200, 20000, 3000, 500)


def test_anthropic_old_litellm_prompt_excludes_cache_writes():
    # LiteLLM 1.74: prompt_tokens = input + cache_read; writes only at the top level.
    usage = {"prompt_tokens_details": {"cached_tokens": 20000},
             "cache_creation_input_tokens": 3000, "cache_read_input_tokens": 20000}
    got = derive(usage, 21200, 500)
    assert (got["input"], got["cache_read"], got["cache_write_5m"]) == (1200, 20000, 3000)


def test_anthropic_one_hour_cache_writes_are_split_out():
    usage = {
        "prompt_tokens_details": {"cached_tokens": 0, "cache_creation_tokens": 5000, "text_tokens": 100,
                                  "cache_creation_token_details": {"ephemeral_5m_input_tokens": 3000,
                                                                   "ephemeral_1h_input_tokens": 2000}},
        "cache_creation_input_tokens": 5000,
    }
    got = derive(usage, 5100, 10)
    assert (got["input"], got["cache_write_5m"], got["cache_write_1h"]) == (100, 3000, 2000)


def test_gemini_text_tokens_that_include_the_cache_are_not_trusted():
    # Gemini reports the whole prompt in text_tokens (LiteLLM issue 14849).
    usage = {"prompt_tokens_details": {"cached_tokens": 80000, "text_tokens": 100000}}
    got = derive(usage, 100000, 50)
    assert (got["input"], got["cache_read"]) == (20000, 80000)


def test_reasoning_is_a_subset_of_output_and_audio_is_separate():
    usage = {"prompt_tokens_details": {"audio_tokens": 200},
             "completion_tokens_details": {"reasoning_tokens": 4000, "audio_tokens": 100}}
    got = derive(usage, 1000, 5000)
    assert (got["input"], got["audio_input"]) == (800, 200)
    assert (got["output"], got["reasoning"], got["audio_output"]) == (4900, 4000, 100)


def test_second_root_is_used_when_first_lacks_a_field():
    got = derive({"prompt_tokens": 10}, 10000, 300, other_root={"prompt_tokens_details": {"cached_tokens": 6000}})
    assert got["cache_read"] == 6000


def test_no_usage_details_means_all_prompt_is_input():
    got = derive(None, 123, 45)
    assert (got["input"], got["output"], got["cache_read"]) == (123, 45, 0)


@pytest.mark.parametrize("bad", ["abc", -5, None, {"x": 1}])
def test_malformed_detail_values_are_ignored(bad):
    got = derive({"prompt_tokens_details": {"cached_tokens": bad}}, 100, 1)
    assert (got["input"], got["cache_read"]) == (100, 0)


@settings(max_examples=150, deadline=None)
@given(
    text=st.integers(0, 10**7), cache_read=st.integers(0, 10**7), cache_write=st.integers(0, 10**7),
    write_1h_share=st.floats(0, 1), completion=st.integers(0, 10**6), reasoning_share=st.floats(0, 1),
    style=st.sampled_from(["openai", "anthropic_new", "anthropic_old"]),
)
def test_categories_add_back_up_to_the_logged_prompt(text, cache_read, cache_write, write_1h_share,
                                                      completion, reasoning_share, style):
    write_1h = int(cache_write * write_1h_share)
    reasoning = int(completion * reasoning_share)
    if style == "openai":
        cache_write = write_1h = 0
        usage = {"prompt_tokens_details": {"cached_tokens": cache_read}}
        prompt = text + cache_read
    elif style == "anthropic_new":
        usage = {"prompt_tokens_details": {"cached_tokens": cache_read, "cache_creation_tokens": cache_write,
                                           "text_tokens": text,
                                           "cache_creation_token_details": {"ephemeral_1h_input_tokens": write_1h}},
                 "cache_read_input_tokens": cache_read, "cache_creation_input_tokens": cache_write}
        prompt = text + cache_read + cache_write
    else:
        write_1h = 0
        usage = {"prompt_tokens_details": {"cached_tokens": cache_read},
                 "cache_read_input_tokens": cache_read, "cache_creation_input_tokens": cache_write}
        prompt = text + cache_read
    usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    got = derive(usage, prompt, completion)
    assert got["input"] == text
    assert got["cache_read"] == cache_read
    assert got["cache_write_5m"] + got["cache_write_1h"] == cache_write
    assert got["cache_write_1h"] == write_1h
    assert got["output"] == completion
    assert got["reasoning"] == reasoning


def test_the_category_vocabulary_derives_price_keys_fallbacks_and_cost_columns():
    from litecost.pricing.keys import CATEGORY_FALLBACK, CATEGORY_KEYS
    from litecost.pricing.repricing import BASE_COSTS, COST_COLUMNS
    from litecost.tokens import CATEGORIES, COSTED_CATEGORIES

    assert CATEGORY_KEYS["cache_write_1h"] == "cache_creation_input_token_cost_above_1hr"
    assert len(set(CATEGORY_KEYS.values())) == len(CATEGORY_KEYS)
    assert all(target in CATEGORY_KEYS for target in CATEGORY_FALLBACK.values())
    # Every priced category is costed on its own column, except reasoning (inside output).
    assert [c.name for c in COSTED_CATEGORIES] == [n for n in CATEGORY_KEYS if n != "reasoning"]
    assert COST_COLUMNS == tuple(f"cost_{n}" for n in BASE_COSTS)
    assert "web_search" not in CATEGORY_KEYS and len(CATEGORIES) == 10


def test_one_rule_names_the_billing_provider():
    from litecost.pricing.entries import PriceEntry
    from litecost.providers import billing_provider

    assert [billing_provider(p) for p in ("azure_ai", "vertex_ai-language-models", "bedrock_converse", None, "OpenAI")] == [
        "azure", "vertex_ai", "bedrock", "unknown", "openai"]
    # A price entry for Azure prices Azure AI Foundry calls of the same name, as the bill does.
    entry = PriceEntry(2, "overrides.yaml", "gpt-4o", provider="azure")
    assert entry.matches("gpt-4o", "azure_ai") and not entry.matches("gpt-4o", "openai")
