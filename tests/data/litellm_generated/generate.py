#!/usr/bin/env python3
"""Generate a fixture of StandardLoggingPayload records priced by the real LiteLLM.

Outputs (next to this file unless ``--out DIR`` is given):

* ``callbacks.jsonl``      one ``json.dumps(kwargs["standard_logging_object"], default=str)``
                           line per priced call, exactly as LiteLLM's ``CustomLogger`` success hook
                           received it (only the clock fields are rewritten, see "Determinism").
* ``expected_costs.json``  ``{request id: {"response_cost", "model", "case", "cost_breakdown", ...}}``.

How to re-run
-------------
This script runs in a separate virtualenv holding the pinned LiteLLM, never in litecost's own venv::

    python3 -m venv /tmp/litellm-venv
    /tmp/litellm-venv/bin/pip install litellm==1.110.2
    /tmp/litellm-venv/bin/python tests/data/litellm_generated/generate.py          # from the repo root

It sets ``LITELLM_LOCAL_MODEL_COST_MAP=True`` itself before importing litellm, so LiteLLM prices with the
price map bundled in the wheel (byte-identical to ``pricing/litellm_model_prices.json``) and never
fetches the map from GitHub.  The script refuses to run on another LiteLLM version unless
``--allow-other-version`` is given.  ``--out DIR`` writes somewhere else (used to diff two runs).

No network is used.  All API keys are set to obviously fake values, and httpx's transports are patched
so any HTTP request either gets a canned provider answer (only the batch case needs this) or raises.

Which LiteLLM path priced each case
-----------------------------------
Path M (mock_response):  ``litellm.completion(model=..., messages=..., mock_response=<ModelResponse>)``.
    A plain string ``mock_response`` cannot carry usage (LiteLLM then invents 10 prompt / 20 completion
    tokens), so for every completion case the provider's response is built first and passed in as a
    ``litellm.ModelResponse``:
      - OpenAI / Azure cases (a, c, f, g, h): the raw OpenAI Chat Completions JSON is converted with
        LiteLLM's own ``convert_to_model_response_object`` (what the openai/azure handlers use).
      - Anthropic case (b): the raw Anthropic Messages JSON (``usage.input_tokens``,
        ``cache_creation_input_tokens``, ``cache_read_input_tokens``, ``cache_creation.ephemeral_5m/1h``)
        is converted with ``AnthropicConfig().transform_parsed_response`` (the Anthropic handler's
        own transformation, which calls ``AnthropicConfig.calculate_usage``).
      - Gemini case (d): the raw ``generateContent`` JSON's ``usageMetadata`` is converted with
        ``VertexGeminiConfig._calculate_usage`` (the Gemini handler's own usage transformation); the
        choices/id/model are set from the same raw JSON.
    LiteLLM's normal success-logging then prices the call: ``Logging._response_cost_calculator`` ->
    ``litellm.response_cost_calculator`` -> ``completion_cost`` -> ``cost_per_token`` ->
    provider function (``openai_cost_per_token``, ``anthropic_cost_per_token``, ``gemini_cost_per_token``,
    ``azure_openai_cost_per_token``), all of which end in ``generic_cost_per_token``.
    ``call_type`` is therefore ``"completion"`` (the proxy would log ``"acompletion"``).

Path B (batch retrieve, case e): ``litellm.aretrieve_batch(batch_id, custom_llm_provider=...)`` is
    called for real; the patched httpx transport answers the provider's "retrieve batch" and
    "batch output/results file" endpoints with canned JSON/JSONL.  LiteLLM's async success handler
    then runs ``handle_completed_batch`` (downloads the output file via ``afile_content``) and prices
    every output line with ``batch_cost_calculator``; the record has ``call_type == "aretrieve_batch"``
    and its ``id`` is the batch id.  The internal ``afile_content`` call LiteLLM makes to download the
    output file also reaches the callback (``call_type == "afile_content"``, cost 0, random uuid id);
    those records are dropped.

Path C (``completion_cost`` + hand-built payload) is NOT used by any case.

Determinism
-----------
Request ids (response ``id``), ``litellm_call_id`` and ``trace_id`` are fixed by the script (for case b the
id is set on the ModelResponse *after* ``transform_parsed_response``, which in 1.110.2 drops Anthropic's
``msg_...`` id and leaves a random ``chatcmpl-<uuid4>``; the stable ``chatcmpl-litecost-bNN`` replaces that
random value).  The only
clock-derived fields in a payload are ``startTime``, ``endTime``, ``completionStartTime`` (epoch floats)
and ``response_time``; after the run they are rewritten to fixed values (a start time per call from
2026-11-02T09:00:00Z in 10-minute steps, a fixed latency per call, completionStartTime = endTime).
Everything else is byte-for-byte what LiteLLM produced.  Records are written in case order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

# --- must happen before litellm is imported ---------------------------------------------------
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
for _var, _val in {
    "OPENAI_API_KEY": "sk-litecost-fixture-not-a-real-key",
    "ANTHROPIC_API_KEY": "sk-ant-litecost-fixture-not-a-real-key",
    "GEMINI_API_KEY": "litecost-fixture-not-a-real-key",
    "AZURE_API_KEY": "litecost-fixture-not-a-real-key",
    "AZURE_API_BASE": "https://litecost-fixture.openai.azure.com",
    "AZURE_API_VERSION": "2024-10-21",
}.items():
    os.environ[_var] = _val

import httpx  # noqa: E402

import litellm  # noqa: E402
from litellm.integrations.custom_logger import CustomLogger  # noqa: E402
from litellm.litellm_core_utils.llm_response_utils.convert_dict_to_response import (  # noqa: E402
    convert_to_model_response_object,
)
from litellm.llms.anthropic.chat.transformation import AnthropicConfig  # noqa: E402
from litellm.llms.vertex_ai.gemini.vertex_and_google_ai_studio_gemini import VertexGeminiConfig  # noqa: E402

LITELLM_VERSION_PINNED = "1.110.2"
HERE = Path(__file__).resolve().parent
BASE_EPOCH = 1793610000.0  # 2026-11-02T09:00:00Z
CREATED = 1793610000  # response "created" for every call
DROPPED_CALL_TYPES = {"afile_content", "file_content"}

litellm.telemetry = False
litellm.disable_aiohttp_transport = True  # route async HTTP through httpx, where the offline stub sits

# =============================================================================================
# Offline HTTP: canned answers for the batch endpoints, everything else is refused
# =============================================================================================
HTTP_ROUTES: dict[tuple[str, str], tuple[int, str, bytes]] = {}  # (method, url) -> (status, ctype, body)
HTTP_LOG: list[str] = []


def _route(method: str, url: str, body: object, ctype: str = "application/json") -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    HTTP_ROUTES[(method, url)] = (200, ctype, raw)


def _offline_handler(request: httpx.Request) -> httpx.Response:
    url = str(request.url).split("?")[0]
    key = (request.method, url)
    HTTP_LOG.append(f"{request.method} {url}")
    if key not in HTTP_ROUTES:
        raise RuntimeError(f"litecost fixture generator is offline; unexpected HTTP {request.method} {url}")
    status, ctype, raw = HTTP_ROUTES[key]
    return httpx.Response(status, headers={"content-type": ctype}, content=raw, request=request)


def _sync_handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    request.read()
    return _offline_handler(request)


async def _async_handle(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
    await request.aread()
    return _offline_handler(request)


httpx.HTTPTransport.handle_request = _sync_handle  # type: ignore[method-assign]
httpx.AsyncHTTPTransport.handle_async_request = _async_handle  # type: ignore[method-assign]


# =============================================================================================
# The callback under test
# =============================================================================================
class FixtureLogger(CustomLogger):
    """Success hook: append json.dumps(kwargs["standard_logging_object"], default=str)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.dropped: list[str] = []

    def _record(self, kwargs: dict) -> None:
        slo = kwargs.get("standard_logging_object")
        if slo is None:
            return
        line = json.dumps(slo, default=str)
        if slo.get("call_type") in DROPPED_CALL_TYPES:
            self.dropped.append(line)
            return
        self.lines.append(line)

    def log_success_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._record(kwargs)

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._record(kwargs)


