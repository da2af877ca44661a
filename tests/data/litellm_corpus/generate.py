#!/usr/bin/env python3
"""Drive the real LiteLLM SDK against a fake provider on 127.0.0.1 and log every call three ways.

Unlike ``../litellm_generated`` (which hands LiteLLM pre-built responses through
``mock_response``), every call here goes over HTTP through LiteLLM's own provider handlers:
OpenAI, Azure (a deployment with ``base_model``), Anthropic, Gemini and Bedrock Converse, sync and
async, streaming with and without ``stream_options.include_usage``, embeddings, provider
failures (HTTP 500), LiteLLM cache hits (``litellm.cache``) and a model missing from LiteLLM's
price map. ``fake_provider.py`` answers with each provider's real usage object.

Outputs, next to this file:

* ``callbacks_slp.jsonl``     ``json.dumps(kwargs["standard_logging_object"], default=str)`` per call
* ``callbacks_kwargs.jsonl``  ``json.dumps(kwargs, default=str)`` per call (the "dump everything" logger)
* ``callbacks_minimal.jsonl`` ``{model, cost, cache_hit, start_time, end_time, metadata}`` per call,
                              the dict of the widely copied "custom callback" article (no usage)
* ``expected.json``           per call, what LiteLLM itself logged: ``response_cost``, status,
                              cache hit, and the attribution the generator passed in

A CustomLogger gets every call once: the sync hooks for sync calls, the async hooks for async ones.
Clock fields and the random parts of ids (response ids LiteLLM invents for Anthropic, Gemini and
Bedrock; the ``_cache_hit<time.time()>`` suffix; object addresses in kwargs reprs) are rewritten to
fixed values, so a re-run gives the same files.

Re-run from the repo root, in a venv of its own (the script refuses another LiteLLM version)::

    python3 -m venv /tmp/litellm-venv && /tmp/litellm-venv/bin/pip install litellm==1.110.2
    /tmp/litellm-venv/bin/python tests/data/litellm_corpus/generate.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # price with the map bundled in the wheel
for _var, _val in {
    "OPENAI_API_KEY": "sk-corpus-not-a-real-key",
    "ANTHROPIC_API_KEY": "sk-ant-corpus-not-a-real-key",
    "GEMINI_API_KEY": "corpus-not-a-real-key",
    "AZURE_API_KEY": "corpus-not-a-real-key",
    "AWS_ACCESS_KEY_ID": "AKIACORPUSNOTREAL",
    "AWS_SECRET_ACCESS_KEY": "corpus-not-a-real-secret",
    "AWS_REGION_NAME": "us-east-1",
}.items():
    os.environ[_var] = _val

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fake_provider  # noqa: E402
import litellm  # noqa: E402
from litellm.caching.caching import Cache  # noqa: E402
from litellm.integrations.custom_logger import CustomLogger  # noqa: E402

PINNED = "1.110.2"
BASE_EPOCH = 1793610000.0  # 2026-11-02T09:00:00Z; call n starts n minutes later

litellm.telemetry = False
litellm.disable_aiohttp_transport = True
litellm.num_retries = 0

# Who made each call, as LiteLLM's proxy would put it in metadata (the SDK passes it through).
KEYS = {
    "support": {"user_api_key_hash": "c0ffee" + "0" * 58, "user_api_key_alias": "support-bot",
                "user_api_key_team_id": "team-support", "user_api_key_user_id": "u-ana"},
    "research": {"user_api_key_hash": "beef" + "1" * 60, "user_api_key_alias": "research-notebooks",
                 "user_api_key_team_id": "team-research", "user_api_key_user_id": None},
}

# (call name, mode, model, case, key, tags, end user, extra litellm kwargs)
# mode: sync | async | stream | astream | embed | aembed | cached
CALLS: list[tuple[str, str, str, str, str, list[str], str | None, dict]] = [
    ("oai-plain", "sync", "openai/gpt-4.1-mini", "openai-plain", "support", ["app:support", "env:prod"], "cust-17", {}),
    ("oai-cached", "async", "openai/gpt-4.1-mini", "openai-cached", "support", ["app:support"], None, {}),
    ("oai-reasoning", "sync", "openai/o3-mini", "openai-reasoning", "research", ["feature:eval"], "cust-42", {}),
    ("oai-stream-usage", "stream", "openai/gpt-4.1-mini", "openai-stream", "support", ["app:chat"], None,
     {"stream_options": {"include_usage": True}}),
    ("oai-stream-nousage", "astream", "openai/gpt-4.1-mini", "openai-stream", "support", ["app:chat"], "cust-17", {}),
    ("oai-fail", "sync", "openai/gpt-4.1-mini", "openai-fail", "support", ["app:support"], None, {}),
    ("oai-fail-async", "async", "openai/gpt-4.1-mini", "openai-fail", "research", [], None, {}),
    ("azure-chat", "async", "azure/chat-eus2", "azure-chat", "research", ["app:rag", "env:prod"], None,
     {"api_version": "2024-10-21", "base_model": "azure/gpt-4.1-mini"}),
    ("oai-embed", "embed", "openai/text-embedding-3-small", "openai-embedding", "research", ["app:rag"], None, {}),
    ("azure-embed", "aembed", "azure/text-embedding-3-small", "azure-embedding", "research", ["app:rag"], None,
     {"api_version": "2024-10-21"}),
    ("claude-cache", "async", "anthropic/claude-sonnet-4-5-20250929", "anthropic-cache", "support", ["app:support"], "cust-9", {}),
    ("claude-plain", "sync", "anthropic/claude-sonnet-4-5-20250929", "anthropic-plain", "research", [], None, {}),
    ("claude-unpriced", "sync", "anthropic/claude-opus-4-1", "anthropic-plain", "research", ["feature:eval"], None, {}),
    ("gemini-long", "sync", "gemini/gemini-2.5-pro", "gemini-long", "research", ["feature:eval"], None, {}),
    ("gemini-short", "async", "gemini/gemini-2.5-flash", "gemini-short", "support", ["app:support"], "cust-42", {}),
    ("bedrock-converse", "sync", "bedrock/converse/us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock-converse",
     "research", ["app:rag"], None, {}),
    ("oai-cache-miss", "cached", "openai/gpt-4.1-mini", "openai-plain", "support", ["app:faq"], None, {}),
    ("oai-cache-hit", "cached", "openai/gpt-4.1-mini", "openai-plain", "support", ["app:faq"], None, {}),
]


class CorpusLogger(CustomLogger):
    """Keeps each call's kwargs, keyed by our fixed litellm_call_id, as the hook saw them."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, tuple[str, str, str, dict]] = {}

    def _keep(self, hook: str, kwargs: dict, start_time, end_time) -> None:  # noqa: ANN001
        call_id = kwargs.get("litellm_call_id")
        slp = kwargs.get("standard_logging_object") or {}
        minimal = {"model": kwargs.get("model"), "cost": kwargs.get("response_cost"),
                   "cache_hit": kwargs.get("cache_hit"), "start_time": str(start_time), "end_time": str(end_time),
                   "metadata": (kwargs.get("litellm_params") or {}).get("metadata")}
        self.seen[call_id] = (hook, json.dumps(slp, default=str), json.dumps(kwargs, default=str),
                              json.loads(json.dumps(minimal, default=str)))

    def log_success_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("sync success", kwargs, start_time, end_time)

    def log_failure_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("sync failure", kwargs, start_time, end_time)

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("async success", kwargs, start_time, end_time)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("async failure", kwargs, start_time, end_time)


