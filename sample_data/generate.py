#!/usr/bin/env python3
"""Deterministic generator of realistic LiteLLM spend data for litecost.

Usage
-----
    python sample_data/generate.py                      # writes the October 2026 month into sample_data/
    python sample_data/generate.py --out DIR            # ... into DIR
    python sample_data/generate.py --fixtures tests/data   # the small test fixtures (Parquet needs duckdb)
    python sample_data/generate.py --validate           # re-reads what was written and checks it

Standard library only (the one Parquet fixture is written with duckdb when it is importable).
No clock reads, no network: every value comes from ``random.Random(20261001)`` and the
constants below, so two runs write byte-identical files.

What it writes (month)
----------------------
* ``spendlogs_2026-10.csv`` -- what ``psql -c "\\copy \\"LiteLLM_SpendLogs\\" TO 'f.csv' CSV HEADER"``
  prints for a LiteLLM 1.110.2 database: the 36 columns in the Prisma schema order of the
  reference (§1.1); ``metadata``/``request_tags``/``messages``/``response``/
  ``proxy_server_request`` are ``jsonb`` columns, so they are written the way Postgres prints
  jsonb (object keys re-ordered shortest-first then bytewise, ``", "``/``": "`` separators,
  numbers in ``numeric`` notation: ``2.5e-06`` becomes ``0.0000025``); ``spend`` is
  ``double precision`` (shortest round-trip text, ``0`` not ``0.0``); timestamps are
  ``timestamp(3)`` (``2026-10-01 14:02:11.12`` -- trailing zeros dropped, no fraction at all
  for whole seconds); NULL is an unquoted empty field, the empty string is ``""``; lines end
  in ``\\n``. Rows are in insert order (``created_at``), which is *not* ``startTime`` order.
* ``callbacks_2026-10.jsonl`` -- one ``StandardLoggingPayload`` per line, as a CustomLogger
  doing ``f.write(json.dumps(kwargs["standard_logging_object"]) + "\\n")`` writes it, in
  callback order (``endTime``). Same calls, same facts; ``id`` == ``request_id``.
* ``expected_totals.json`` -- figures computed here, independently of litecost.

Deliberate choices (also in sample_data/README.md)
--------------------------------------------------
* Traffic: 2,500 calls with ``startTime`` in [2026-10-01, 2026-11-01) UTC. Weekdays weigh 1,
  weekends 0.2-0.5 (the nightly ``batch-etl`` job runs every day, 01:00-05:00 UTC); daytime
  keys follow a 07:00-19:00 UTC business-hours curve; Mon 12 - Sun 18 October is a busier
  launch week (x1.5-1.9). The first call starts at exactly 2026-10-01 00:00:00.000 (printed
  without a fraction) and the last starts 2026-10-31 23:59:58.75 and *ends* on 1 November.
* Deployments (price entries from the reference §6.1, model_map_information carries them):
  ``gpt-4o-mini``, ``gpt-4o``, ``o3-mini`` on ``openai``; ``azure/gpt-4o`` (model ``gpt-4o``,
  group ``gpt-4o-eu``) on ``azure``; ``claude-sonnet-4-5-20250929`` on ``anthropic`` and
  ``global.anthropic.claude-sonnet-4-5-20250929-v1:0`` on ``bedrock`` -- both behind ONE
  model group ``claude-sonnet-4-5`` (router load-balancing, so group != deployment);
  ``gemini-2.5-pro`` on ``gemini`` (map key ``gemini/gemini-2.5-pro``) and on ``vertex_ai``
  (map key ``gemini-2.5-pro``, group ``gemini-2.5-pro-vertex``). Model ``gpt-4o`` and model
  ``gemini-2.5-pro`` each occur under two providers.
  The Bedrock entry uses the ``global.`` cross-region profile, whose rates equal Anthropic's
  (the ``us.`` profile is priced ~10% higher in LiteLLM's map; not used, to keep "same rates").
* Usage exactly as LiteLLM 1.110.2 normalises it (reference §2.2, §5.3):
  - OpenAI/Azure: ``prompt_tokens`` includes ``prompt_tokens_details.cached_tokens`` (multiples
    of 128 above 1,024); ``completion_tokens_details.reasoning_tokens`` (o3-mini) is a subset of
    ``completion_tokens``; ``additional_usage_values`` gets a top-level
    ``cache_read_input_tokens`` when cached_tokens > 0 (1.110.2 adds it; usage_object does not
    have it).
  - Anthropic: ``prompt_tokens = input + cache_creation + cache_read``;
    ``prompt_tokens_details = {cached_tokens, text_tokens (= raw input), cache_creation_tokens,
    cache_write_tokens, cache_creation_token_details: {ephemeral_5m_input_tokens,
    ephemeral_1h_input_tokens}}``; top-level ``cache_creation_input_tokens`` /
    ``cache_read_input_tokens``. 1-hour writes occur only on the ``code-assistant`` key.
  - Bedrock Claude: same prompt_tokens semantics but no ``text_tokens`` and no 5m/1h split
    (``cache_creation_token_details`` absent => every write is a 5-minute write).
  - Gemini / Vertex: ``prompt_tokens`` includes ``cached_tokens``; ``text_tokens`` is the
    *whole* prompt (Gemini's TEXT modality count includes cached tokens, cf. issue 14849), so
    ``text_tokens + cached_tokens > prompt_tokens`` when there is a cache read and the uncached
    input is ``prompt_tokens - cached_tokens`` (LiteLLM's double-count guard). Thinking tokens
    are ``reasoning_tokens`` and are inside ``completion_tokens``.
  - No audio calls (gpt-4o's price entry has no audio rates; the optional audio calls were
    left out rather than inventing prices), so audio totals are 0.
* Cost: LiteLLM's ``generic_cost_per_token`` (§5.2): uncached*input + cache_read*cache_read_rate
  + 5m writes*cache_creation_rate + 1h writes*cache_creation_above_1hr + completion*output
  (reasoning at the output rate: none of these entries has output_cost_per_reasoning_token).
  Gemini tier: when ``prompt_tokens`` (cache-inclusive) > 200,000, every token of the call uses
  the ``_above_200k_tokens`` rates. ``cost_breakdown`` as LiteLLM stores it: ``input_cost`` is the
  whole prompt side (cache included), ``cache_read_cost``/``cache_creation_cost`` are subsets
  of it, ``reasoning_cost`` (present when there are reasoning tokens) a subset of
  ``output_cost``; ``original_cost`` is before adjustment, ``total_cost`` == ``spend``.
  ``cost_discount_config: {vertex_ai: 0.05}``: vertex rows have ``discount_percent`` 0.05,
  ``discount_amount`` = 5% and ``spend`` = ``original_cost - discount_amount``.
* Keys: 8 virtual keys. ``api_key`` is sha256 of an invented, non-secret string (never an
  ``sk-`` value). Aliases ``support-bot``, ``search-backend``, ``batch-etl``, ``eval-harness``,
  ``growth-experiments``, ``code-assistant``, ``alice-laptop`` and one personal key with NO
  alias. ``batch-etl`` was regenerated on 2026-10-15 10:00 UTC: same alias, two hashes.
  4 teams (uuid ``team_id``; ``team_alias`` only in metadata), one organization, 8 internal
  users (one owner per key: SpendLogs ``user`` is the key owner, so there cannot be more users
  than keys), end users on ``support-bot`` and ``growth-experiments``. About 1% of calls come
  with no key at all (``api_key`` "", no user/team, no tags, NULL IP).
* Tags: key tags + request tags, then LiteLLM's automatic pair
  ``"User-Agent: <product>"``, ``"User-Agent: <full UA>"``. ``batch-etl`` upgrades its SDK on
  2026-10-14, so its UA tags change mid-month. Key-less calls have ``[]``.
* Failures (1%): ``status`` failure, request_id = litellm_call_id (uuid, no provider id),
  tokens 0, spend 0, ``metadata.error_information`` filled, ``usage_object`` null,
  ``additional_usage_values`` {}; in the callbacks ``error_str`` and ``error_information``.
* LiteLLM cache hits (2%, only on the two keys with the proxy cache on): a later identical
  request answered from cache: ``request_id = <original id>_cache_hit<time.time()>``,
  ``cache_hit`` "True" / true, spend 0, same tokens and ``cache_key`` as the original, no
  ``cost_breakdown``, ``saved_cache_cost`` = what it would have cost. (Real LiteLLM puts the
  *unsuffixed* provider id in the callback payload's ``id``; here ``id`` == ``request_id`` so
  both files give identical canonical rows, as asked.) Cache-enabled keys log ``cache_hit``
  "False" + a 64-hex ``cache_key`` on misses; the others log "None" + "Cache OFF".
* Times are generated with millisecond precision so Postgres' ``timestamp(3)`` and the epoch
  floats of the callbacks describe the same instants exactly.
* Request ids: ``chatcmpl-`` + 29 alphanumerics (OpenAI, Azure), ``msg_01`` + 22 (Anthropic),
  ``chatcmpl-<uuid4>`` (Bedrock Converse: LiteLLM makes the id), 23-char responseId
  (Gemini/Vertex), uuid4 (failures).
* ``code-assistant`` is Claude Code through the proxy: ``call_type`` ``anthropic_messages``,
  streaming, long cached contexts, calls grouped into sessions (shared ``session_id``).
"""

from __future__ import annotations

import argparse
import copy
import csv
import gzip
import hashlib
import io
import json
import random
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

SEED = 20261001
N_CALLS = 2500
MONTH_START = datetime(2026, 10, 1)  # naive UTC, like the SpendLogs columns
MONTH_END = datetime(2026, 11, 1)
EPOCH = datetime(1970, 1, 1)
UTC = timezone.utc
LITELLM_VERSION = "1.110.2"

# ---------------------------------------------------------------------------
# Price entries (reference §6.1). Only cost keys are carried, plus explicit nulls for the
# standard ModelInfo rate keys the entry lacks (that is how model_map_value looks).
# ---------------------------------------------------------------------------

# model_map_value carries the standard-tier token rates only (plus key, max tokens, provider,
# mode). Real entries also hold batch/priority/flex rates and capability flags; they are left out
# to keep the files small (none of these calls is a batch/priority/flex call).
_MAP_VALUE_KEYS = (
    "input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost",
    "cache_creation_input_token_cost", "cache_creation_input_token_cost_above_1hr",
    "input_cost_per_token_above_200k_tokens", "output_cost_per_token_above_200k_tokens",
    "cache_read_input_token_cost_above_200k_tokens", "cache_creation_input_token_cost_above_200k_tokens",
)
# ModelInfo keys that are null (not absent) when an entry has no such rate.
_NULL_RATES = ("cache_creation_input_token_cost", "cache_read_input_token_cost", "output_cost_per_reasoning_token")


def _model_info(key: str, entry: dict) -> dict:
    info = {"key": key, "max_tokens": entry.get("max_output_tokens")}
    for k in ("max_input_tokens", "max_output_tokens"):
        if k in entry:
            info[k] = entry[k]
    for k in _MAP_VALUE_KEYS:
        if k in entry:
            info[k] = entry[k]
    for k in _NULL_RATES:
        info.setdefault(k, None)
    info["litellm_provider"] = entry["litellm_provider"]
    info["mode"] = entry["mode"]
    return info


PRICE_ENTRIES = {
    "gpt-4o-mini": {
        "litellm_provider": "openai", "mode": "chat", "max_input_tokens": 128000, "max_output_tokens": 16384,
        "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07, "cache_read_input_token_cost": 7.5e-08,
        "input_cost_per_token_batches": 7.5e-08, "output_cost_per_token_batches": 3e-07,
        "input_cost_per_token_priority": 2.5e-07, "output_cost_per_token_priority": 1e-06,
        "cache_read_input_token_cost_priority": 1.25e-07, "fedramp_uplift_multiplier": 1.1,
        "search_context_cost_per_query": {"search_context_size_low": 0.025, "search_context_size_medium": 0.025,
                                          "search_context_size_high": 0.025},
    },
    "gpt-4o": {
        "litellm_provider": "openai", "mode": "chat", "max_input_tokens": 128000, "max_output_tokens": 16384,
        "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06,
        "input_cost_per_token_batches": 1.25e-06, "output_cost_per_token_batches": 5e-06,
        "input_cost_per_token_priority": 4.25e-06, "output_cost_per_token_priority": 1.7e-05,
        "cache_read_input_token_cost_priority": 2.125e-06, "fedramp_uplift_multiplier": 1.1,
    },
    "o3-mini": {
        "litellm_provider": "openai", "mode": "chat", "max_input_tokens": 200000, "max_output_tokens": 100000,
        "input_cost_per_token": 1.1e-06, "output_cost_per_token": 4.4e-06, "cache_read_input_token_cost": 5.5e-07,
        "supports_reasoning": True,
    },
    "azure/gpt-4o": {
        "litellm_provider": "azure", "mode": "chat", "max_input_tokens": 128000, "max_output_tokens": 16384,
        "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06,
        "input_cost_per_token_batches": 1.25e-06, "output_cost_per_token_batches": 5e-06,
    },
    "claude-sonnet-4-5-20250929": {
        "litellm_provider": "anthropic", "mode": "chat", "max_input_tokens": 200000, "max_output_tokens": 64000,
        "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
        "cache_creation_input_token_cost": 3.75e-06, "cache_creation_input_token_cost_above_1hr": 6e-06,
        "cache_read_input_token_cost": 3e-07,
        "input_cost_per_token_batches": 1.5e-06, "output_cost_per_token_batches": 7.5e-06,
        "cache_creation_input_token_cost_batches": 1.875e-06, "cache_read_input_token_cost_batches": 1.5e-07,
        "prompt_cache_min_tokens": 1024,
        "search_context_cost_per_query": {"search_context_size_low": 0.01, "search_context_size_medium": 0.01,
                                          "search_context_size_high": 0.01},
    },
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0": {
        "litellm_provider": "bedrock_converse", "mode": "chat", "max_input_tokens": 200000, "max_output_tokens": 64000,
        "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
        "cache_creation_input_token_cost": 3.75e-06, "cache_read_input_token_cost": 3e-07,
    },
    "gemini/gemini-2.5-pro": {
        "litellm_provider": "gemini", "mode": "chat", "max_input_tokens": 1048576, "max_output_tokens": 65536,
        "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-07,
        "input_cost_per_token_above_200k_tokens": 2.5e-06, "output_cost_per_token_above_200k_tokens": 1.5e-05,
        "cache_read_input_token_cost_above_200k_tokens": 2.5e-07,
        "input_cost_per_token_batches": 6.25e-07, "output_cost_per_token_batches": 5e-06,
        "cache_read_input_token_cost_batches": 1.25e-07,
        "input_cost_per_token_above_200k_tokens_batches": 1.25e-06,
        "output_cost_per_token_above_200k_tokens_batches": 7.5e-06,
        "cache_read_input_token_cost_above_200k_tokens_batches": 2.5e-07,
        "input_cost_per_token_flex": 6.25e-07, "output_cost_per_token_flex": 5e-06,
        "input_cost_per_token_priority": 2.25e-06, "output_cost_per_token_priority": 1.8e-05,
        "input_cost_per_token_above_200k_tokens_priority": 4.5e-06,
        "output_cost_per_token_above_200k_tokens_priority": 2.7e-05,
        "prompt_cache_min_tokens": 2048, "google_maps_grounding_cost_per_query": 0.025,
        "search_free_requests": {"count": 10000, "period": "day", "shared_group": "gemini-2.5-pro"},
    },
    "gemini-2.5-pro": {
        "litellm_provider": "vertex_ai-language-models", "mode": "chat", "max_input_tokens": 1048576,
        "max_output_tokens": 65535,
        "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-07,
        "input_cost_per_token_above_200k_tokens": 2.5e-06, "output_cost_per_token_above_200k_tokens": 1.5e-05,
        "cache_read_input_token_cost_above_200k_tokens": 2.5e-07,
        "cache_creation_input_token_cost_above_200k_tokens": 2.5e-07,
    },
}
MODEL_MAP = {k: _model_info(k, v) for k, v in PRICE_ENTRIES.items()}