LOGGER = FixtureLogger()
litellm.callbacks = [LOGGER]

# =============================================================================================
# Helpers that build provider responses with LiteLLM's own transformations
# =============================================================================================
SHORT_PROMPT = [{"role": "user", "content": "Reply with one short sentence about invoices."}]
REPLY = "Invoices list what you owe and when."


def openai_response(rid: str, model: str, prompt: int, completion: int, *, cached: int = 0,
                    reasoning: int | None = None, audio_in: int | None = None, audio_out: int | None = None,
                    service_tier: str | None = None, fingerprint: str = "fp_litecost01") -> litellm.ModelResponse:
    """Raw OpenAI Chat Completions JSON -> ModelResponse via LiteLLM's openai conversion."""
    ptd: dict = {"cached_tokens": cached, "audio_tokens": audio_in or 0}
    ctd: dict = {"reasoning_tokens": reasoning or 0, "audio_tokens": audio_out or 0,
                 "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
    raw = {
        "id": rid,
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "system_fingerprint": fingerprint,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY, "refusal": None},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                  "prompt_tokens_details": ptd, "completion_tokens_details": ctd},
    }
    if service_tier is not None:
        raw["service_tier"] = service_tier
    return convert_to_model_response_object(response_object=raw, model_response_object=litellm.ModelResponse())


