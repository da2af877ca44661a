#!/usr/bin/env python3
"""Drive the real LiteLLM SDK against a fake provider on 127.0.0.1; log every call as callbacks and SpendLogs.

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
* ``spendlogs*``, ``spend_logs_v2_page.json``  the proxy's LiteLLM_SpendLogs row of each call, stored in
                              PostgreSQL and exported (see README.md)
* ``expected.json``           per call, what LiteLLM itself logged: ``response_cost``, status,
                              cache hit, and the attribution the generator passed in

A CustomLogger gets every call once: the sync hooks for sync calls, the async hooks for async ones.
Clock fields and the random parts of ids (response ids LiteLLM invents for Anthropic, Gemini and
Bedrock; the ``_cache_hit<time.time()>`` suffix; object addresses in kwargs reprs) are rewritten to
fixed values, so a re-run gives the same files.

Re-run from the repo root, in a venv of its own (the script refuses another LiteLLM version)::

    python3 -m venv /tmp/litellm-venv
    /tmp/litellm-venv/bin/pip install litellm==1.110.2 litellm-proxy-extras==0.4.110 fastapi uvicorn \\
        soundfile rq apscheduler cryptography pynacl websockets pyjwt fastapi-sso semver expression \\
        restrictedpython tomlkit backports-zstd gunicorn mcp orjson backoff uvloop  # what the proxy module imports
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
from proxy_logger import HookLogger, spend_logs_row  # noqa: E402

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


class CorpusLogger(HookLogger):
    """Keeps each call's kwargs, keyed by our fixed litellm_call_id, as the hook saw them."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, tuple[str, str, str, dict, str]] = {}

    def _keep(self, hook: str, kwargs: dict, response_obj, start_time, end_time) -> None:  # noqa: ANN001
        call_id = kwargs.get("litellm_call_id")
        slp = kwargs.get("standard_logging_object") or {}
        minimal = {"model": kwargs.get("model"), "cost": kwargs.get("response_cost"),
                   "cache_hit": kwargs.get("cache_hit"), "start_time": str(start_time), "end_time": str(end_time),
                   "metadata": (kwargs.get("litellm_params") or {}).get("metadata")}
        # The proxy's DB logger builds its LiteLLM_SpendLogs row from the same hook arguments.
        row = spend_logs_row(hook, kwargs, response_obj, start_time, end_time)
        self.seen[call_id] = (hook, json.dumps(slp, default=str), json.dumps(kwargs, default=str),
                              json.loads(json.dumps(minimal, default=str)), json.dumps(row, default=str))


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
              "metadata": {**{k: v for k, v in KEYS[key].items() if v}, "tags": tags,
                           "user_api_key": KEYS[key]["user_api_key_hash"],
                           **({"user_api_key_end_user_id": end_user} if end_user else {})},
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
              "llm_api_duration_ms": 1249.0, "request_duration_ms": 1250, "queue_time_seconds": 0.001}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT")
_LOCAL_STAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(?P<zone>[+-]\d\d:\d\d)?")


class Stabiliser:
    """Rewrites what changes from run to run in one call's logged record: clocks, ports, random ids."""

    def __init__(self, n: int, run_window: tuple[float, float]) -> None:
        self.start = BASE_EPOCH + 60 * n
        self.end = self.start + 1.25
        self.n = n
        self.window = run_window
        self.uuids: dict[str, str] = {}
        self.hit_offset = 0.5  # the callback's and SpendLogs' _cache_hit<time> differ; keep them apart

    def _iso(self, epoch: float, stamp: str = "") -> str:
        """The fixed instant, written as the original was: naive, or with its UTC offset."""
        moment = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
        zoned = (found := _LOCAL_STAMP.fullmatch(stamp)) is not None and found.group("zone")
        return str(moment if zoned else moment.replace(tzinfo=None))

    def _uuid(self, found: re.Match) -> str:
        return self.uuids.setdefault(found.group(0), f"00000000-0000-4000-8000-{self.n:04d}{len(self.uuids):08d}")

    def text(self, value: str) -> str:
        value = re.sub(r"_cache_hit\d+\.\d+", f"_cache_hit{self.start + self.hit_offset:.6f}", value)
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
        return self._iso(self.end, value)

    def walk(self, value, key: str = ""):  # noqa: ANN001, ANN201
        if isinstance(value, dict):
            return {k: self.walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v, key) for v in value]
        if key in _DURATIONS and isinstance(value, (int, float)):
            return _DURATIONS[key]
        if isinstance(value, str):
            if key in _START_KEYS and _LOCAL_STAMP.fullmatch(value):
                return self._iso(self.start, value)
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


# What the proxy's DB writer sends Prisma as JSON text; Prisma stores the parsed value in jsonb.
JSON_COLUMNS = ("metadata", "request_tags", "messages", "response", "proxy_server_request")
_ORDERED = 'SELECT * FROM "LiteLLM_SpendLogs" ORDER BY "startTime", request_id'