# LiteLLM 1.74.0 map entries (reference §6.1, "[W174]") for the old-version fixture.
PRICE_ENTRIES_174 = {
    "claude-sonnet-4-20250514": {
        "litellm_provider": "anthropic", "mode": "chat", "max_input_tokens": 200000, "max_output_tokens": 64000,
        "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
        "cache_creation_input_token_cost": 3.75e-06, "cache_read_input_token_cost": 3e-07,
    },
    "azure/gpt-4o": {
        "litellm_provider": "azure", "mode": "chat", "max_input_tokens": 128000, "max_output_tokens": 16384,
        "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06,
    },
    "gemini-2.5-pro": {
        "litellm_provider": "vertex_ai-language-models", "mode": "chat", "max_input_tokens": 1048576,
        "max_output_tokens": 65535,
        "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
        "input_cost_per_token_above_200k_tokens": 2.5e-06, "output_cost_per_token_above_200k_tokens": 1.5e-05,
    },
}
MODEL_MAP_174 = {k: _model_info(k, v) for k, v in PRICE_ENTRIES_174.items()}

DISCOUNTS = {"vertex_ai": 0.05}  # cost_discount_config


# ---------------------------------------------------------------------------
# Deployments, teams, keys
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Deployment:
    name: str            # short handle used in this script
    model_group: str     # public model_name (router group)
    model: str           # SpendLogs `model`
    provider: str        # custom_llm_provider
    map_key: str         # model_map_information.model_map_key
    litellm_model: str   # litellm_params.model (hidden_params.litellm_model_name)
    api_base: str
    usage_style: str     # openai | anthropic | bedrock | gemini
    id_style: str        # openai | anthropic | uuid | gemini
    response_model: str  # the model name the provider answers with
    ms_per_token: float


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