def _routing(model: str, base: str) -> dict:
    if model.startswith("openai/"):
        return {"api_base": base + "/v1"}
    if model.startswith("azure/"):
        return {"api_base": base}
    if model.startswith(("anthropic/", "gemini/")):
        return {"api_base": base}
    if model.startswith("bedrock/"):
        return {"aws_bedrock_runtime_endpoint": base}
    raise ValueError(model)


async def _one(n: int, call: tuple, base: str) -> None:
    name, mode, model, case, key, tags, end_user, extra = call
    kwargs = {"model": model, "litellm_call_id": f"corpus-{n:02d}-{name}",
              "metadata": {**{k: v for k, v in KEYS[key].items() if v}, "tags": tags},
              **_routing(model, base), **extra}
    if end_user:
        kwargs["user"] = end_user
    messages = [{"role": "user", "content": f"case:{case}"}]
    try:
        if mode == "sync":
            litellm.completion(messages=messages, **kwargs)
        elif mode == "async":
            await litellm.acompletion(messages=messages, **kwargs)
        elif mode == "stream":
            for _ in litellm.completion(messages=messages, stream=True, **kwargs):
                pass
        elif mode == "astream":
            async for _ in await litellm.acompletion(messages=messages, stream=True, **kwargs):
                pass
        elif mode == "embed":
            litellm.embedding(input=[f"case:{case}"], **kwargs)
        elif mode == "aembed":
            await litellm.aembedding(input=[f"case:{case}"], **kwargs)
        elif mode == "cached":
            litellm.completion(messages=[{"role": "user", "content": "case:openai-plain cached faq"}],
                               caching=True, **kwargs)
        else:
            raise ValueError(mode)
    except litellm.exceptions.APIError:
        if "fail" not in case:
            raise
    except litellm.exceptions.InternalServerError:
        if "fail" not in case:
            raise


_START_KEYS = {"startTime", "start_time", "api_call_start_time", "first_api_call_start_time",
               "current_attempt_api_call_start_time"}
_DURATIONS = {"response_time": 1.25, "_response_ms": 1250.0, "litellm_overhead_time_ms": 1.0,
              "llm_api_duration_ms": 1249.0}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT")
_LOCAL_STAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?")


