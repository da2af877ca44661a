#!/usr/bin/env python3
"""Drive the real LiteLLM 1.110.2 **proxy** (``litellm --config``, no database) against the fake provider.

The proxy loads ``proxy_logger.py`` as its callback; this script sends OpenAI-format requests to
it over HTTP — tags by body ``tags``, ``metadata.tags`` and the ``x-litellm-tags`` header,
deployment ``tags``, a custom-priced deployment, Azure deployments with ``base_model``, Bedrock
Converse, Anthropic, a stream, a provider failure and an unknown model — then writes, next to this
file:

* ``proxy_callbacks_slp.jsonl``, ``proxy_callbacks_kwargs.jsonl``  the callback forms
* ``proxy_spendlogs*``, ``proxy_spend_logs_v2_page.json``  the SpendLogs rows, through PostgreSQL
* ``proxy_expected.json``  per call, what LiteLLM logged: cost, status, attribution

Run it after ``generate.py``, in the same venv (see that file's docstring)::

    /tmp/litellm-venv/bin/python tests/data/litellm_corpus/generate_proxy.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import generate  # noqa: I001  (sets the fake credentials and the local price map first)
import fake_provider
import httpx

HERE = generate.HERE
MASTER_KEY = "sk-corpus-master-not-a-real-key"
FAKE_PROVIDER_PORT = 41017
FIRST = 100  # proxy call n starts at 2026-11-02T09:00Z + n minutes, after the SDK calls

# (call name, model group, case, body extras, headers)
CALLS: list[tuple[str, str, str, dict, dict]] = [
    ("body-tags", "chat-default", "openai-plain", {"tags": ["app:chat", "env:prod"], "user": "cust-17"}, {}),
    ("header-tags", "chat-default", "openai-cached", {}, {"x-litellm-tags": "app:header,env:prod"}),
    ("metadata-tags", "chat-default", "openai-reasoning", {"metadata": {"tags": ["feature:eval"]}}, {}),
    ("deployment-tags", "chat-tagged", "openai-plain", {"user": "cust-42"}, {}),
    ("custom-price", "house-model", "openai-plain", {"tags": ["app:house"]}, {}),
    ("azure-base-model", "reasoner-prod", "azure-chat", {"tags": ["app:rag"]}, {}),
    ("azure-embed", "embed-eus2", "azure-embedding", {"tags": ["app:rag"]}, {}),
    ("bedrock-converse", "claude-bedrock", "bedrock-converse", {"tags": ["app:rag"]}, {}),
    ("anthropic-cache", "claude-direct", "anthropic-cache", {"user": "cust-9"}, {}),
    ("stream-usage", "chat-default", "openai-stream",
     {"stream": True, "stream_options": {"include_usage": True}, "tags": ["app:chat"]}, {}),
    ("provider-fail", "chat-default", "openai-fail", {"tags": ["app:chat"]}, {}),
    ("unknown-model", "no-such-model", "openai-plain", {"tags": ["app:chat"]}, {}),
]


def _config(base: str) -> dict:
    openai = {"api_base": base + "/v1", "api_key": "os.environ/OPENAI_API_KEY"}
    azure = {"api_base": base, "api_key": "os.environ/AZURE_API_KEY", "api_version": "2024-10-21"}
    return {
        "model_list": [
            {"model_name": "chat-default", "litellm_params": {"model": "openai/gpt-4.1-mini", **openai}},
            {"model_name": "chat-tagged",
             "litellm_params": {"model": "openai/gpt-4.1-mini", "tags": ["deploy:eu"], **openai}},
            {"model_name": "house-model",
             "litellm_params": {"model": "openai/house-model", "input_cost_per_token": 0.000001,
                                "output_cost_per_token": 0.000004, **openai}},
            {"model_name": "reasoner-prod", "litellm_params": {"model": "azure/reasoner-prod", **azure},
             "model_info": {"base_model": "azure/gpt-4.1-mini"}},
            {"model_name": "embed-eus2", "litellm_params": {"model": "azure/embed-eus2", **azure},
             "model_info": {"base_model": "azure/text-embedding-3-small", "mode": "embedding"}},
            {"model_name": "claude-bedrock",
             "litellm_params": {"model": "bedrock/converse/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                                "aws_bedrock_runtime_endpoint": base}},
            {"model_name": "claude-direct",
             "litellm_params": {"model": "anthropic/claude-sonnet-4-5-20250929", "api_base": base}},
        ],
        "litellm_settings": {"callbacks": "proxy_logger.logger", "num_retries": 0, "telemetry": False},
        "general_settings": {"master_key": MASTER_KEY},
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _send(client: httpx.Client, n: int, call: tuple) -> None:
    name, group, case, extra, headers = call
    marker = f"case:{case} call:proxy-{n:03d}-{name}"
    if group.startswith("embed"):
        path, body = "/v1/embeddings", {"model": group, "input": [marker]}
    else:
        path, body = "/v1/chat/completions", {"model": group, "messages": [{"role": "user", "content": marker}]}
    answer = client.post(path, json={**body, **extra}, headers=headers)
    if "fail" not in case and group != "no-such-model" and answer.status_code != 200:
        raise SystemExit(f"generate_proxy.py: {name}: HTTP {answer.status_code}: {answer.text[:300]}")


def _call_of(record: dict) -> str:
    found = re.search(r"call:(proxy-\d{3}-[a-z-]+)", json.dumps(record["kwargs"].get("messages")
                                                                or record["kwargs"].get("input")))
    if not found:
        raise SystemExit(f"generate_proxy.py: a logged call names no corpus call: {record['hook']}")
    return found.group(1)


def main() -> int:
    from importlib.metadata import version

    if version("litellm") != generate.PINNED:
        print(f"generate_proxy.py: needs litellm=={generate.PINNED}", file=sys.stderr)
        return 2
    # A fixed port: the proxy's deployment ids hash the deployment's litellm_params, api_base included.
    fake_provider.RUN = "proxy-"
    server, base = fake_provider.start(FAKE_PROVIDER_PORT)
    work = Path(tempfile.mkdtemp(prefix="litellm-proxy-corpus-"))
    shutil.copy(HERE / "proxy_logger.py", work / "proxy_logger.py")
    (work / "config.yaml").write_text(json.dumps(_config(base)))  # JSON is YAML
    log = work / "calls.jsonl"
    port = _free_port()
    env = {**os.environ, "CORPUS_PROXY_LOG": str(log), "PYTHONPATH": str(work)}
    run_started = time.time()
    proxy = subprocess.Popen([str(Path(sys.executable).parent / "litellm"), "--config", str(work / "config.yaml"),
                              "--host", "127.0.0.1", "--port", str(port)], cwd=work, env=env,
                             stdout=open(work / "proxy.log", "w"), stderr=subprocess.STDOUT)
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                              headers={"authorization": f"Bearer {MASTER_KEY}"})
        for _ in range(120):
            if proxy.poll() is not None:
                raise SystemExit(f"generate_proxy.py: the proxy exited; see {work / 'proxy.log'}")
            try:
                if client.get("/health/liveliness").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit(f"generate_proxy.py: the proxy did not start; see {work / 'proxy.log'}")
        for n, call in enumerate(CALLS, start=FIRST):
            _send(client, n, call)
            time.sleep(0.5)  # the logging hooks run after the answer
        time.sleep(3)
    finally:
        proxy.terminate()
        proxy.wait(30)
        server.shutdown()
    window = (run_started, time.time())

    records = [json.loads(line) for line in log.read_text().splitlines()]
    by_call: dict[str, list[dict]] = {}
    for record in records:
        by_call.setdefault(_call_of(record), []).append(record)
    slp_lines, kwargs_lines, spend_rows, expected = [], [], [], {}
    for n, (name, *_rest) in enumerate(CALLS, start=FIRST):
        call = f"proxy-{n:03d}-{name}"
        if len(by_call.get(call, [])) != 1:
            raise SystemExit(f"generate_proxy.py: {call} was logged {len(by_call.get(call, []))} times")
        record = by_call[call][0]
        stabiliser = generate.Stabiliser(n, window)
        slp = stabiliser.walk(record["slp"])
        slp_lines.append(json.dumps(slp))
        kwargs_lines.append(json.dumps(stabiliser.walk(record["kwargs"]), sort_keys=True))
        row = {k: (json.loads(v) if k in generate.JSON_COLUMNS and isinstance(v, str) else v)
               for k, v in record["row"].items()}
        spend_rows.append(stabiliser.walk(row))
        meta = slp.get("metadata") or {}
        expected[slp["litellm_call_id"] if "litellm_call_id" in slp else slp["id"]] = {
            "call": call, "request_id": slp["id"], "hook": record["hook"], "status": slp["status"],
            "model": slp["model"], "model_group": slp.get("model_group"), "provider": slp["custom_llm_provider"],
            "response_cost": slp["response_cost"], "cache_hit": bool(slp.get("cache_hit")),
            "prompt_tokens": slp["prompt_tokens"], "completion_tokens": slp["completion_tokens"],
            "key_hash": meta.get("user_api_key_hash"), "key_alias": meta.get("user_api_key_alias"),
            "team_id": meta.get("user_api_key_team_id"), "user_id": meta.get("user_api_key_user_id"),
            "end_user": slp.get("end_user") or None, "tags": sorted(slp.get("request_tags") or []),
        }
    (HERE / "proxy_callbacks_slp.jsonl").write_text("\n".join(slp_lines) + "\n")
    (HERE / "proxy_callbacks_kwargs.jsonl").write_text("\n".join(kwargs_lines) + "\n")
    generate.spend_logs_exports(spend_rows, prefix="proxy_", database="litellm_proxy_corpus")
    (HERE / "proxy_expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"{len(expected)} proxy calls; provider saw {len(fake_provider.requests_seen())} requests")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