DEPLOYMENTS = {d.name: d for d in (
    Deployment("gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "openai", "gpt-4o-mini", "openai/gpt-4o-mini",
               "https://api.openai.com/v1", "openai", "openai", "gpt-4o-mini-2024-07-18", 9.0),
    Deployment("gpt-4o", "gpt-4o", "gpt-4o", "openai", "gpt-4o", "openai/gpt-4o",
               "https://api.openai.com/v1", "openai", "openai", "gpt-4o-2024-08-06", 13.0),
    Deployment("o3-mini", "o3-mini", "o3-mini", "openai", "o3-mini", "openai/o3-mini",
               "https://api.openai.com/v1", "openai", "openai", "o3-mini-2025-01-31", 7.0),
    Deployment("azure-gpt-4o", "gpt-4o-eu", "gpt-4o", "azure", "azure/gpt-4o", "azure/gpt-4o-eu-prod",
               "https://acme-swedencentral.openai.azure.com", "openai", "openai", "gpt-4o-2024-11-20", 14.0),
    Deployment("claude", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "anthropic",
               "claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4-5-20250929",
               "https://api.anthropic.com/v1/messages", "anthropic", "anthropic", "claude-sonnet-4-5-20250929", 16.0),
    Deployment("bedrock-claude", "claude-sonnet-4-5", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock",
               "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
               "bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0",
               "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
               "global.anthropic.claude-sonnet-4-5-20250929-v1:0/converse",
               "bedrock", "uuid", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", 17.0),
    Deployment("gemini", "gemini-2.5-pro", "gemini-2.5-pro", "gemini", "gemini/gemini-2.5-pro",
               "gemini/gemini-2.5-pro",
               "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent",
               "gemini", "gemini", "gemini-2.5-pro", 8.0),
    Deployment("vertex-gemini", "gemini-2.5-pro-vertex", "gemini-2.5-pro", "vertex_ai", "gemini-2.5-pro",
               "vertex_ai/gemini-2.5-pro",
               "https://aiplatform.googleapis.com/v1/projects/acme-ml-prod/locations/global/publishers/google/"
               "models/gemini-2.5-pro:generateContent",
               "gemini", "gemini", "gemini-2.5-pro", 8.0),
    # only in the LiteLLM 1.74.0 fixture (July 2025; Sonnet 4.5 did not exist yet)
    Deployment("claude4", "claude-sonnet-4", "claude-sonnet-4-20250514", "anthropic",
               "claude-sonnet-4-20250514", "anthropic/claude-sonnet-4-20250514",
               "https://api.anthropic.com/v1/messages", "anthropic", "anthropic", "claude-sonnet-4-20250514", 16.0),
)}
# Router deployment ids: LiteLLM hashes the litellm_params of config-defined deployments.
MODEL_IDS = {name: _sha(f"{d.litellm_model}|{d.api_base}|acme-proxy-config") for name, d in DEPLOYMENTS.items()}

ORG_ID = "3f6c2a1e-8d4b-4e7a-9c15-6b2f0d9e4a71"
ORG_ALIAS = "acme"


@dataclass(frozen=True)
class Team:
    team_id: str
    alias: str


TEAMS = {
    "support": Team("0b7e5c7a-2f1d-4c3e-8a9b-5d6e7f801234", "Support"),
    "search": Team("5a1c9e3f-7b2d-4f6a-8e0c-1d2b3c4d5e6f", "Search"),
    "platform": Team("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "Platform"),
    "growth": Team("c4d3e2f1-0a9b-4c8d-9e7f-6a5b4c3d2e1f", "Growth"),
}


@dataclass
class Key:
    alias: str | None
    secret_seed: str          # invented, non-secret string; only its sha256 is ever written
    team: str | None
    user_id: str
    user_agent: str
    key_tags: list
    request_tag_choices: list  # list of (tags list, weight)
    models: list               # list of (deployment name, weight)
    share: float
    weekend: float
    busy: float
    hours: str                 # business | night | late
    stream_p: float
    cache_on: bool
    end_users: list
    ips: list
    call_type: str = "acompletion"

    @property
    def hash(self) -> str:
        return _sha(self.secret_seed)


BUSINESS_HOURS = [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 12, 10, 12, 12, 12, 11, 9, 7, 5, 3, 2, 1, 1]
NIGHT_HOURS = [3, 14, 16, 16, 12, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]
LATE_HOURS = [1, 1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 10, 11, 12, 12, 11, 10, 9, 7, 5, 3, 2]

KEYS = {
    "support-bot": Key(
        "support-bot", "litecost-demo-virtual-key/support-bot/v1", "support", "priya.raman@acme.example",
        "OpenAI/Python 1.99.1", ["app:support", "env:prod"],
        [([], 5), (["feature:summarize"], 3), (["feature:reply-draft"], 3)],
        [("gpt-4o-mini", 70), ("claude", 30)], 0.25, 0.5, 1.9, "business", 0.7, True,
        [f"cust_{n:04d}" for n in (1021, 1187, 1204, 1330, 1456, 1502, 1623, 1799, 1815, 1950, 2044, 2101)],
        ["10.20.1.15", "10.20.1.16", "10.20.1.17"]),
    "search-backend": Key(
        "search-backend", "litecost-demo-virtual-key/search-backend/v1", "search", "marco.bianchi@acme.example",
        "python-requests/2.32.3", ["app:search", "team:search", "env:prod"],
        [(["feature:query-rewrite"], 5), (["feature:rerank"], 3), (["feature:summarize"], 2)],
        [("gpt-4o-mini", 45), ("gpt-4o", 20), ("azure-gpt-4o", 25), ("gemini", 10)], 0.22, 0.3, 1.8,
        "business", 0.0, True, [], ["10.20.3.41", "10.20.3.42"]),
    "batch-etl": Key(
        "batch-etl", "litecost-demo-virtual-key/batch-etl/v1", "platform", "jin.park@acme.example",
        "OpenAI/Python 1.99.1", ["env:prod"],
        [(["feature:summarize"], 5), (["feature:extract"], 4), (["feature:summarize", "feature:extract"], 1)],
        [("gemini", 40), ("vertex-gemini", 30), ("gpt-4o-mini", 30)], 0.14, 1.0, 1.5, "night", 0.0, False,
        [], ["10.30.0.7"]),
    "eval-harness": Key(
        "eval-harness", "litecost-demo-virtual-key/eval-harness/v1", "platform", "sofia.alvarez@acme.example",
        "OpenAI/Python 1.109.1", ["env:staging", "feature:eval"],
        [([], 1)],
        [("o3-mini", 50), ("bedrock-claude", 30), ("gpt-4o", 20)], 0.08, 0.2, 1.5, "business", 0.0, False,
        [], ["10.30.0.12"]),
    "growth-experiments": Key(
        "growth-experiments", "litecost-demo-virtual-key/growth-experiments/v1", "growth",
        "tom.becker@acme.example", "OpenAI/JS 5.23.0", ["app:growth"],
        [(["env:prod", "feature:copywriting"], 4), (["env:staging", "feature:copywriting"], 3), (["env:staging"], 2)],
        [("claude", 50), ("azure-gpt-4o", 50)], 0.08, 0.3, 1.6, "late", 0.5, False,
        [f"acct_{s}" for s in ("7QK2", "9ZD4", "B3LM", "C8XP", "F1RT", "H6WN", "M2VE", "T5JA")],
        ["172.16.4.21", "172.16.4.22"]),
    "code-assistant": Key(
        "code-assistant", "litecost-demo-virtual-key/code-assistant/v1", "platform", "lena.fischer@acme.example",
        "claude-cli/2.0.14 (external, cli)", ["app:code-assistant"],
        [(["env:prod"], 3), ([], 2)],
        [("claude", 60), ("bedrock-claude", 40)], 0.14, 0.2, 1.5, "business", 0.95, False,
        [], ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"], "anthropic_messages"),
    "alice-laptop": Key(
        "alice-laptop", "litecost-demo-virtual-key/alice-laptop/v1", None, "alice.nguyen@acme.example",
        "curl/8.5.0", [],
        [([], 3), (["env:dev"], 2)],
        [("gpt-4o", 30), ("claude", 30), ("o3-mini", 20), ("gpt-4o-mini", 20)], 0.04, 0.5, 1.0, "late", 0.5, False,
        [], ["192.0.2.44"]),
    "bob-personal": Key(
        None, "litecost-demo-virtual-key/bob-personal/v1", None, "bob.kowalski@acme.example",
        "python-httpx/0.28.1", [],
        [([], 1)],
        [("gpt-4o-mini", 60), ("gemini", 40)], 0.03, 0.3, 1.0, "business", 0.0, False,
        [], ["198.51.100.23"]),
}
NO_KEY_SHARE = 0.01
NO_KEY_MODELS = [("gpt-4o-mini", 1)]
BATCH_ETL_V2_SEED = "litecost-demo-virtual-key/batch-etl/v2"
BATCH_ETL_REGENERATED_AT = datetime(2026, 10, 15, 10, 0, 0)
BATCH_ETL_NEW_UA = "OpenAI/Python 2.1.0"
BATCH_ETL_UA_CHANGE = datetime(2026, 10, 14)

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
B64URL = ALNUM + "-_"


# ---------------------------------------------------------------------------
# The call
# ---------------------------------------------------------------------------

@dataclass
class Tokens:
    uncached: int = 0       # canonical `input`
    cache_read: int = 0
    cw5m: int = 0
    cw1h: int = 0
    completion: int = 0     # canonical `output` (reasoning included, no audio here)
    reasoning: int = 0

    @property
    def cache_write(self) -> int:
        return self.cw5m + self.cw1h


@dataclass
class Call:
    request_id: str
    litellm_call_id: str
    trace_id: str
    key: Key | None
    key_hash: str
    dep: Deployment
    call_type: str
    stream: bool
    start: datetime
    end: datetime
    completion_start: datetime
    created_at: datetime
    status: str = "success"
    error: dict | None = None
    cache_state: bool | None = None     # None: proxy cache off; False: miss; True: hit
    cache_key: str | None = None
    tokens: Tokens = field(default_factory=Tokens)
    usage: dict | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: dict | None = None            # cost_breakdown (None for failures and cache hits)
    spend: float = 0.0
    saved_cache_cost: float = 0.0
    user_tags: list = field(default_factory=list)
    user_agent: str | None = None
    end_user: str = ""
    requester_ip: str | None = None
    spend_logs_metadata: dict | None = None
    messages: list = field(default_factory=list)
    response_text: str = ""
    response_id: str = ""
    model_parameters: dict = field(default_factory=dict)
    overhead_ms: float = 0.0
    model_map: dict = field(default_factory=lambda: MODEL_MAP)
    litellm_version: str = LITELLM_VERSION
    label: str = ""                     # fixture label (F1, L1, ...)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def team(self) -> Team | None:
        return TEAMS[self.key.team] if self.key and self.key.team else None

    @property
    def request_tags(self) -> list:
        tags = list(self.user_tags)
        if self.user_agent:
            tags += [f"User-Agent: {self.user_agent.split('/')[0]}", f"User-Agent: {self.user_agent}"]
        return tags

    @property
    def model_info(self) -> dict:
        return self.model_map[self.dep.map_key]


# ---------------------------------------------------------------------------
# Usage as LiteLLM normalises it
# ---------------------------------------------------------------------------

def _completion_details(t: Tokens, style: str, version: str) -> dict:
    if style == "openai":
        return {"accepted_prediction_tokens": 0, "audio_tokens": 0, "reasoning_tokens": t.reasoning,
                "rejected_prediction_tokens": 0, "text_tokens": None, "image_tokens": None, "video_tokens": None}
    if version != LITELLM_VERSION:  # 1.74 wrapper had no image/video fields
        return {"accepted_prediction_tokens": None, "audio_tokens": None, "reasoning_tokens": t.reasoning,
                "rejected_prediction_tokens": None, "text_tokens": None}
    return {"accepted_prediction_tokens": None, "audio_tokens": None, "reasoning_tokens": t.reasoning,
            "rejected_prediction_tokens": None, "text_tokens": t.completion - t.reasoning,
            "image_tokens": None, "video_tokens": None}


def build_usage(t: Tokens, style: str, version: str = LITELLM_VERSION) -> tuple[dict, int, int]:
    """The usage dict (model_dump of litellm.Usage), prompt_tokens, completion_tokens."""
    old = version != LITELLM_VERSION
    c = t.completion
    if style == "openai":
        p = t.uncached + t.cache_read
        ptd = {"audio_tokens": 0, "cached_tokens": t.cache_read, "text_tokens": None, "image_tokens": None}
        if not old:
            ptd["video_tokens"] = None
        usage = {"completion_tokens": c, "prompt_tokens": p, "total_tokens": p + c,
                 "completion_tokens_details": _completion_details(t, style, version), "prompt_tokens_details": ptd}
        return usage, p, c
    if style in ("anthropic", "bedrock"):
        if old:  # LiteLLM 1.74: prompt_tokens = input + cache_read only, details only cached_tokens
            p = t.uncached + t.cache_read
            ptd = {"audio_tokens": None, "cached_tokens": t.cache_read, "text_tokens": None, "image_tokens": None}
        else:
            p = t.uncached + t.cache_write + t.cache_read
            ptd = {"audio_tokens": None, "cached_tokens": t.cache_read,
                   "text_tokens": t.uncached if style == "anthropic" else None,
                   "image_tokens": None, "video_tokens": None, "cache_creation_tokens": t.cache_write}
            if style == "anthropic":
                ptd["cache_write_tokens"] = t.cache_write
                ptd["cache_creation_token_details"] = {"ephemeral_5m_input_tokens": t.cw5m,
                                                       "ephemeral_1h_input_tokens": t.cw1h}
        usage = {"completion_tokens": c, "prompt_tokens": p, "total_tokens": p + c,
                 "completion_tokens_details": _completion_details(t, style, version), "prompt_tokens_details": ptd,
                 "cache_creation_input_tokens": t.cache_write, "cache_read_input_tokens": t.cache_read}
        return usage, p, c
    if style == "gemini":
        p = t.uncached + t.cache_read
        ptd = {"audio_tokens": None, "cached_tokens": t.cache_read or None, "text_tokens": p, "image_tokens": None}
        if not old:
            ptd["video_tokens"] = None
        usage = {"completion_tokens": c, "prompt_tokens": p, "total_tokens": p + c,
                 "completion_tokens_details": _completion_details(t, style, version), "prompt_tokens_details": ptd}
        return usage, p, c
    raise ValueError(style)


def additional_usage_values(usage: dict | None, version: str = LITELLM_VERSION) -> dict:
    if not usage:
        return {}
    extra = {k: copy.deepcopy(v) for k, v in usage.items()
             if k not in ("completion_tokens", "prompt_tokens", "total_tokens")}
    if version == LITELLM_VERSION:
        ptd = usage.get("prompt_tokens_details") or {}
        if (ptd.get("cached_tokens") or 0) > 0 and "cache_read_input_tokens" not in extra:
            extra["cache_read_input_tokens"] = ptd["cached_tokens"]
        written = ptd.get("cache_write_tokens") or ptd.get("cache_creation_tokens") or 0
        if written > 0 and "cache_creation_input_tokens" not in extra:
            extra["cache_creation_input_tokens"] = written
    return extra


# ---------------------------------------------------------------------------
# Cost, the way litellm.generic_cost_per_token computes it (floats, same order)
# ---------------------------------------------------------------------------

def _rate(info: dict, name: str, fallback: float | None, version: str) -> float:
    v = info.get(name)
    if v is None:
        # 1.110.2: a missing cache rate bills as input; 1.74: it contributed 0.
        return fallback if (fallback is not None and version == LITELLM_VERSION) else 0.0
    return v


def litellm_cost(t: Tokens, prompt_tokens: int, info: dict, provider: str,
                 version: str = LITELLM_VERSION) -> dict:
    tier = (prompt_tokens > 200_000 and info.get("input_cost_per_token_above_200k_tokens") is not None)
    sfx = "_above_200k_tokens" if tier else ""
    in_rate = info["input_cost_per_token" + sfx]
    out_rate = info["output_cost_per_token" + sfx]
    cr_rate = _rate(info, "cache_read_input_token_cost" + sfx, in_rate, version)
    if tier and info.get("cache_read_input_token_cost" + sfx) is None:
        cr_rate = _rate(info, "cache_read_input_token_cost", in_rate, version)
    cw_rate = _rate(info, "cache_creation_input_token_cost", in_rate, version)
    cw1h_rate = info.get("cache_creation_input_token_cost_above_1hr") or cw_rate
    cache_read_cost = t.cache_read * cr_rate
    cache_creation_cost = t.cw5m * cw_rate + t.cw1h * cw1h_rate
    prompt_cost = t.uncached * in_rate + cache_read_cost + cache_creation_cost
    reasoning_rate = info.get("output_cost_per_reasoning_token") or out_rate
    text_out = t.completion - t.reasoning
    reasoning_cost = t.reasoning * reasoning_rate
    completion_cost = text_out * out_rate + reasoning_cost
    original = prompt_cost + completion_cost
    discount_pct = DISCOUNTS.get(provider, 0.0) if version == LITELLM_VERSION else 0.0
    discount_amount = original * discount_pct
    total = original - discount_amount
    cb = {"input_cost": prompt_cost, "output_cost": completion_cost,
          "cache_read_cost": cache_read_cost, "cache_creation_cost": cache_creation_cost}
    if t.reasoning:
        cb["reasoning_cost"] = reasoning_cost
    cb.update({"tool_usage_cost": 0.0, "total_cost": total, "original_cost": original,
               "discount_percent": discount_pct, "discount_amount": discount_amount,
               "margin_percent": 0.0, "margin_fixed_amount": 0.0, "margin_total_amount": 0.0})
    return cb


def exact_cost(t: Tokens, prompt_tokens: int, info: dict, provider: str, version: str = LITELLM_VERSION) -> Decimal:
    """The same formula in exact decimal arithmetic (used by --validate)."""
    d = lambda x: Decimal(repr(x))  # noqa: E731
    tier = prompt_tokens > 200_000 and info.get("input_cost_per_token_above_200k_tokens") is not None
    sfx = "_above_200k_tokens" if tier else ""
    in_rate, out_rate = d(info["input_cost_per_token" + sfx]), d(info["output_cost_per_token" + sfx])
    newer = version == LITELLM_VERSION

    def rate(name, fb):
        v = info.get(name)
        return d(v) if v is not None else (fb if newer else Decimal(0))
    cr = rate("cache_read_input_token_cost" + sfx, None)
    if cr is None:
        cr = rate("cache_read_input_token_cost", in_rate)
    cw = rate("cache_creation_input_token_cost", in_rate)
    cw1h = d(info["cache_creation_input_token_cost_above_1hr"]) if info.get(
        "cache_creation_input_token_cost_above_1hr") else cw
    total = (t.uncached * in_rate + t.cache_read * cr + t.cw5m * cw + t.cw1h * cw1h + t.completion * out_rate)
    if newer and provider in DISCOUNTS:
        total -= total * Decimal(repr(DISCOUNTS[provider]))
    return total


# ---------------------------------------------------------------------------
# Text formats: Postgres float8 / numeric / jsonb / timestamp / CSV
# ---------------------------------------------------------------------------

def pg_float(x: float) -> str:
    """float8 output (PostgreSQL >= 12): shortest round-trip digits, no trailing '.0'."""
    s = repr(float(x))
    if s.endswith(".0"):
        s = s[:-2]
    return s


def pg_ts(dt: datetime) -> str:
    s = dt.strftime("%Y-%m-%d %H:%M:%S")
    ms = dt.microsecond // 1000
    if ms:
        s += ("." + f"{ms:03d}").rstrip("0")
    return s


def pg_json_ts(dt: datetime) -> str:
    """timestamp without time zone inside row_to_json()."""
    return pg_ts(dt).replace(" ", "T")


def _jsonb_number(x) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    return format(Decimal(repr(x)), "f")


def jsonb_text(obj) -> str:
    """How PostgreSQL prints a jsonb value that was stored from json.dumps(obj)."""
    if obj is None:
        return "null"
    if isinstance(obj, (bool, int, float)):
        return _jsonb_number(obj)
    if isinstance(obj, str):
        return json.dumps(obj, ensure_ascii=False)
    if isinstance(obj, list):
        return "[" + ", ".join(jsonb_text(v) for v in obj) + "]"
    if isinstance(obj, dict):
        keys = sorted(obj, key=lambda k: (len(k.encode()), k.encode()))
        return "{" + ", ".join(json.dumps(k, ensure_ascii=False) + ": " + jsonb_text(obj[k]) for k in keys) + "}"
    raise TypeError(type(obj))


def jsonb_roundtrip(obj):
    """What a client gets back after parsing jsonb text (key order = jsonb order, floats)."""
    return json.loads(jsonb_text(obj))


def pg_csv_field(value) -> str:
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    if s == "" or any(ch in s for ch in ',"\n\r') or s == "\\.":
        return '"' + s.replace('"', '""') + '"'
    return s


def pg_csv(columns: list, rows: list[dict]) -> str:
    out = [",".join(pg_csv_field(c) for c in columns)]
    for r in rows:
        out.append(",".join(pg_csv_field(r[c]) for c in columns))
    return "\n".join(out) + "\n"


def epoch(dt: datetime) -> float:
    return ((dt - EPOCH) // timedelta(milliseconds=1)) / 1000


def iso_utc(dt: datetime) -> str:
    return dt.replace(tzinfo=UTC).isoformat()


# ---------------------------------------------------------------------------
# SpendLogs rows (1.110.2 and 1.74.0 schemas)
# ---------------------------------------------------------------------------

COLUMNS_1110 = [
    "request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
    "startTime", "endTime", "request_duration_ms", "completionStartTime", "model", "model_id", "model_group",
    "custom_llm_provider", "api_base", "user", "metadata", "cache_hit", "cache_key", "request_tags", "team_id",
    "organization_id", "end_user", "requester_ip_address", "messages", "response", "session_id", "status",
    "mcp_namespaced_tool_name", "billing_agent_id", "agent_id", "proxy_server_request", "litellm_call_id",
    "created_at", "updated_at",
]
_NOT_IN_174 = {"request_duration_ms", "organization_id", "mcp_namespaced_tool_name", "agent_id",
               "billing_agent_id", "litellm_call_id", "created_at", "updated_at"}
COLUMNS_174 = [c for c in COLUMNS_1110 if c not in _NOT_IN_174]
JSON_COLUMNS = ("metadata", "request_tags", "messages", "response", "proxy_server_request")
TIME_COLUMNS = ("startTime", "endTime", "completionStartTime", "created_at", "updated_at")

ERROR_INFO_EMPTY = {"error_code": "", "error_class": "", "llm_provider": "", "traceback": "", "error_message": ""}


def cache_hit_text(call: Call) -> str:
    return str(call.cache_state)


def spendlogs_metadata(call: Call) -> dict:
    team = call.team
    key = call.key
    usage = call.usage
    model_map_information = {"model_map_key": call.dep.map_key, "model_map_value": call.model_info}
    if call.litellm_version != LITELLM_VERSION:  # 1.74.0 SpendLogsMetadata
        return {
            "additional_usage_values": additional_usage_values(usage, call.litellm_version),
            "user_api_key": call.key_hash or None,
            "user_api_key_alias": key.alias if key else None,
            "user_api_key_team_id": team.team_id if team else None,
            "user_api_key_org_id": ORG_ID if team else None,
            "user_api_key_user_id": key.user_id if key else None,
            "user_api_key_team_alias": team.alias if team else None,
            "spend_logs_metadata": call.spend_logs_metadata,
            "requester_ip_address": call.requester_ip,
            "applied_guardrails": [],
            "mcp_tool_call_metadata": None,
            "vector_store_request_metadata": None,
            "guardrail_information": None,
            "status": call.status,
            "proxy_server_request": None,
            "batch_models": None,
            "error_information": call.error,
            "usage_object": copy.deepcopy(usage),
            "model_map_information": model_map_information,
        }
    return {
        "applied_guardrails": [],
        "attempted_fallbacks": None,
        "original_model_group": None,
        "batch_models": None,
        "batch_successful_requests": None,
        "batch_failed_requests": None,
        "mcp_tool_call_metadata": None,
        "vector_store_request_metadata": None,
        "routing_decision": None,
        "internal_call_origin": None,
        "router_metadata": None,
        "autorouter_savings_estimate": None,
        "autorouter_baseline_observation": None,
        "azure_spillover": None,
        "guardrail_information": None,
        "compression_savings": None,
        "litellm_gateway_injected_cache": None,
        "usage_object": copy.deepcopy(usage),
        "model_map_information": model_map_information,
        "additional_usage_values": additional_usage_values(usage),
        "user_api_key": call.key_hash or None,
        "user_api_key_alias": key.alias if key else None,
        "user_api_key_team_id": team.team_id if team else None,
        "user_api_key_project_id": None,
        "user_api_key_project_alias": None,
        "user_api_key_org_id": ORG_ID if team else None,
        "user_api_key_user_id": key.user_id if key else None,
        "user_api_key_team_alias": team.alias if team else None,
        "spend_logs_metadata": call.spend_logs_metadata,
        "requester_ip_address": call.requester_ip,
        "user_agent": call.user_agent,
        "status": call.status,
        "proxy_server_request": None,
        "error_information": call.error,
        "cost_breakdown": copy.deepcopy(call.cost),
        "litellm_overhead_time_ms": call.overhead_ms,
        "cold_storage_object_key": None,
        "attempted_retries": 0,
        "max_retries": 2,
    }


def spendlogs_row(call: Call) -> dict:
    """One row as Python values (None = NULL); JSON columns as Python objects."""
    team = call.team
    row = {
        "request_id": call.request_id,
        "call_type": call.call_type,
        "api_key": call.key_hash,
        "spend": call.spend,
        "total_tokens": call.total_tokens,
        "prompt_tokens": call.prompt_tokens,
        "completion_tokens": call.completion_tokens,
        "startTime": call.start,
        "endTime": call.end,
        "request_duration_ms": (call.end - call.start) // timedelta(milliseconds=1),
        "completionStartTime": call.completion_start,
        "model": call.dep.model,
        "model_id": MODEL_IDS[call.dep.name],
        "model_group": call.dep.model_group,
        "custom_llm_provider": call.dep.provider,
        "api_base": call.dep.api_base,
        "user": call.key.user_id if call.key else "",
        "metadata": spendlogs_metadata(call),
        "cache_hit": cache_hit_text(call),
        "cache_key": call.cache_key or "Cache OFF",
        "request_tags": call.request_tags,
        "team_id": team.team_id if team else "",
        "organization_id": ORG_ID if team else "",
        "end_user": call.end_user,
        "requester_ip_address": call.requester_ip,
        "messages": {},
        "response": {},
        "session_id": call.trace_id,
        "status": call.status,
        "mcp_namespaced_tool_name": None,
        "billing_agent_id": None,
        "agent_id": None,
        "proxy_server_request": {},
        "litellm_call_id": call.litellm_call_id,
        "created_at": call.created_at,
        "updated_at": call.created_at,
    }
    if call.litellm_version != LITELLM_VERSION:
        row = {c: row[c] for c in COLUMNS_174}
    return row


def spendlogs_csv_values(row: dict) -> dict:
    out = {}
    for c, v in row.items():
        if v is None:
            out[c] = None
        elif c in JSON_COLUMNS:
            out[c] = jsonb_text(v)
        elif c in TIME_COLUMNS:
            out[c] = pg_ts(v)
        elif c == "spend":
            out[c] = pg_float(v)
        else:
            out[c] = str(v)
    return out


def spendlogs_csv(calls: list[Call]) -> str:
    rows = [spendlogs_csv_values(spendlogs_row(c)) for c in calls]
    columns = list(rows[0].keys())
    return pg_csv(columns, rows)


# --- other SpendLogs shapes -------------------------------------------------

def spendlogs_payload(call: Call) -> dict:
    """SpendLogsPayload as 1.110.2 builds it before the insert (JSON columns as strings)."""
    row = spendlogs_row(call)
    order = ["request_id", "session_id", "call_type", "api_key", "cache_hit", "startTime", "endTime",
             "completionStartTime", "request_duration_ms", "model", "user", "team_id", "organization_id",
             "metadata", "cache_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
             "request_tags", "end_user", "api_base", "model_group", "model_id", "requester_ip_address",
             "custom_llm_provider", "messages", "response", "proxy_server_request", "status",
             "mcp_namespaced_tool_name", "agent_id", "billing_agent_id", "litellm_call_id"]
    out = {}
    for c in order:
        v = row[c]
        if c in JSON_COLUMNS:
            v = json.dumps(v)
        elif c in ("startTime", "endTime", "completionStartTime"):
            v = iso_utc(v)
        out[c] = v
    return out


V2_COLUMNS = ["request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
              "startTime", "endTime", "completionStartTime", "model", "model_id", "model_group",
              "custom_llm_provider", "api_base", "user", "metadata", "cache_hit", "cache_key", "request_tags",
              "team_id", "organization_id", "end_user", "requester_ip_address", "session_id", "status",
              "mcp_namespaced_tool_name", "agent_id", "litellm_call_id", "request_duration_ms"]


def spendlogs_v2_row(call: Call) -> dict:
    row = spendlogs_row(call)
    out = {}
    for c in V2_COLUMNS:
        v = row[c]
        if c in ("metadata", "request_tags"):
            v = jsonb_roundtrip(v)
        elif c in ("startTime", "endTime", "completionStartTime"):
            v = iso_utc(v)
        out[c] = v
    return out


def spendlogs_row_to_json(call: Call) -> str:
    """`COPY (SELECT row_to_json(t) FROM "LiteLLM_SpendLogs" t) TO STDOUT` -- one line."""
    row = spendlogs_row(call)
    parts = []
    for c, v in row.items():
        if v is None:
            txt = "null"
        elif c in JSON_COLUMNS:
            txt = jsonb_text(v)
        elif c in TIME_COLUMNS:
            txt = json.dumps(pg_json_ts(v))
        elif c == "spend":
            txt = pg_float(v)
        elif isinstance(v, int):
            txt = str(v)
        else:
            txt = json.dumps(v, ensure_ascii=False)
        parts.append(json.dumps(c) + ":" + txt)
    return "{" + ",".join(parts) + "}"


# ---------------------------------------------------------------------------
# Callback payloads
# ---------------------------------------------------------------------------

def _response_obj(call: Call) -> dict:
    if call.status == "failure":
        return {}
    return {
        "id": call.response_id,
        "created": int(epoch(call.start)),
        "model": call.dep.response_model,
        "object": "chat.completion",
        "system_fingerprint": "fp_a1b2c3d4e5" if call.dep.usage_style == "openai" else None,
        "choices": [{"finish_reason": "stop", "index": 0,
                     "message": {"content": call.response_text, "role": "assistant"}}],
        # ModelResponse.model_dump() defaults to exclude_unset: unset (None) usage details are not dumped
        "usage": _drop_none(call.usage),
    }


def _drop_none(obj):
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    return copy.deepcopy(obj)


def standard_logging_payload(call: Call) -> dict:
    key, team = call.key, call.team
    success = call.status == "success"
    hidden = {
        "model_id": MODEL_IDS[call.dep.name],
        "cache_key": call.cache_key,
        "api_base": call.dep.api_base,
        "response_cost": call.spend if success else None,
        "litellm_overhead_time_ms": call.overhead_ms if success else None,
        "additional_headers": {},
        "batch_models": None,
        "litellm_model_name": call.dep.litellm_model,
        "usage_object": copy.deepcopy(call.usage),
    }
    metadata = {
        "user_api_key_hash": call.key_hash or None,
        "user_api_key_alias": key.alias if key else None,
        "user_api_key_org_id": ORG_ID if team else None,
        "user_api_key_org_alias": ORG_ALIAS if team else None,
        "user_api_key_team_id": team.team_id if team else None,
        "user_api_key_project_id": None,
        "user_api_key_project_alias": None,
        "user_api_key_user_id": key.user_id if key else None,
        "user_api_key_user_email": key.user_id if key else None,
        "user_api_key_team_alias": team.alias if team else None,
        "user_api_key_end_user_id": call.end_user or None,
        "user_api_key_request_route": "/v1/messages" if call.call_type == "anthropic_messages" else "/chat/completions",
        "spend_logs_metadata": call.spend_logs_metadata,
        "requester_ip_address": call.requester_ip,
        "user_agent": call.user_agent,
        "requester_metadata": {},
        "requester_custom_headers": {},
        "prompt_management_metadata": None,
        "mcp_tool_call_metadata": None,
        "vector_store_request_metadata": None,
        "applied_guardrails": [],
        "usage_object": copy.deepcopy(call.usage),
        "cold_storage_object_key": None,
    }
    return {
        "id": call.request_id,
        "trace_id": call.trace_id,
        "session_id": call.trace_id,
        "litellm_call_id": call.litellm_call_id,
        "call_type": call.call_type,
        "stream": call.stream,
        "response_cost": call.spend,
        "cost_breakdown": copy.deepcopy(call.cost),
        "response_cost_failure_debug_info": None,
        "status": call.status,
        "status_fields": {"llm_api_status": call.status, "guardrail_status": "not_run"},
        "custom_llm_provider": call.dep.provider,
        "total_tokens": call.total_tokens,
        "prompt_tokens": call.prompt_tokens,
        "completion_tokens": call.completion_tokens,
        "startTime": epoch(call.start),
        "endTime": epoch(call.end),
        "completionStartTime": epoch(call.completion_start),
        "response_time": (call.end - call.start) / timedelta(seconds=1),
        "model_map_information": {"model_map_key": call.dep.map_key, "model_map_value": call.model_info},
        "model": call.dep.model,
        "model_id": MODEL_IDS[call.dep.name],
        "model_group": call.dep.model_group,
        "api_base": call.dep.api_base,
        "metadata": metadata,
        "cache_hit": call.cache_state,
        "cache_key": call.cache_key,
        "saved_cache_cost": call.saved_cache_cost,
        "request_tags": call.request_tags,
        "end_user": call.end_user,
        "requester_ip_address": call.requester_ip,
        "user_agent": call.user_agent,
        "messages": copy.deepcopy(call.messages),
        "response": _response_obj(call),
        "error_str": call.error["error_message"] if call.error else None,
        "error_information": copy.deepcopy(call.error) if call.error else dict(ERROR_INFO_EMPTY),
        "model_parameters": dict(call.model_parameters),
        "hidden_params": hidden,
        "guardrail_information": None,
        "standard_built_in_tools_params": {"web_search_options": None, "file_search": None},
    }


def callback_kwargs(call: Call) -> dict:
    """The kwargs a CustomLogger receives (Logging.model_call_details), json.dumps(default=str)-able."""
    key, team = call.key, call.team
    slo = standard_logging_payload(call)
    proxy_metadata = {
        "requester_metadata": {},
        "user_api_key_hash": call.key_hash or None,
        "user_api_key_alias": key.alias if key else None,
        "user_api_key_team_id": team.team_id if team else None,
        "user_api_key_user_id": key.user_id if key else None,
        "user_api_key_org_id": ORG_ID if team else None,
        "user_api_key_team_alias": team.alias if team else None,
        "user_api_key_end_user_id": call.end_user or None,
        "user_api_key_user_email": key.user_id if key else None,
        "user_api_key": call.key_hash or None,
        "user_api_end_user_max_budget": None,
        "litellm_api_version": LITELLM_VERSION,
        "global_max_parallel_requests": None,
        "user_api_key_team_max_budget": None,
        "user_api_key_team_spend": None,
        "user_api_key_model_max_budget": {},
        "tags": list(call.user_tags),
        "spend_logs_metadata": call.spend_logs_metadata,
        "headers": {"host": "litellm.acme.internal", "content-type": "application/json",
                    "user-agent": call.user_agent or ""},
        "endpoint": "http://litellm.acme.internal/v1/chat/completions",
        "litellm_parent_otel_span": None,
        "requester_ip_address": call.requester_ip or "",
        "model_group": call.dep.model_group,
        "model_group_size": 1,
        "deployment": call.dep.litellm_model,
        "model_info": {"id": MODEL_IDS[call.dep.name], "db_model": False},
        "api_base": call.dep.api_base,
        "caching_groups": None,
        "previous_models": [],
    }
    kwargs = {
        "model": call.dep.model,
        "messages": copy.deepcopy(call.messages),
        "optional_params": dict(call.model_parameters),
        "litellm_params": {
            "acompletion": True,
            "api_key": None,
            "force_timeout": 600,
            "logger_fn": None,
            "verbose": False,
            "custom_llm_provider": call.dep.provider,
            "api_base": call.dep.api_base,
            "litellm_call_id": call.litellm_call_id,
            "model_alias_map": {},
            "completion_call_id": None,
            "metadata": proxy_metadata,
            "model_info": {"id": MODEL_IDS[call.dep.name], "db_model": False},
            "proxy_server_request": None,
            "preset_cache_key": None,
            "stream_response": {},
            "input_cost_per_token": None,
            "output_cost_per_token": None,
            "litellm_trace_id": call.trace_id,
        },
        "start_time": call.start,
        "stream": call.stream,
        "user": call.end_user or None,
        "call_type": call.call_type,
        "litellm_call_id": call.litellm_call_id,
        "completion_start_time": call.completion_start,
        "standard_callback_dynamic_params": {},
        "custom_llm_provider": call.dep.provider,
        "input": copy.deepcopy(call.messages),
        "api_key": None,
        "additional_args": {},
        "log_event_type": "successful_api_call" if call.status == "success" else "failed_api_call",
        "end_time": call.end,
        "cache_hit": call.cache_state,
        "response_cost": call.spend,
        "standard_logging_object": slo,
    }
    if call.status == "success":
        kwargs["original_response"] = json.dumps(_response_obj(call))
    else:
        kwargs["exception"] = call.error["error_message"]
        kwargs["traceback_exception"] = call.error["traceback"]
    return kwargs


def minimal_callback(call: Call) -> dict:
    """A hand-written CustomLogger that keeps only a few fields."""
    return {
        "model": call.dep.model,
        "cost": call.spend,
        "cache_hit": bool(call.cache_state),
        "start_time": call.start.isoformat(),
        "end_time": call.end.isoformat(),
        "usage": {"prompt_tokens": call.prompt_tokens, "completion_tokens": call.completion_tokens,
                  "total_tokens": call.total_tokens},
        "metadata": {"user_api_key_alias": call.key.alias if call.key else None, "tags": list(call.user_tags)},
    }


# ---------------------------------------------------------------------------
# Building calls
# ---------------------------------------------------------------------------

SYSTEM_PROMPTS = {
    "support-bot": "You are Acme's support assistant. Answer from the help-center articles provided.",
    "search-backend": "Rewrite the user's search query and rank the retrieved passages.",
    "batch-etl": "Extract the fields listed in the schema from the document. Answer in JSON.",
    "eval-harness": "You are being evaluated. Solve the task and give the final answer on the last line.",
    "growth-experiments": "Write three short variants of the marketing copy below.",
    "code-assistant": "You are Claude Code, Anthropic's official CLI for Claude.",
    "alice-laptop": "You are a helpful assistant.",
    "bob-personal": "You are a helpful assistant.",
    None: "You are a helpful assistant.",
}
USER_PROMPTS = {
    "support-bot": ["Customer cannot reset their password after the email link expired.",
                    "Summarize ticket thread: invoice shows duplicate charge for September.",
                    "Draft a reply: order #A-1187 arrived damaged, customer wants a replacement."],
    "search-backend": ["query: waterproof hiking boots women size 39",
                       "query: how to export invoices to csv",
                       "query: return policy for opened electronics"],
    "batch-etl": ["Document: master services agreement, 42 pages (attached).",
                  "Document: supplier invoice batch 2026-10, 118 line items (attached)."],
    "eval-harness": ["Task 17/250: prove that the sum of two even numbers is even.",
                     "Task 88/250: which of the following SQL queries returns the median?"],
    "growth-experiments": ["Product: Acme Notes. Audience: students. Tone: playful.",
                           "Product: Acme Notes Pro. Audience: small teams. Tone: confident."],
    "code-assistant": ["Refactor the parser in src/ingest.py to stream rows instead of loading the file.",
                       "Why does test_reconcile_rounding fail on CI but not locally?",
                       "Add a --since option to the report command and update the docs."],
    "alice-laptop": ["Explain the difference between p50 and p95 latency in one paragraph.",
                     "Give me a regex that matches ISO 8601 dates."],
    "bob-personal": ["Translate 'quarterly business review' to German.",
                     "What is 17% of 2,340?"],
    None: ["ping"],
}
RESPONSES = ["Sure - here is a short answer.", "Done. See the summary below.", "Here are three options.",
             "The result is attached as JSON.", "Final answer: 42."]


class Builder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used_ids: set = set()

    # ids -------------------------------------------------------------------
    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _unique(self, make) -> str:
        while True:
            v = make()
            if v not in self.used_ids:
                self.used_ids.add(v)
                return v

    def provider_id(self, dep: Deployment) -> str:
        r = self.rng
        if dep.id_style == "openai":
            return self._unique(lambda: "chatcmpl-" + "".join(r.choice(ALNUM) for _ in range(29)))
        if dep.id_style == "anthropic":
            return self._unique(lambda: "msg_01" + "".join(r.choice(ALNUM) for _ in range(22)))
        if dep.id_style == "uuid":
            return self._unique(lambda: "chatcmpl-" + self.uuid4())
        if dep.id_style == "gemini":
            return self._unique(lambda: "".join(r.choice(B64URL) for _ in range(23)))
        raise ValueError(dep.id_style)

    # tokens ----------------------------------------------------------------
    def openai_cached(self, prompt: int, p: float) -> int:
        if prompt < 1024 or self.rng.random() >= p:
            return 0
        steps = (prompt - 1024) // 128
        return 1024 + 128 * self.rng.randint(0, steps)

    def tokens_for(self, key_alias: str | None, dep: Deployment, force_long: bool = False) -> Tokens:
        r = self.rng
        t = Tokens()
        name = dep.name
        if dep.usage_style == "openai":
            if key_alias == "search-backend":
                prompt = r.randint(1500, 12000)
                out = r.randint(60, 600)
            elif key_alias == "batch-etl":
                prompt = r.randint(3000, 30000)
                out = r.randint(200, 1500)
            elif name == "o3-mini":
                prompt = r.randint(400, 6000)
                out = 0
            else:
                prompt = r.randint(300, 5000)
                out = r.randint(40, 700)
            cached = self.openai_cached(prompt, 0.3 if name == "o3-mini" else 0.55)
            t.uncached, t.cache_read = prompt - cached, cached
            if name == "o3-mini":
                t.reasoning = r.randint(300, 9000)
                t.completion = t.reasoning + r.randint(80, 1500)
            else:
                t.completion = out
            return t
        if dep.usage_style in ("anthropic", "bedrock"):
            if key_alias == "code-assistant":
                prefix = r.randint(12000, 110000)
                u = r.random()
                if dep.usage_style == "anthropic" and u < 0.08:
                    t.cw1h = prefix  # a new long-lived session context, cached for an hour
                elif u < 0.20:
                    t.cw5m = prefix
                else:
                    t.cache_read = prefix
                    if r.random() < 0.6:
                        t.cw5m = r.randint(300, 6000)  # the conversation grows: newest turns written
                t.uncached = r.randint(3, 900)
                t.completion = r.randint(150, 4000)
            elif key_alias in ("support-bot", "growth-experiments"):
                system = 6144 if key_alias == "support-bot" else 2400
                u = r.random()
                if u < 0.12:
                    t.cw5m = system
                elif u < 0.85:
                    t.cache_read = system
                t.uncached = r.randint(150, 2500)
                t.completion = r.randint(80, 900)
            else:  # eval-harness (bedrock), alice
                if r.random() < 0.3:
                    t.cache_read = r.randint(2000, 8000)
                t.uncached = r.randint(300, 6000)
                t.completion = r.randint(100, 2500)
            return t
        if dep.usage_style == "gemini":
            if key_alias == "batch-etl":
                prompt = r.randint(205_000, 480_000) if force_long else r.randint(15_000, 180_000)
                if dep.provider == "vertex_ai":
                    prompt = r.randint(4_000, 60_000)
            else:
                prompt = r.randint(1_500, 20_000)
            cached = 0
            if prompt >= 4096 and r.random() < 0.3:
                cached = r.randint(2048, prompt // 2)
            t.uncached, t.cache_read = prompt - cached, cached
            t.reasoning = r.randint(100, 3000)
            t.completion = t.reasoning + r.randint(150, 2500)
            return t
        raise ValueError(dep.usage_style)

    # the call --------------------------------------------------------------
    def make_call(self, key: Key | None, dep: Deployment, start: datetime, *, failure: bool = False,
                  force_long: bool = False, duration_ms: int | None = None,
                  model_map: dict = MODEL_MAP, version: str = LITELLM_VERSION) -> Call:
        r = self.rng
        alias = key.alias if key else None
        handle = None
        if key is not None:
            handle = next(h for h, k in KEYS.items() if k is key) if key in KEYS.values() else alias
        key_hash = ""
        user_agent = None
        if key is not None:
            key_hash = key.hash
            user_agent = key.user_agent
            if handle == "batch-etl":
                if start >= BATCH_ETL_REGENERATED_AT:
                    key_hash = _sha(BATCH_ETL_V2_SEED)
                if start >= BATCH_ETL_UA_CHANGE:
                    user_agent = BATCH_ETL_NEW_UA
        tags: list = []
        if key is not None:
            choices, weights = zip(*key.request_tag_choices)
            req_tags = list(r.choices(choices, weights)[0])
            for tag in req_tags + key.key_tags:
                if tag not in tags:
                    tags.append(tag)
        stream = bool(key and r.random() < key.stream_p)
        call_type = key.call_type if key else "acompletion"
        if failure:
            t = Tokens()
        else:
            t = self.tokens_for(handle, dep, force_long)
        if version != LITELLM_VERSION:
            usage, p, c = build_usage(t, dep.usage_style, version)
        else:
            usage, p, c = build_usage(t, dep.usage_style)
        # timing
        if duration_ms is None:
            if failure:
                duration_ms = r.randint(40, 30000)
            else:
                duration_ms = int(r.randint(220, 750) + c * dep.ms_per_token * r.uniform(0.7, 1.3)
                                  + p / 40000 * 1000)
        end = start + timedelta(milliseconds=duration_ms)
        if stream and not failure:
            ttft = min(duration_ms, r.randint(250, 1600) + int(p / 60000 * 1000))
            completion_start = start + timedelta(milliseconds=ttft)
        else:
            completion_start = end
        created_at = end + timedelta(milliseconds=r.randint(300, 15000))
        request_id_litellm = self.uuid4()
        response_id = self.provider_id(dep)
        call = Call(
            request_id=request_id_litellm if failure else response_id,
            litellm_call_id=request_id_litellm,
            trace_id=self.uuid4(),
            key=key, key_hash=key_hash, dep=dep, call_type=call_type, stream=stream,
            start=start, end=end, completion_start=completion_start, created_at=created_at,
            model_map=model_map, litellm_version=version,
        )
        call.tokens = t
        call.response_id = "" if failure else response_id
        call.user_tags = tags
        call.user_agent = user_agent
        call.requester_ip = r.choice(key.ips) if key else None
        if key and key.end_users and r.random() < 0.85:
            call.end_user = r.choice(key.end_users)
        if key and key.cache_on:
            call.cache_state = False
            call.cache_key = "".join(r.choice("0123456789abcdef") for _ in range(64))
        if handle == "batch-etl":
            call.spend_logs_metadata = {"job_id": f"nightly-{start:%Y%m%d}",
                                        "pipeline": r.choice(["contracts", "invoices"])}
        elif handle == "support-bot" and r.random() < 0.5:
            call.spend_logs_metadata = {"ticket_id": f"T-{r.randint(40000, 99999)}"}
        prompts = USER_PROMPTS.get(handle, USER_PROMPTS[None])
        call.messages = [{"role": "system", "content": SYSTEM_PROMPTS.get(handle, SYSTEM_PROMPTS[None])},
                         {"role": "user", "content": r.choice(prompts)}]
        call.response_text = r.choice(RESPONSES)
        call.model_parameters = {"temperature": r.choice([0.0, 0.2, 0.7]), "max_tokens": 4096}
        if stream:
            call.model_parameters["stream"] = True
            call.model_parameters["stream_options"] = {"include_usage": True}
        call.overhead_ms = round(r.uniform(1.5, 14.0), 3)
        if failure:
            call.status = "failure"
            call.error = self.error_for(dep)
            call.usage = None
            call.prompt_tokens = call.completion_tokens = 0
            call.cost = None
            call.spend = 0.0
        else:
            call.usage = usage
            call.prompt_tokens, call.completion_tokens = p, c
            call.cost = litellm_cost(t, p, call.model_info, dep.provider, version)
            call.spend = call.cost["total_cost"]
            if version != LITELLM_VERSION:
                call.cost = None  # 1.74 stored no cost_breakdown
        return call

    def error_for(self, dep: Deployment) -> dict:
        r = self.rng
        prov = dep.provider
        if prov in ("openai",):
            cls, code, msg = r.choice([
                ("RateLimitError", "429",
                 f"litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for {dep.model} "
                 "in organization org-acmeDemo on tokens per min (TPM): Limit 2000000, Used 1998877, "
                 "Requested 4211. Please try again in 93ms."),
                ("Timeout", "408", "litellm.Timeout: APITimeoutError - Request timed out. error_str: Request timed out."),
            ])
        elif prov == "azure":
            cls, code, msg = ("ContentPolicyViolationError", "400",
                              "litellm.ContentPolicyViolationError: AzureException - The response was filtered due to "
                              "the prompt triggering Azure OpenAI's content management policy.")
        elif prov == "anthropic":
            cls, code, msg = ("InternalServerError", "529",
                              'litellm.InternalServerError: AnthropicException - {"type":"error","error":'
                              '{"type":"overloaded_error","message":"Overloaded"}}')
        elif prov == "bedrock":
            cls, code, msg = ("RateLimitError", "429",
                              'litellm.RateLimitError: BedrockException - {"message":"Too many requests, please '
                              'wait before trying again."}')
        else:
            exc = "GeminiException" if prov == "gemini" else "VertexAIException"
            cls, code, msg = ("ServiceUnavailableError", "503",
                              f'litellm.ServiceUnavailableError: {exc} - {{"error": {{"code": 503, "message": '
                              '"The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}')
        tb = ("Traceback (most recent call last):\n"
              '  File "/usr/local/lib/python3.13/site-packages/litellm/main.py", line 597, in acompletion\n'
              "    response = await init_response\n"
              f"litellm.exceptions.{cls}: {msg}\n")
        return {"error_code": code, "error_class": cls, "llm_provider": prov, "traceback": tb, "error_message": msg}

    def make_cache_hit(self, original: Call, start: datetime) -> Call:
        r = self.rng
        hit = copy.copy(original)
        hit.tokens = copy.deepcopy(original.tokens)
        hit.usage = copy.deepcopy(original.usage)
        hit.user_tags = list(original.user_tags)
        hit.messages = copy.deepcopy(original.messages)
        hit.model_parameters = {k: v for k, v in original.model_parameters.items()
                                if k not in ("stream", "stream_options")}
        duration = r.randint(4, 40)
        hit.start = start
        hit.end = start + timedelta(milliseconds=duration)
        hit.completion_start = hit.end
        hit.created_at = hit.end + timedelta(milliseconds=r.randint(300, 15000))
        hit.stream = False
        written_at = repr(epoch(hit.end) + r.randint(200, 2500) / 1e6 + r.randint(1, 999) / 1e10)
        hit.request_id = f"{original.response_id}_cache_hit{written_at}"
        self.used_ids.add(hit.request_id)
        hit.litellm_call_id = self.uuid4()
        hit.trace_id = self.uuid4()
        hit.cache_state = True
        hit.saved_cache_cost = original.spend
        hit.spend = 0.0
        hit.cost = None
        hit.overhead_ms = round(r.uniform(0.8, 3.0), 3)
        if original.key and original.key.end_users:
            hit.end_user = r.choice(original.key.end_users)
        return hit


# ---------------------------------------------------------------------------
# The month
# ---------------------------------------------------------------------------

HOUR_PROFILES = {"business": BUSINESS_HOURS, "night": NIGHT_HOURS, "late": LATE_HOURS}
BUSY_WEEK = (date(2026, 10, 12), date(2026, 10, 18))


def _day_weight(key: Key | None, d: date) -> float:
    w = 1.0
    if d.weekday() >= 5:
        w = key.weekend if key else 0.3
    if BUSY_WEEK[0] <= d <= BUSY_WEEK[1]:
        w *= key.busy if key else 1.0
    return w


def _random_start(rng: random.Random, key: Key | None) -> datetime:
    days = [MONTH_START.date() + timedelta(days=i) for i in range((MONTH_END - MONTH_START).days)]
    d = rng.choices(days, [_day_weight(key, x) for x in days])[0]
    hours = HOUR_PROFILES[key.hours] if key else BUSINESS_HOURS
    h = rng.choices(range(24), hours)[0]
    return datetime(d.year, d.month, d.day, h) + timedelta(milliseconds=rng.randint(0, 3_599_999))


def build_month(rng: random.Random) -> list[Call]:
    b = Builder(rng)
    n_fail = round(N_CALLS * 0.01)
    n_hits = round(N_CALLS * 0.02)
    plans = []  # (key, start, dep name, force_long)
    # planted edge calls
    plans.append((KEYS["batch-etl"], MONTH_START, "gpt-4o-mini", False, 2150))
    plans.append((KEYS["batch-etl"], datetime(2026, 10, 31, 23, 59, 58, 750000), "gemini", False, 6480))
    n_long = 7
    n_regular = N_CALLS - n_hits - len(plans)
    key_list = list(KEYS.values()) + [None]
    weights = [k.share for k in KEYS.values()] + [NO_KEY_SHARE]
    for i in range(n_regular):
        key = rng.choices(key_list, weights)[0]
        models = key.models if key else NO_KEY_MODELS
        names, ws = zip(*models)
        dep_name = rng.choices(names, ws)[0]
        plans.append((key, _random_start(rng, key), dep_name, False, None))
    # a few Gemini calls above the 200k-token tier threshold (batch-etl, AI Studio deployment)
    gemini_batch = [i for i, p in enumerate(plans) if p[0] is KEYS["batch-etl"] and p[2] == "gemini"
                    and p[4] is None]
    for i in rng.sample(gemini_batch, n_long):
        k, s, dn, _, dur = plans[i]
        plans[i] = (k, s, dn, True, dur)
    # failures: 1%, never on the planted calls
    fail_idx = set(rng.sample(range(2, len(plans)), n_fail))
    calls = []
    for i, (key, start, dep_name, force_long, dur) in enumerate(plans):
        calls.append(b.make_call(key, DEPLOYMENTS[dep_name], start, failure=i in fail_idx,
                                 force_long=force_long, duration_ms=dur))
    # LiteLLM cache hits: repeats of earlier successful calls on the cache-enabled keys
    calls.sort(key=lambda c: (c.start, c.request_id))
    originals = [c for c in calls if c.key and c.key.cache_on and c.status == "success"
                 and c.start < datetime(2026, 10, 31)]
    for orig in sorted(rng.sample(originals, n_hits), key=lambda c: (c.start, c.request_id)):
        delay = timedelta(milliseconds=rng.randint(20_000, 6 * 3_600_000))
        start = orig.end + delay
        if start >= MONTH_END:
            start = orig.end + timedelta(seconds=30)
        calls.append(b.make_cache_hit(orig, start))
    calls.sort(key=lambda c: (c.start, c.request_id))
    # code-assistant sessions: calls of one (day, slot) share a session id
    sessions: dict = {}
    for c in calls:
        if c.key is KEYS["code-assistant"]:
            slot = (c.start.date(), c.start.hour // 3, c.requester_ip)
            if slot not in sessions:
                sessions[slot] = c.trace_id
            c.trace_id = sessions[slot]
    assert len(calls) == N_CALLS, len(calls)
    assert len({c.request_id for c in calls}) == N_CALLS
    return calls


# ---------------------------------------------------------------------------
# Expected totals
# ---------------------------------------------------------------------------

TOKEN_CATEGORIES = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning",
                    "audio_input", "audio_output")


def canonical_tokens(call: Call) -> dict:
    t = call.tokens
    if call.status == "failure":
        return {k: 0 for k in TOKEN_CATEGORIES}
    return {"input": t.uncached, "cache_read": t.cache_read, "cache_write_5m": t.cw5m, "cache_write_1h": t.cw1h,
            "output": t.completion, "reasoning": t.reasoning, "audio_input": 0, "audio_output": 0}


def expected_totals(calls: list[Call], spend_text: dict) -> dict:
    def bucket():
        return {"calls": 0, "spend": Decimal(0)}

    def add(groups: dict, name, call, spend, with_tokens=False):
        g = groups.setdefault(name, bucket())
        g["calls"] += 1
        g["spend"] += spend
        if with_tokens:
            tk = g.setdefault("tokens", {k: 0 for k in TOKEN_CATEGORIES})
            for k, v in canonical_tokens(call).items():
                tk[k] += v

    total = bucket()
    original = Decimal(0)
    by = {name: {} for name in ("user_tag", "user_agent_tag", "key_alias", "api_key", "team_id", "provider",
                                "model", "provider_model", "model_group", "user", "end_user", "day", "status")}
    tagged, untagged = bucket(), bucket()
    tokens = {k: 0 for k in TOKEN_CATEGORIES}
    tokens_no_hits = {k: 0 for k in TOKEN_CATEGORIES}
    failures = hits = 0
    for c in calls:
        s = Decimal(spend_text[c.request_id])
        total["calls"] += 1
        total["spend"] += s
        original += Decimal(pg_float(c.cost["original_cost"])) if c.cost else s
        failures += c.status == "failure"
        hits += c.cache_state is True
        for tag in c.user_tags:
            add(by["user_tag"], tag, c, s)
        for tag in c.request_tags[len(c.user_tags):]:
            add(by["user_agent_tag"], tag, c, s)
        target = tagged if c.user_tags else untagged
        target["calls"] += 1
        target["spend"] += s
        add(by["key_alias"], c.key.alias or "" if c.key else "", c, s)
        add(by["api_key"], c.key_hash, c, s)
        add(by["team_id"], c.team.team_id if c.team else "", c, s)
        add(by["provider"], c.dep.provider, c, s, True)
        add(by["model"], c.dep.model, c, s, True)
        add(by["provider_model"], f"{c.dep.provider}/{c.dep.model}", c, s, True)
        add(by["model_group"], c.dep.model_group, c, s)
        add(by["user"], c.key.user_id if c.key else "", c, s)
        add(by["end_user"], c.end_user, c, s)
        add(by["day"], c.start.date().isoformat(), c, s)
        add(by["status"], c.status, c, s)
        for k, v in canonical_tokens(c).items():
            tokens[k] += v
            if c.cache_state is not True:
                tokens_no_hits[k] += v

    def fmt(groups: dict) -> dict:
        out = {}
        for name in sorted(groups):
            g = groups[name]
            item = {"calls": g["calls"], "spend": str(g["spend"])}
            if "tokens" in g:
                item["tokens"] = g["tokens"]
            out[name] = item
        return out

    return {
        "description": "Computed by sample_data/generate.py from the values it wrote, independently of litecost. "
                       "Spend sums use decimal.Decimal over the exact `spend` strings of the CSV. Grouping keys: "
                       "'' means none (no key / no alias / no team / no user / no end user). Tags: a call counts "
                       "under each of its user tags (LiteLLM's automatic 'User-Agent: ...' tags are listed "
                       "separately); tagged_calls counts each tagged call once. Tokens are canonical categories: "
                       "input = uncached input, output = completion incl. reasoning (no audio in this data). "
                       "The decimal sums are exact over the CSV text; a store that converts each float to "
                       "DECIMAL(38,18) differs around the 17th decimal, so compare money with a 1e-12 tolerance "
                       "(or use spend_12dp).",
        "seed": SEED,
        "period_utc": {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"},
        "calls": total["calls"],
        "successes": total["calls"] - failures,
        "failures": failures,
        "cache_hits": hits,
        "spend": str(total["spend"]),
        "spend_12dp": str(total["spend"].quantize(Decimal("1e-12"))),
        "original_cost": str(original),
        "discount": str(original - total["spend"]),
        "tagged_calls": {"calls": tagged["calls"], "spend": str(tagged["spend"])},
        "untagged_calls": {"calls": untagged["calls"], "spend": str(untagged["spend"])},
        "sum_over_user_tags": str(sum((g["spend"] for g in by["user_tag"].values()), Decimal(0))),
        "tokens": tokens,
        "tokens_excluding_cache_hits": tokens_no_hits,
        "gemini_calls_above_200k_prompt_tokens": sum(
            1 for c in calls if c.dep.usage_style == "gemini" and c.prompt_tokens > 200_000),
        "by_user_tag": fmt(by["user_tag"]),
        "by_user_agent_tag": fmt(by["user_agent_tag"]),
        "by_key_alias": fmt(by["key_alias"]),
        "by_api_key": fmt(by["api_key"]),
        "by_team_id": fmt(by["team_id"]),
        "team_aliases": {t.team_id: t.alias for t in TEAMS.values()},
        "by_provider": fmt(by["provider"]),
        "by_model": fmt(by["model"]),
        "by_provider_model": fmt(by["provider_model"]),
        "by_model_group": fmt(by["model_group"]),
        "by_user": fmt(by["user"]),
        "by_end_user": fmt(by["end_user"]),
        "by_day": fmt(by["day"]),
        "by_status": fmt(by["status"]),
    }


def write_month(out_dir: Path) -> None:
    rng = random.Random(SEED)
    calls = build_month(rng)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_insert = sorted(calls, key=lambda c: (c.created_at, c.request_id))
    csv_text = spendlogs_csv(by_insert)
    (out_dir / "spendlogs_2026-10.csv").write_bytes(csv_text.encode())
    by_end = sorted(calls, key=lambda c: (c.end, c.request_id))
    with open(out_dir / "callbacks_2026-10.jsonl", "wb") as f:
        for c in by_end:
            f.write((json.dumps(standard_logging_payload(c)) + "\n").encode())
    spend_text = {}
    for row in csv.DictReader(io.StringIO(csv_text)):
        spend_text[row["request_id"]] = row["spend"]
    totals = expected_totals(calls, spend_text)
    (out_dir / "expected_totals.json").write_bytes((json.dumps(totals, indent=2) + "\n").encode())


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------

def build_fixture_calls() -> tuple[dict, dict]:
    """Ten 1.110.2 calls (F1..F10) and five 1.74.0 calls (L1..L5), fully pinned."""
    rng = random.Random(SEED + 1)
    b = Builder(rng)
    K = KEYS

    def call(label, key, dep, start, tokens=None, failure=False, duration=None, stream=None, tags=None,
             end_user=None, version=LITELLM_VERSION, model_map=MODEL_MAP):
        c = b.make_call(key, DEPLOYMENTS[dep], start, failure=failure, duration_ms=duration,
                        model_map=model_map, version=version)
        if tokens is not None:
            c.tokens = tokens
            c.usage, c.prompt_tokens, c.completion_tokens = build_usage(tokens, c.dep.usage_style, version)
            c.cost = litellm_cost(tokens, c.prompt_tokens, c.model_info, c.dep.provider, version)
            c.spend = c.cost["total_cost"]
            if version != LITELLM_VERSION:
                c.cost = None
        if stream is not None:
            c.stream = stream
            if not stream:
                c.completion_start = c.end
            else:
                c.completion_start = c.start + timedelta(milliseconds=820)
        if tags is not None:
            c.user_tags = tags
        if end_user is not None:
            c.end_user = end_user
        c.label = label
        return c

    F = {}
    F["F1"] = call("F1", K["support-bot"], "claude", datetime(2026, 10, 1, 14, 2, 11, 120000),
                   Tokens(uncached=1200, cache_read=20000, cw5m=2000, cw1h=1000, completion=500),
                   duration=4785, stream=True, tags=["feature:summarize", "app:support", "env:prod"],
                   end_user="cust_1021")
    F["F2"] = call("F2", K["support-bot"], "gpt-4o-mini", datetime(2026, 10, 1, 14, 5, 0),
                   Tokens(uncached=4000, cache_read=6000, completion=300), duration=1312, stream=False,
                   tags=["app:support", "env:prod"], end_user="cust_1187")
    F["F3"] = call("F3", K["eval-harness"], "o3-mini", datetime(2026, 10, 2, 9, 30, 15, 5000),
                   Tokens(uncached=1000, completion=5000, reasoning=4000), duration=23040, stream=False,
                   tags=["env:staging", "feature:eval"])
    F["F4"] = call("F4", K["batch-etl"], "gemini", datetime(2026, 10, 3, 2, 11, 47, 999000),
                   Tokens(uncached=230000, cache_read=20000, completion=2000, reasoning=1200), duration=61250,
                   stream=False, tags=["feature:extract", "env:prod"])
    F["F5"] = call("F5", K["batch-etl"], "vertex-gemini", datetime(2026, 10, 3, 2, 15, 3, 400000),
                   Tokens(uncached=40000, completion=1500, reasoning=600), duration=18420, stream=False,
                   tags=["feature:summarize", "env:prod"])
    F["F6"] = call("F6", K["code-assistant"], "bedrock-claude", datetime(2026, 10, 5, 10, 20, 30, 250000),
                   Tokens(uncached=350, cache_read=48000, cw5m=2500, completion=1800), duration=21904,
                   stream=True, tags=["env:prod", "app:code-assistant"])
    F["F7"] = call("F7", K["search-backend"], "azure-gpt-4o", datetime(2026, 10, 6, 16, 45, 1, 7000),
                   Tokens(uncached=3072, cache_read=2048, completion=220), duration=2890, stream=False,
                   tags=["feature:rerank", "app:search", "team:search", "env:prod"])
    F["F8"] = call("F8", K["growth-experiments"], "claude", datetime(2026, 10, 7, 18, 0, 0, 500000),
                   failure=True, duration=30012, stream=False, tags=["env:staging", "app:growth"], end_user="")
    F["F9"] = b.make_cache_hit(F["F2"], datetime(2026, 10, 1, 15, 12, 44, 80000))
    F["F9"].label = "F9"
    F["F9"].end_user = "cust_1187"
    F["F10"] = call("F10", None, "gpt-4o-mini", datetime(2026, 10, 8, 11, 59, 59, 999000),
                    Tokens(uncached=900, completion=120), duration=987, stream=False)
    # F8: the error is pinned to the Anthropic overload (error_for picks per provider)
    L = {}
    old = dict(version="1.74.0", model_map=MODEL_MAP_174)
    vertex_174 = DEPLOYMENTS["vertex-gemini"]
    L["L1"] = call("L1", K["support-bot"], "claude4", datetime(2025, 7, 21, 9, 14, 2, 310000),
                   Tokens(uncached=1500, cache_read=18000, cw5m=4000, completion=600), duration=5120,
                   stream=False, tags=["app:support", "env:prod"], end_user="cust_1330", **old)
    L["L2"] = call("L2", K["support-bot"], "claude4", datetime(2025, 7, 21, 9, 14, 40, 0),
                   Tokens(uncached=800, cw5m=6000, completion=300), duration=3010, stream=False,
                   tags=["app:support", "env:prod"], end_user="cust_1456", **old)
    L["L3"] = call("L3", K["search-backend"], "azure-gpt-4o", datetime(2025, 7, 21, 10, 2, 9, 900000),
                   Tokens(uncached=1976, cache_read=1024, completion=180), duration=1650, stream=False,
                   tags=["app:search", "team:search", "env:prod"], **old)
    L["L4"] = call("L4", K["batch-etl"], vertex_174.name, datetime(2025, 7, 22, 2, 30, 0, 45000),
                   Tokens(uncached=17232, cache_read=32768, completion=1200, reasoning=800), duration=14200,
                   stream=False, tags=["feature:summarize", "env:prod"], **old)
    L["L5"] = call("L5", K["growth-experiments"], "claude4", datetime(2025, 7, 22, 16, 5, 33, 600000),
                   Tokens(uncached=2100, completion=450), duration=7400, stream=False,
                   tags=["env:prod", "feature:copywriting", "app:growth"], end_user="acct_9ZD4", **old)
    for c in L.values():  # 1.74 predates the batch-etl key rotation and SDK upgrade
        c.created_at = c.end + timedelta(milliseconds=500)
    return F, L


CANARY_PROMPT = "CANARY-PROMPT-7f3a"
CANARY_AUTH = "Bearer sk-canary-SECRET-0000"


def write_fixtures(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    F, L = build_fixture_calls()
    first5 = [F[k] for k in ("F1", "F2", "F3", "F4", "F5")]
    all10 = [F[f"F{i}"] for i in range(1, 11)]

    def w(name: str, text: str) -> None:
        (out_dir / name).write_bytes(text.encode())

    w("spendlogs_v1110.csv", spendlogs_csv(first5))
    w("spendlogs_v174.csv", spendlogs_csv(list(L.values())))
    buf = io.BytesIO()
    with gzip.GzipFile(filename="spendlogs_v1110.csv", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(spendlogs_csv(all10).encode())
    (out_dir / "spendlogs_v1110.csv.gz").write_bytes(buf.getvalue())
    list_calls = [F[k] for k in ("F1", "F2", "F6", "F7", "F8", "F9")]
    w("spendlogs_list.json", json.dumps([spendlogs_payload(c) for c in list_calls], indent=2) + "\n")
    v2_calls = [F[k] for k in ("F3", "F4", "F5", "F6", "F10")]
    page = {"data": [spendlogs_v2_row(c) for c in sorted(v2_calls, key=lambda c: c.start, reverse=True)],
            "total": len(v2_calls), "page": 1, "page_size": 50, "total_pages": 1, "total_is_capped": False}
    w("spendlogs_v2_page.json", json.dumps(page, indent=2) + "\n")
    jsonl_calls = [F[k] for k in ("F2", "F5", "F7", "F8", "F10")]
    w("spendlogs.jsonl", "".join(spendlogs_row_to_json(c) + "\n" for c in jsonl_calls))
    # callbacks
    slp_lines = []
    for c in first5:
        p = standard_logging_payload(c)
        if c.label == "F2":
            p["messages"][1]["content"] = f"{CANARY_PROMPT} please summarise my account history"
            p["metadata"]["requester_custom_headers"] = {"x-litellm-tags": "app:support",
                                                         "authorization": CANARY_AUTH}
            p["metadata"]["proxy_server_request"] = {
                "url": "http://litellm.acme.internal/v1/chat/completions", "method": "POST",
                "headers": {"authorization": CANARY_AUTH, "content-type": "application/json"},
                "body": {"model": "gpt-4o-mini", "messages": p["messages"]}}
        slp_lines.append(json.dumps(p))
    w("callbacks_slp.jsonl", "".join(line + "\n" for line in slp_lines))
    kw_calls = [F[k] for k in ("F1", "F6", "F7", "F8", "F9")]
    w("callbacks_kwargs.jsonl", "".join(json.dumps(callback_kwargs(c), default=str) + "\n" for c in kw_calls))
    min_calls = [F[k] for k in ("F2", "F3", "F7", "F10")]
    w("callbacks_minimal.jsonl", "".join(json.dumps(minimal_callback(c)) + "\n" for c in min_calls))
    write_parquet(out_dir / "spendlogs.parquet", all10)
    w("README.md", fixtures_readme(F, L))


def write_parquet(path: Path, calls: list[Call]) -> None:
    try:
        import duckdb  # noqa: PLC0415 -- optional; only this fixture needs it
    except ImportError:
        sys.exit("generate.py: writing spendlogs.parquet needs duckdb (e.g. .venv/bin/python)")
    types = {"spend": "DOUBLE", "total_tokens": "INTEGER", "prompt_tokens": "INTEGER",
             "completion_tokens": "INTEGER", "request_duration_ms": "INTEGER"}
    for c in TIME_COLUMNS:
        types[c] = "TIMESTAMP"
    for c in JSON_COLUMNS:
        types[c] = "JSON"
    con = duckdb.connect()
    con.execute("SET threads TO 1")
    cols = ", ".join(f'"{c}" {types.get(c, "VARCHAR")}' for c in COLUMNS_1110)
    con.execute(f'CREATE TABLE "LiteLLM_SpendLogs" ({cols})')
    rows = []
    for call in calls:
        r = spendlogs_row(call)
        vals = []
        for c in COLUMNS_1110:
            v = r[c]
            if v is not None and c in JSON_COLUMNS:
                v = jsonb_text(v)
            vals.append(v)
        rows.append(vals)
    placeholders = ", ".join("?" for _ in COLUMNS_1110)
    con.executemany(f'INSERT INTO "LiteLLM_SpendLogs" VALUES ({placeholders})', rows)
    if path.exists():
        path.unlink()
    con.execute(f"COPY \"LiteLLM_SpendLogs\" TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
    con.close()


def _dec(x: Decimal) -> str:
    return format(x.normalize(), "f")


def _fmt_tags(tags: list) -> str:
    return ", ".join(f"`{t}`" for t in tags) if tags else "(none)"


def fixtures_readme(F: dict, L: dict) -> str:
    def canon_row(c: Call) -> str:
        t = canonical_tokens(c)
        team = c.team.alias + f" (`{c.team.team_id}`)" if c.team else "(none)"
        alias = (c.key.alias or "(no alias)") if c.key else "(no key)"
        orig = ""
        if c.cost and c.cost["original_cost"] != c.spend:
            orig = f" (original_cost {pg_float(c.cost['original_cost'])})"
        return (f"| {c.label} | `{c.request_id}` | {c.start:%Y-%m-%dT%H:%M:%S}.{c.start.microsecond // 1000:03d}Z | {c.dep.provider} | "
                f"`{c.dep.model}` | {alias} | {team} | {_fmt_tags(c.user_tags)} | {c.status}"
                f"{', cache hit' if c.cache_state else ''} | {t['input']} | {t['cache_read']} | "
                f"{t['cache_write_5m']} | {t['cache_write_1h']} | {t['output']} | {t['reasoning']} | "
                f"{pg_float(c.spend)}{orig} |")

    header = ("| call | request id | start (UTC) | provider | model | key alias | team | user tags | status | "
              "input | cache_read | cache_write_5m | cache_write_1h | output | reasoning | spend (USD) |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    f_rows = "\n".join(canon_row(F[f"F{i}"]) for i in range(1, 11))
    l_rows = "\n".join(canon_row(c) for c in L.values())
    keys = "\n".join(
        f"| {k.alias or '(no alias)'} | `{k.hash}` | {TEAMS[k.team].alias if k.team else '(none)'} | {k.user_id} |"
        for k in KEYS.values())
    f9 = F["F9"]
    return f"""# tests/data -- small LiteLLM inputs, shaped exactly like the real thing

Generated by `python sample_data/generate.py --fixtures tests/data` (deterministic; the Parquet
file needs duckdb, e.g. `.venv/bin/python sample_data/generate.py --fixtures tests/data`).
Do not edit by hand: change the generator and regenerate. Every value is invented; key hashes are
sha256 of invented non-secret strings. Formats: see `sample_data/README.md` and the generator's
docstring; layouts follow the shared reference `litellm-formats.md` §1-§6.

## Files

| file | what it is | calls |
|---|---|---|
| `spendlogs_v1110.csv` | `psql \\copy "LiteLLM_SpendLogs" TO ... CSV HEADER`, LiteLLM 1.110.2 schema (36 columns). jsonb columns printed as Postgres prints jsonb (keys re-ordered, `0.0000025` numbers), `timestamp(3)` text, NULL = empty, "" = `""` | F1-F5 |
| `spendlogs_v1110.csv.gz` | the same export format, gzip (superset of the .csv: 5 duplicates + 5 new) | F1-F10 |
| `spendlogs_v174.csv` | LiteLLM 1.74.0 schema (28 columns: no `request_duration_ms`, `organization_id`, `mcp_namespaced_tool_name`, `agent_id`, `billing_agent_id`, `litellm_call_id`, `created_at`, `updated_at`); 1.74 metadata (no `cost_breakdown`, no `user_agent`); **1.74 Anthropic usage: `prompt_tokens` = input + cache_read only** (cache writes not included), `prompt_tokens_details` has only `cached_tokens` set (`text_tokens` null, no `cache_creation_tokens`), top-level `cache_creation_input_tokens`/`cache_read_input_tokens`. July 2025 | L1-L5 |
| `spendlogs_list.json` | JSON array of 1.110.2 `SpendLogsPayload` rows: `metadata`, `request_tags`, `messages`, `response`, `proxy_server_request` are JSON *strings*; times ISO `2026-10-01T14:02:11.120000+00:00` | F1, F2, F6, F7, F8, F9 |
| `spendlogs_v2_page.json` | `GET /spend/logs/v2` page: `{{"data", "total", "page", "page_size", "total_pages", "total_is_capped"}}`; `metadata` an object, `request_tags` a list, no `messages`/`response`/`proxy_server_request`, times ISO with `+00:00`, newest first | F10, F6, F5, F4, F3 |
| `spendlogs.jsonl` | `COPY (SELECT row_to_json(t) FROM "LiteLLM_SpendLogs" t) TO STDOUT`: one row per line, all 36 columns, jsonb columns as nested JSON, times `2026-10-01T14:05:00` (naive UTC, trailing zeros dropped), `spend` like float8 text (`0` for zero) | F2, F5, F7, F8, F10 |
| `spendlogs.parquet` | the 1.110.2 table copied to Parquet with duckdb: timestamps `TIMESTAMP` (naive UTC), JSON columns `JSON` (jsonb text), `spend` DOUBLE, token columns INTEGER | F1-F10 |
| `callbacks_slp.jsonl` | `json.dumps(kwargs["standard_logging_object"])` per line (StandardLoggingPayload; epoch-float times, `messages`/`response` with text) | F1-F5 (same calls as `spendlogs_v1110.csv`) |
| `callbacks_kwargs.jsonl` | whole callback `kwargs` dumped with `json.dumps(kwargs, default=str)`: `start_time`/`end_time`/`completion_start_time` are `str(datetime)` = `2026-10-01 14:02:11.120000` (naive, proxy host in UTC), `litellm_params.metadata` has the proxy's key/team/tags metadata, `standard_logging_object` nested; F8 is a failure event (`exception`, `traceback_exception`) | F1, F6, F7, F8, F9 |
| `callbacks_minimal.jsonl` | a custom logger's own dicts: `model`, `cost`, `cache_hit`, naive ISO `start_time`/`end_time`, `usage` (prompt/completion/total only, so no cache split), `metadata.user_api_key_alias`, `metadata.tags` (user tags only). **No request id** | F2, F3, F7, F10 |

The same call carries the same request id and facts in every file it appears in, so ingesting
several of these must dedupe to one row per call.

## Privacy canary

`callbacks_slp.jsonl`, call F2 (`{F["F2"].request_id}`): `messages[1].content` starts with
`{CANARY_PROMPT}`, and `metadata.requester_custom_headers.authorization` and
`metadata.proxy_server_request.headers.authorization` are `{CANARY_AUTH}` (also inside
`metadata.proxy_server_request.body.messages`). Neither string may reach the database,
stdout/stderr or any output. Every other file is free of prompt canaries and `sk-` strings
(the other payloads carry short harmless prompt/response text, which must be dropped too).

## Expected canonical values

Tokens are litecost's canonical categories: input = uncached input, output = completion
including reasoning; reasoning is the informational subset. Team = alias (`team_id`).
Tags = user tags only; every call except F10 also has LiteLLM's two automatic `User-Agent: ...`
tags (see the files). Start = `startTime` (UTC, millisecond precision).

{header}
{f_rows}

Notes:
- F1: Anthropic with cache read + 5m writes + 1h writes: `prompt_tokens` = 24200 =
  1200 + 20000 + 2000 + 1000; cost = 1200x3e-6 + 20000x3e-7 + 2000x3.75e-6 + 1000x6e-6 + 500x1.5e-5.
- F2: OpenAI cached tokens are inside `prompt_tokens` (10000 = 4000 + 6000); cost 0.00123 (reference §5.2).
- F3: o3-mini, 4000 of the 5000 completion tokens are reasoning; cost 0.0231 (reference §5.2).
- F4: Gemini AI Studio, `prompt_tokens` 250000 > 200k: every token at the `_above_200k_tokens` rates
  (input 2.5e-6, cache read 2.5e-7, output 1.5e-5). `text_tokens` is the whole prompt (250000).
- F5: Vertex AI with the 5% `cost_discount_config`: `spend` < `metadata.cost_breakdown.original_cost`.
- F6: Bedrock Claude (one model group `claude-sonnet-4-5` with the Anthropic deployment), no
  `text_tokens`, no 5m/1h split: the 2500 written tokens count as `cache_write_5m`.
- F7: Azure, model `gpt-4o`, group `gpt-4o-eu`, map key `azure/gpt-4o`.
- F8: failure (Anthropic 529 overloaded): request id is the litellm_call_id, 0 tokens, spend 0.
- F9: LiteLLM cache hit of F2: `{f9.request_id}`, `cache_hit` "True", spend 0, same tokens and
  `cache_key` as F2; `saved_cache_cost` {pg_float(f9.saved_cache_cost)} in the callback payload.
- F10: no virtual key (`api_key` ""), no user/team, `request_tags` `[]`, `requester_ip_address` NULL,
  startTime 11:59:59.999.

### `spendlogs_v174.csv` (LiteLLM 1.74.0, July 2025)

{header}
{l_rows}

Notes:
- L1: 1.74 Anthropic semantics: `prompt_tokens` = 19500 = 1500 input + 18000 cache read; the
  4000 cache-write tokens are **not** in `prompt_tokens` (only in `cache_creation_input_tokens`).
  Logged spend 0.0339 = 1500x3e-6 + 18000x3e-7 + 4000x3.75e-6 + 600x1.5e-5.
- L2: cache write only: `prompt_tokens` 800, `cache_creation_input_tokens` 6000.
- L4: `gemini-2.5-pro` on vertex_ai: the 1.74 map entry has **no** `cache_read_input_token_cost`, and
  1.74 billed the 32768 cached tokens at 0: logged spend {pg_float(L["L4"].spend)} =
  17232x1.25e-6 + 1200x1e-5. Re-pricing (list price, no discount) with 1.110 rules (missing cache
  rate -> input rate) gives {_dec(exact_cost(L["L4"].tokens, L["L4"].prompt_tokens, L["L4"].model_info, ""))}
  with that same entry, or {_dec(exact_cost(L["L4"].tokens, L["L4"].prompt_tokens, MODEL_MAP["gemini-2.5-pro"], ""))}
  with the 1.110.2 entry (cache read 1.25e-7).

## Virtual keys used

| alias | api_key (sha256) | team | user (key owner) |
|---|---|---|---|
{keys}
| batch-etl (regenerated 2026-10-15 10:00 UTC) | `{_sha(BATCH_ETL_V2_SEED)}` | Platform | jin.park@acme.example |

Organization `{ORG_ID}` for every team key; personal keys have no team and no organization.
"""


# ---------------------------------------------------------------------------
# Validation (re-reads the files; independent of the in-memory calls)
# ---------------------------------------------------------------------------

def _dec_cost_from_metadata(md: dict, provider: str, prompt_tokens: int, completion_tokens: int,
                            version: str) -> Decimal:
    """Recompute the cost from a row's own metadata (usage + model_map_value)."""
    info = md["model_map_information"]["model_map_value"]
    u = md["usage_object"]
    ptd = u.get("prompt_tokens_details") or {}
    ctd = u.get("completion_tokens_details") or {}
    cr = u.get("cache_read_input_tokens") or ptd.get("cached_tokens") or 0
    cw = u.get("cache_creation_input_tokens") or ptd.get("cache_write_tokens") or ptd.get("cache_creation_tokens") or 0
    details = ptd.get("cache_creation_token_details") or {}
    cw1h = details.get("ephemeral_1h_input_tokens") or 0
    if version == LITELLM_VERSION:
        uncached = prompt_tokens - cr - cw
    else:
        uncached = prompt_tokens - cr
    t = Tokens(uncached=uncached, cache_read=cr, cw5m=cw - cw1h, cw1h=cw1h, completion=completion_tokens,
               reasoning=ctd.get("reasoning_tokens") or 0)
    return exact_cost(t, prompt_tokens, info, provider, version)


def validate(month_dir: Path, fixtures_dir: Path | None) -> list[str]:
    problems: list[str] = []

    def check_csv(path: Path, n_cols: int, version: str) -> dict:
        rows = {}
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            if len(header) != n_cols:
                problems.append(f"{path}: header has {len(header)} columns, expected {n_cols}")
            for i, rec in enumerate(reader, start=2):
                if len(rec) != n_cols:
                    problems.append(f"{path}:{i}: {len(rec)} columns")
                    continue
                row = dict(zip(header, rec))
                rows[row["request_id"]] = row
                md = json.loads(row["metadata"])
                json.loads(row["request_tags"])
                if row["status"] == "success" and row["cache_hit"] != "True":
                    want = _dec_cost_from_metadata(md, row["custom_llm_provider"], int(row["prompt_tokens"]),
                                                   int(row["completion_tokens"]), version)
                    got = Decimal(row["spend"])
                    if abs(got - want) > Decimal("1e-15") + want * Decimal("1e-12"):
                        problems.append(f"{path}: {row['request_id']}: spend {got} != formula {want}")
                    cb = md.get("cost_breakdown")
                    if cb is not None and Decimal(str(cb["total_cost"])) != got:
                        problems.append(f"{path}: {row['request_id']}: cost_breakdown.total_cost != spend")
                elif Decimal(row["spend"]) != 0:
                    problems.append(f"{path}: {row['request_id']}: failure/cache hit with spend")
                if int(row["total_tokens"]) != int(row["prompt_tokens"]) + int(row["completion_tokens"]):
                    problems.append(f"{path}: {row['request_id']}: total_tokens")
        return rows

    def check_jsonl(path: Path) -> list:
        out = []
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f, start=1):
                try:
                    out.append(json.loads(line))
                except ValueError as exc:
                    problems.append(f"{path}:{i}: invalid JSON ({exc})")
        return out

    def ts_from_epoch(x: float) -> str:
        dt = datetime(1970, 1, 1) + timedelta(milliseconds=round(x * 1000))
        return pg_ts(dt)

    def compare(rows: dict, payloads: list, where: str) -> None:
        if len(rows) != len(payloads):
            problems.append(f"{where}: {len(rows)} rows vs {len(payloads)} payloads")
        for p in payloads:
            r = rows.get(p["id"])
            if r is None:
                problems.append(f"{where}: payload {p['id']} not in CSV")
                continue
            md = p["metadata"]
            checks = {
                "startTime": ts_from_epoch(p["startTime"]), "endTime": ts_from_epoch(p["endTime"]),
                "completionStartTime": ts_from_epoch(p["completionStartTime"]),
                "prompt_tokens": str(p["prompt_tokens"]), "completion_tokens": str(p["completion_tokens"]),
                "total_tokens": str(p["total_tokens"]), "spend": pg_float(p["response_cost"]),
                "api_key": md["user_api_key_hash"] or "", "user": md["user_api_key_user_id"] or "",
                "team_id": md["user_api_key_team_id"] or "", "end_user": p["end_user"],
                "model": p["model"], "custom_llm_provider": p["custom_llm_provider"], "status": p["status"],
                "cache_hit": str(p["cache_hit"]), "litellm_call_id": p["litellm_call_id"],
                "session_id": p["trace_id"], "model_group": p["model_group"], "model_id": p["model_id"],
            }
            for col, want in checks.items():
                if r[col] != want:
                    problems.append(f"{where}: {p['id']}: {col} CSV {r[col]!r} vs callback {want!r}")
            if json.loads(r["request_tags"]) != p["request_tags"]:
                problems.append(f"{where}: {p['id']}: request_tags differ")
            rmd = json.loads(r["metadata"])
            if rmd["usage_object"] != p["metadata"]["usage_object"]:
                problems.append(f"{where}: {p['id']}: usage_object differs")
            if rmd["user_api_key_alias"] != md["user_api_key_alias"]:
                problems.append(f"{where}: {p['id']}: alias differs")

    month_rows = check_csv(month_dir / "spendlogs_2026-10.csv", len(COLUMNS_1110), LITELLM_VERSION)
    month_payloads = check_jsonl(month_dir / "callbacks_2026-10.jsonl")
    compare(month_rows, month_payloads, "month")
    totals = json.loads((month_dir / "expected_totals.json").read_text())
    s = sum((Decimal(r["spend"]) for r in month_rows.values()), Decimal(0))
    if str(s) != totals["spend"] or len(month_rows) != totals["calls"]:
        problems.append(f"expected_totals: spend {totals['spend']} / calls {totals['calls']} vs CSV {s} / "
                        f"{len(month_rows)}")
    for r in month_rows.values():
        if not (MONTH_START <= datetime.fromisoformat(r["startTime"]) < MONTH_END):
            problems.append(f"month: {r['request_id']} starts outside October")
    for name in ("spendlogs_2026-10.csv", "callbacks_2026-10.jsonl", "expected_totals.json"):
        if "sk-" in (month_dir / name).read_text():
            problems.append(f"{name}: contains 'sk-'")
    if fixtures_dir is not None:
        v1110 = check_csv(fixtures_dir / "spendlogs_v1110.csv", len(COLUMNS_1110), LITELLM_VERSION)
        check_csv(fixtures_dir / "spendlogs_v174.csv", len(COLUMNS_174), "1.74.0")
        slp = check_jsonl(fixtures_dir / "callbacks_slp.jsonl")
        compare(v1110, slp, "fixtures")
        with gzip.open(fixtures_dir / "spendlogs_v1110.csv.gz", "rt", encoding="utf-8", newline="") as f:
            gz_rows = list(csv.reader(f))
        if any(len(r) != len(COLUMNS_1110) for r in gz_rows):
            problems.append("spendlogs_v1110.csv.gz: column count")
        for name in ("callbacks_kwargs.jsonl", "callbacks_minimal.jsonl", "spendlogs.jsonl"):
            check_jsonl(fixtures_dir / name)
        for name in ("spendlogs_list.json", "spendlogs_v2_page.json"):
            json.loads((fixtures_dir / name).read_text())
        for name in sorted(p.name for p in fixtures_dir.iterdir()):
            if name.endswith((".csv", ".json", ".jsonl")) and name != "callbacks_slp.jsonl":
                text = (fixtures_dir / name).read_text()
                if "sk-" in text or CANARY_PROMPT in text:
                    problems.append(f"{name}: contains a secret-looking string or the canary")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = Path(__file__).resolve().parent
    ap.add_argument("--out", type=Path, default=here, help="directory for the month files (default: sample_data/)")
    ap.add_argument("--fixtures", type=Path, metavar="DIR", help="write the small test fixtures into DIR instead")
    ap.add_argument("--validate", action="store_true", help="check the files already written in --out "
                                                             "(and --fixtures DIR if given)")
    args = ap.parse_args(argv)
    if args.validate:
        problems = validate(args.out, args.fixtures)
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1 if problems else 0
    if args.fixtures is not None:
        write_fixtures(args.fixtures)
    else:
        write_month(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