def anthropic_response(rid: str, input_tokens: int, output_tokens: int, *, cache_read: int = 0,
                       write_5m: int = 0, write_1h: int = 0) -> litellm.ModelResponse:
    """Raw Anthropic Messages JSON -> ModelResponse via AnthropicConfig().transform_parsed_response."""
    raw = {
        "id": rid,
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": REPLY}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "cache_creation_input_tokens": write_5m + write_1h,
            "cache_read_input_tokens": cache_read,
            "cache_creation": {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h},
            "output_tokens": output_tokens,
            "service_tier": "standard",
        },
    }
    raw_http = httpx.Response(200, json=raw, headers={"request-id": "req_" + rid.rsplit("-", 1)[-1]},
                              request=httpx.Request("POST", "https://api.anthropic.com/v1/messages"))
    mr = AnthropicConfig().transform_parsed_response(
        completion_response=raw, raw_response=raw_http, model_response=litellm.ModelResponse())
    mr.created = CREATED  # the transformation stamps time.time()
    # LiteLLM 1.110.2's Anthropic transformation drops the provider's "msg_..." id and keeps the
    # random "chatcmpl-<uuid4>" id of the fresh ModelResponse; replace that random id with a stable one.
    mr.id = rid
    return mr


def gemini_response(rid: str, prompt: int, candidates: int, thoughts: int, *, cached: int = 0,
                    cache_details: bool = True) -> litellm.ModelResponse:
    """Raw generateContent JSON; usage via VertexGeminiConfig._calculate_usage (the Gemini handler's own)."""
    usage_md: dict = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": candidates,
        "totalTokenCount": prompt + candidates + thoughts,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
        "thoughtsTokenCount": thoughts,
    }
    if cached:
        usage_md["cachedContentTokenCount"] = cached
        if cache_details:  # the API may or may not send the per-modality cache breakdown
            usage_md["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached}]
    raw = {
        "candidates": [{"content": {"parts": [{"text": REPLY}], "role": "model"}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": usage_md,
        "modelVersion": "gemini-2.5-pro",
        "responseId": rid,
    }
    usage = VertexGeminiConfig._calculate_usage(completion_response=raw)
    return litellm.ModelResponse(
        id=rid, created=CREATED, model="gemini-2.5-pro", object="chat.completion",
        choices=[{"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}],
        usage=usage,
    )


# =============================================================================================
# Cases
# =============================================================================================
# Each entry: (case, litellm model, extra completion kwargs, ModelResponse factory, latency_ms)
def completion_cases() -> list[tuple[str, str, dict, object, int]]:
    c: list[tuple[str, str, dict, object, int]] = []
    # a. gpt-4o-mini with prompt-cache hits (OpenAI caches in 128-token steps from 1024)
    for i, (p, out, cached) in enumerate([(1200, 150, 0), (10000, 300, 6016), (52000, 800, 49152)], 1):
        c.append(("a", "gpt-4o-mini", {},
                  lambda i=i, p=p, out=out, cached=cached: openai_response(
                      f"chatcmpl-litecost-a{i:02d}", "gpt-4o-mini-2024-07-18", p, out, cached=cached), 800 + 100 * i))
    # b. claude-sonnet-4-5 with cache reads, 5-minute and 1-hour cache writes
    for i, (inp, out, read, w5, w1) in enumerate([
        (350, 420, 20000, 0, 0),        # read only
        (1200, 500, 20000, 3000, 0),    # read + 5m write (reference-doc example, 0.02835)
        (800, 900, 15000, 0, 4096),     # read + 1h write
        (600, 250, 0, 2000, 4000),      # mixed 5m + 1h write
    ], 1):
        c.append(("b", "claude-sonnet-4-5-20250929", {},
                  lambda i=i, inp=inp, out=out, read=read, w5=w5, w1=w1: anthropic_response(
                      f"chatcmpl-litecost-b{i:02d}", inp, out, cache_read=read, write_5m=w5, write_1h=w1), 2500 + 300 * i))
    # c. o3-mini with reasoning tokens (one with a cache hit)
    for i, (p, out, reas, cached) in enumerate([(1000, 5000, 4000, 0), (3000, 800, 640, 1024)], 1):
        c.append(("c", "o3-mini", {},
                  lambda i=i, p=p, out=out, reas=reas, cached=cached: openai_response(
                      f"chatcmpl-litecost-c{i:02d}", "o3-mini-2025-01-31", p, out, reasoning=reas, cached=cached),
                  4000 + 500 * i))
    # d. gemini-2.5-pro: >200k prompt (tier); <200k prompt with cache (no cacheTokensDetails);
    #    >200k prompt with cache (with cacheTokensDetails)
    for i, (p, cand, th, cached, det) in enumerate([(250000, 1500, 500, 0, False),
                                                    (150000, 1200, 800, 100000, False),
                                                    (230000, 700, 300, 180000, True)], 1):
        c.append(("d", "gemini/gemini-2.5-pro", {},
                  lambda i=i, p=p, cand=cand, th=th, cached=cached, det=det: gemini_response(
                      f"litecost-gemini-d{i:02d}", p, cand, th, cached=cached, cache_details=det), 9000 + 1000 * i))
    # f. gpt-4o-mini with service_tier="priority" requested; served "priority" twice, then once
    #    downgraded by OpenAI to "default" (response service_tier)
    for i, (p, out, cached, served) in enumerate([(2000, 200, 0, "priority"), (8000, 400, 4096, "priority"),
                                                  (2000, 200, 0, "default")], 1):
        c.append(("f", "gpt-4o-mini", {"service_tier": "priority"},
                  lambda i=i, p=p, out=out, cached=cached, served=served: openai_response(
                      f"chatcmpl-litecost-f{i:02d}", "gpt-4o-mini-2024-07-18", p, out, cached=cached,
                      service_tier=served), 600 + 50 * i))
    # g. azure/gpt-4o (Azure returns the versioned base model name)
    for i, (p, out, cached) in enumerate([(3000, 400, 0), (12000, 600, 8064)], 1):
        c.append(("g", "azure/gpt-4o", {"api_base": os.environ["AZURE_API_BASE"],
                                         "api_version": os.environ["AZURE_API_VERSION"]},
                  lambda i=i, p=p, out=out, cached=cached: openai_response(
                      f"chatcmpl-litecost-g{i:02d}", "gpt-4o-2024-11-20", p, out, cached=cached,
                      fingerprint="fp_litecostaz"), 1500 + 100 * i))
    # h. gpt-4o-audio-preview with audio tokens in and out
    for i, (p, ain, out, aout) in enumerate([(1500, 1200, 900, 750)], 1):
        c.append(("h", "gpt-4o-audio-preview-2025-06-03", {},
                  lambda i=i, p=p, ain=ain, out=out, aout=aout: openai_response(
                      f"chatcmpl-litecost-h{i:02d}", "gpt-4o-audio-preview-2025-06-03", p, out,
                      audio_in=ain, audio_out=aout), 3000 + 200 * i))
    return c


# e. batch: canned provider answers for aretrieve_batch ------------------------------------------
def _openai_batch_line(i: int, p: int, out: int, cached: int) -> dict:
    return {"id": f"batch_req_litecost_e{i:02d}", "custom_id": f"litecost-e-{i}",
            "response": {"status_code": 200, "request_id": f"req_litecost_e{i:02d}", "body": {
                "id": f"chatcmpl-litecost-e-line{i:02d}", "object": "chat.completion", "created": CREATED,
                "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_litecost01",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY, "refusal": None},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": p, "completion_tokens": out, "total_tokens": p + out,
                          "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                          "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                        "accepted_prediction_tokens": 0,
                                                        "rejected_prediction_tokens": 0}}}},
            "error": None}


def _anthropic_batch_line(i: int, inp: int, out: int, read: int, w5: int) -> dict:
    return {"custom_id": f"litecost-e-anthropic-{i}", "result": {"type": "succeeded", "message": {
        "id": f"msg_litecost_e_line{i:02d}", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-5-20250929", "content": [{"type": "text", "text": REPLY}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": inp, "cache_creation_input_tokens": w5, "cache_read_input_tokens": read,
                  "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": 0},
                  "output_tokens": out, "service_tier": "batch"}}}}