class _Stabiliser:
    """Rewrites what changes from run to run in one call's logged record: clocks, ports, random ids."""

    def __init__(self, n: int, run_window: tuple[float, float]) -> None:
        self.start = BASE_EPOCH + 60 * n
        self.end = self.start + 1.25
        self.n = n
        self.window = run_window
        self.uuids: dict[str, str] = {}

    def _iso(self, epoch: float) -> str:
        return str(dt.datetime.fromtimestamp(epoch, dt.timezone.utc).replace(tzinfo=None))

    def _uuid(self, found: re.Match) -> str:
        return self.uuids.setdefault(found.group(0), f"00000000-0000-4000-8000-{self.n:04d}{len(self.uuids):08d}")

    def text(self, value: str) -> str:
        value = re.sub(r"_cache_hit\d+\.\d+", f"_cache_hit{self.start + 0.5:.6f}", value)
        value = re.sub(r"chatcmpl-(?=[0-9a-f]{8}-)", "chatcmpl-corpus-", value)
        value = _UUID.sub(self._uuid, value)
        value = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:4000", value)
        value = re.sub(r"(127\.0\.0\.1', )\d+", r"\g<1>4000", value)
        value = re.sub(r" at 0x[0-9a-f]+>", " at 0x0>", value)
        value = _HTTP_DATE.sub("Mon, 02 Nov 2026 09:00:00 GMT", value)
        value = re.sub(r"created=\d+", f"created={int(self.start)}", value)
        value = re.sub(r"\b1[78]\d{8}\.\d+", f"{self.end}", value)
        if _LOCAL_STAMP.fullmatch(value) is None:
            return value
        return self._iso(self.end)

    def walk(self, value, key: str = ""):  # noqa: ANN001, ANN201
        if isinstance(value, dict):
            return {k: self.walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v, key) for v in value]
        if key in _DURATIONS and isinstance(value, (int, float)):
            return _DURATIONS[key]
        if isinstance(value, str):
            if key in _START_KEYS and _LOCAL_STAMP.fullmatch(value):
                return self._iso(self.start)
            return self.text(value)
        if key == "api_base" and isinstance(value, int):  # an httpx URL dumped as a tuple: the port
            return 4000
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if self.window[0] - 60 <= value <= self.window[1] + 60:
                moment = self.start if key in _START_KEYS else self.end
                return int(moment) if isinstance(value, int) else moment
        return value


async def _run(base: str) -> None:
    for n, call in enumerate(CALLS, start=1):
        await _one(n, call, base)
        await asyncio.sleep(0.3)  # let the async logging tasks finish before the next call
    await asyncio.sleep(2)


def main() -> int:
    from importlib.metadata import version

    if version("litellm") != PINNED:
        print(f"generate.py: needs litellm=={PINNED}, found {version('litellm')}", file=sys.stderr)
        return 2
    import time

    run_started = time.time()
    server, base = fake_provider.start()
    logger = CorpusLogger()
    litellm.callbacks = [logger]
    litellm.cache = Cache(type="local")
    try:
        asyncio.run(_run(base))
    finally:
        server.shutdown()
    window = (run_started, time.time())

    slp_lines, kwargs_lines, minimal_lines, expected = [], [], [], {}
    for n, (name, mode, model, case, key, tags, end_user, _extra) in enumerate(CALLS, start=1):
        call_id = f"corpus-{n:02d}-{name}"
        if call_id not in logger.seen:
            raise SystemExit(f"generate.py: LiteLLM logged nothing for {call_id}")
        hook, slp_text, kwargs_text, minimal = logger.seen[call_id]
        stabilise = _Stabiliser(n, window).walk  # one per call: a random id gets one stand-in in all forms
        slp = stabilise(json.loads(slp_text))
        kw = stabilise(json.loads(kwargs_text))
        minimal = stabilise(minimal)
        slp_lines.append(json.dumps(slp))
        kwargs_lines.append(json.dumps(kw, sort_keys=True))  # kwargs key order varies with the hash seed
        minimal_lines.append(json.dumps(minimal))
        attribution = KEYS[key]
        expected[call_id] = {
            "request_id": slp["id"], "hook": hook, "status": slp["status"], "model": slp["model"],
            "provider": slp["custom_llm_provider"], "response_cost": slp["response_cost"],
            "cache_hit": bool(slp.get("cache_hit")),
            "prompt_tokens": slp["prompt_tokens"], "completion_tokens": slp["completion_tokens"],
            "key_hash": attribution["user_api_key_hash"], "key_alias": attribution["user_api_key_alias"],
            "team_id": attribution["user_api_key_team_id"], "user_id": attribution["user_api_key_user_id"],
            "end_user": end_user, "tags": sorted(tags),
        }
    (HERE / "callbacks_slp.jsonl").write_text("\n".join(slp_lines) + "\n")
    (HERE / "callbacks_kwargs.jsonl").write_text("\n".join(kwargs_lines) + "\n")
    (HERE / "callbacks_minimal.jsonl").write_text("\n".join(minimal_lines) + "\n")
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"{len(expected)} calls; provider saw {len(fake_provider.requests_seen())} requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