def _psql(dsn: str, *args: str, sql: str | None = None) -> str:
    import subprocess

    done = subprocess.run(["psql", dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", *args], input=sql,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"generate.py: psql failed: {done.stderr.strip()}")
    return done.stdout


def _spend_logs_table(admin_dsn: str, database: str) -> str:
    """A fresh database whose LiteLLM_SpendLogs is built by LiteLLM's own migrations, in order."""
    import litellm_proxy_extras

    _psql(admin_dsn, sql=f"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database};")
    dsn = admin_dsn.rsplit("/", 1)[0] + "/" + database
    migrations = Path(litellm_proxy_extras.__file__).parent / "migrations"
    for step in sorted(p for p in migrations.iterdir() if (p / "migration.sql").is_file()):
        _psql(dsn, "-f", str(step / "migration.sql"))
    # The newest litellm-proxy-extras on the registry (0.4.110) predates the organization_id column
    # that 1.110.2's schema.prisma declares (String?) and its DB writer fills.
    _psql(dsn, sql='ALTER TABLE "LiteLLM_SpendLogs" ADD COLUMN IF NOT EXISTS organization_id TEXT;')
    return dsn


def spend_logs_exports(rows: list[dict], prefix: str = "", database: str = "litellm_corpus") -> None:
    """Store the rows as the proxy would and export them every way the README documents."""
    dsn = _spend_logs_table(os.environ.get("CORPUS_PG", "postgresql://postgres@127.0.0.1:5432/postgres"), database)
    columns = set(_psql(dsn, "-At", sql="SELECT column_name FROM information_schema.columns "
                                       "WHERE table_name = 'LiteLLM_SpendLogs';").split())
    inserts = []
    for row in rows:
        row = {k: v for k, v in row.items() if k in columns}
        row["created_at"] = row["updated_at"] = row["startTime"]  # Prisma's now(), made reproducible
        text = json.dumps(row)
        assert "$corpus$" not in text
        inserts.append('INSERT INTO "LiteLLM_SpendLogs" SELECT * FROM jsonb_populate_record('
                       f'NULL::"LiteLLM_SpendLogs", $corpus${text}$corpus$::jsonb);')
    _psql(dsn, sql="\n".join(inserts))
    _psql(dsn, "-c", f"\\copy ({_ORDERED}) TO '{HERE / (prefix + 'spendlogs.csv')}' CSV HEADER")
    rows_json = f"SELECT row_to_json(t) FROM ({_ORDERED}) t"
    (HERE / (prefix + "spendlogs_psql.jsonl")).write_text(_psql(dsn, "-At", "-c", rows_json))
    (HERE / (prefix + "spendlogs_copy.txt")).write_text(_psql(dsn, "-c", f"COPY ({rows_json}) TO STDOUT"))
    (HERE / (prefix + "spendlogs_agg.json")).write_text(_psql(dsn, "-At", "-c", f"SELECT json_agg(t) FROM ({_ORDERED}) t"))
    # /spend/logs/v2 answers {data, total, page, page_size, total_pages, total_is_capped}: its list
    # columns (no messages/response/proxy_server_request), metadata as an object, instants as ISO
    # text with FastAPI's +00:00.
    listed = json.loads(_psql(dsn, "-At", "-c", "SELECT json_agg(t) FROM (SELECT request_id, call_type, "
                              'api_key, spend, total_tokens, prompt_tokens, completion_tokens, "startTime", '
                              '"endTime", "completionStartTime", model, model_id, model_group, custom_llm_provider, '
                              'api_base, "user", metadata, cache_hit, cache_key, request_tags, team_id, organization_id, '
                              "end_user, requester_ip_address, session_id, status, mcp_namespaced_tool_name, agent_id, "
                              "litellm_call_id, request_duration_ms "
                              'FROM "LiteLLM_SpendLogs" ORDER BY "startTime" DESC, request_id) t'))
    for item in listed:
        for key in ("startTime", "endTime", "completionStartTime"):
            if item[key] is not None:
                item[key] = dt.datetime.fromisoformat(item[key]).replace(tzinfo=dt.timezone.utc).isoformat()
    page = {"data": listed, "total": len(listed), "page": 1, "page_size": 50, "total_pages": 1,
            "total_is_capped": False}
    (HERE / (prefix + "spend_logs_v2_page.json")).write_text(json.dumps(page, indent=1) + "\n")


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

    slp_lines, kwargs_lines, minimal_lines, spend_rows, expected = [], [], [], [], {}
    for n, (name, mode, model, case, key, tags, end_user, _extra) in enumerate(CALLS, start=1):
        call_id = f"corpus-{n:02d}-{name}"
        if call_id not in logger.seen:
            raise SystemExit(f"generate.py: LiteLLM logged nothing for {call_id}")
        hook, slp_text, kwargs_text, minimal, row_text = logger.seen[call_id]
        stabiliser = Stabiliser(n, window)  # one per call: a random id gets one stand-in in all forms
        stabilise = stabiliser.walk
        slp = stabilise(json.loads(slp_text))
        kw = stabilise(json.loads(kwargs_text))
        minimal = stabilise(minimal)
        stabiliser.hit_offset = 0.500042
        row = {k: (json.loads(v) if k in JSON_COLUMNS and isinstance(v, str) else v)
               for k, v in json.loads(row_text).items()}
        spend_rows.append(stabilise(row))
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
    spend_logs_exports(spend_rows)
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"{len(expected)} calls; provider saw {len(fake_provider.requests_seen())} requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