def batch_cases() -> list[tuple[str, str, str, int]]:
    """Register the canned HTTP answers; return (batch id, provider, model, latency_ms) per batch call."""
    calls: list[tuple[str, str, str, int]] = []
    # OpenAI: two batches of gpt-4o-mini
    for b, lines in enumerate([[(1000, 100, 0), (5000, 400, 2048)], [(20000, 1000, 0)]], 1):
        bid, out_file = f"batch_litecost_e{b:02d}", f"file-litecost-e{b:02d}-out"
        _route("GET", f"https://api.openai.com/v1/batches/{bid}", {
            "id": bid, "object": "batch", "endpoint": "/v1/chat/completions", "errors": None,
            "input_file_id": f"file-litecost-e{b:02d}-in", "completion_window": "24h", "status": "completed",
            "output_file_id": out_file, "error_file_id": None, "created_at": CREATED - 7200,
            "in_progress_at": CREATED - 7100, "expires_at": CREATED + 79200, "finalizing_at": CREATED - 120,
            "completed_at": CREATED - 60, "failed_at": None, "expired_at": None, "cancelling_at": None,
            "cancelled_at": None, "request_counts": {"total": len(lines), "completed": len(lines), "failed": 0},
            "metadata": None})
        body = "".join(json.dumps(_openai_batch_line(10 * b + j, *ln)) + "\n" for j, ln in enumerate(lines, 1))
        _route("GET", f"https://api.openai.com/v1/files/{out_file}/content", body.encode(), "application/jsonl")
        calls.append((bid, "openai", "gpt-4o-mini", 3000 + 100 * b))
    # Anthropic: one message batch of claude-sonnet-4-5
    bid = "msgbatch_litecost_e03"
    _route("GET", f"https://api.anthropic.com/v1/messages/batches/{bid}", {
        "id": bid, "type": "message_batch", "processing_status": "ended",
        "request_counts": {"processing": 0, "succeeded": 2, "errored": 0, "canceled": 0, "expired": 0},
        "ended_at": "2026-11-02T08:59:00Z", "created_at": "2026-11-02T07:00:00Z",
        "expires_at": "2026-11-03T07:00:00Z", "archived_at": None, "cancel_initiated_at": None,
        "results_url": f"https://api.anthropic.com/v1/messages/batches/{bid}/results"})
    body = "".join(json.dumps(_anthropic_batch_line(30 + j, *ln)) + "\n"
                   for j, ln in enumerate([(1500, 600, 0, 4000), (300, 700, 4000, 0)], 1))
    _route("GET", f"https://api.anthropic.com/v1/messages/batches/{bid}/results", body.encode(), "application/binary")
    calls.append((bid, "anthropic", "claude-sonnet-4-5-20250929", 3300))
    return calls


# =============================================================================================
# Driver
# =============================================================================================
def _wait_for(call_id: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(f'"litellm_call_id": "{call_id}"' in ln for ln in LOGGER.lines):
            return
        time.sleep(0.02)
    raise RuntimeError(f"no success callback for {call_id}")


def run() -> tuple[list[str], dict[str, tuple[str, int]]]:
    """Make all calls; return raw callback lines and {litellm_call_id: (case, latency_ms)}."""
    meta: dict[str, tuple[str, int]] = {}
    for n, (case, model, extra, factory, latency) in enumerate(completion_cases(), 1):
        call_id = f"litecost-call-{case}-{n:02d}"
        meta[call_id] = (case, latency)
        litellm.completion(model=model, messages=SHORT_PROMPT, mock_response=factory(),  # type: ignore[operator]
                           litellm_call_id=call_id, litellm_trace_id=f"litecost-trace-{case}-{n:02d}", **extra)
        _wait_for(call_id)

    async def _batches() -> None:
        for bid, provider, model, latency in batch_cases():
            call_id = f"litecost-call-e-{bid}"
            meta[call_id] = ("e", latency)
            await litellm.aretrieve_batch(batch_id=bid, custom_llm_provider=provider, model=model,
                                          litellm_call_id=call_id, litellm_trace_id=f"litecost-trace-e-{bid}")
            deadline = time.monotonic() + 20
            while not any(f'"litellm_call_id": "{call_id}"' in ln for ln in LOGGER.lines):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no success callback for {call_id}")
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # let the (dropped) afile_content callbacks drain

    asyncio.run(_batches())
    time.sleep(0.5)
    return list(LOGGER.lines), meta


def stabilise(lines: list[str], meta: dict[str, tuple[str, int]]) -> list[dict]:
    """Order records like the case list and overwrite the clock fields with fixed values."""
    by_call: dict[str, dict] = {}
    for ln in lines:
        rec = json.loads(ln)
        cid = rec.get("litellm_call_id")
        if cid not in meta:
            raise RuntimeError(f"unexpected callback record {rec.get('call_type')} {cid}")
        if cid in by_call:
            raise RuntimeError(f"duplicate callback record for {cid}")
        by_call[cid] = rec
    missing = set(meta) - set(by_call)
    if missing:
        raise RuntimeError(f"missing callback records: {sorted(missing)}")
    out = []
    for n, cid in enumerate(meta):  # dict order == call order
        rec = by_call[cid]
        latency = meta[cid][1] / 1000.0
        start = BASE_EPOCH + 600.0 * n + 0.125
        rec["startTime"] = start
        rec["endTime"] = start + latency
        rec["completionStartTime"] = start + latency
        rec["response_time"] = latency
        out.append(rec)
    return out


PRICED_BY = {
    "a": "cost_per_token -> openai_cost_per_token -> generic_cost_per_token",
    "b": "cost_per_token -> anthropic_cost_per_token -> generic_cost_per_token",
    "c": "cost_per_token -> openai_cost_per_token -> generic_cost_per_token",
    "d": "cost_per_token -> gemini_cost_per_token -> generic_cost_per_token",
    "e": "aretrieve_batch success handler -> handle_completed_batch -> batch_cost_calculator (per output line)",
    "f": "cost_per_token -> openai_cost_per_token -> generic_cost_per_token (service_tier)",
    "g": "cost_per_token -> azure_openai_cost_per_token -> generic_cost_per_token",
    "h": "cost_per_token -> openai_cost_per_token -> generic_cost_per_token (audio)",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--allow-other-version", action="store_true")
    args = ap.parse_args()
    from importlib.metadata import version

    v = version("litellm")
    if v != LITELLM_VERSION_PINNED and not args.allow_other_version:
        print(f"litellm {v} installed, fixture is pinned to {LITELLM_VERSION_PINNED}", file=sys.stderr)
        return 2

    lines, meta = run()
    records = stabilise(lines, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "callbacks.jsonl", "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, default=str) + "\n")
    expected = {}
    for rec, cid in zip(records, meta):
        case = meta[cid][0]
        expected[rec["id"]] = {
            "response_cost": rec["response_cost"],
            "model": rec["model"],
            "case": case,
            "cost_breakdown": rec["cost_breakdown"],
            "call_type": rec["call_type"],
            "custom_llm_provider": rec["custom_llm_provider"],
            "model_map_key": (rec.get("model_map_information") or {}).get("model_map_key"),
            "prompt_tokens": rec["prompt_tokens"],
            "completion_tokens": rec["completion_tokens"],
            "priced_by": PRICED_BY[case],
        }
    if len(expected) != len(records):
        raise RuntimeError("request ids are not unique")
    with open(args.out / "expected_costs.json", "w", encoding="utf-8") as fh:
        json.dump(expected, fh, indent=2, sort_keys=False)
        fh.write("\n")
    print(f"litellm {v}: wrote {len(records)} records to {args.out} "
          f"(dropped {len(LOGGER.dropped)} afile_content callbacks; HTTP calls served offline: {len(HTTP_LOG)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
