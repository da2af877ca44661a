"""A fake LLM provider on 127.0.0.1 answering in each real provider's wire format.

It serves OpenAI (chat, streaming, embeddings), Azure OpenAI (deployment URLs),
Anthropic Messages, Gemini generateContent and Bedrock Converse. The request's last user
message names a case (``case:<name>``), and the case's usage object is returned exactly as
that provider reports usage, so LiteLLM's own usage transformations and cost calculators
run on realistic input. ``case:...fail...`` answers HTTP 500 (LiteLLM then logs a failure).

Used by ``generate.py`` in this folder; runs in LiteLLM's virtualenv or litecost's (stdlib only).
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Goes into every response id: providers' ids are unique, so two runs' corpora must not share one.
RUN = ""

# Usage as each provider reports it; the keys are the case names the generator sends.
CASES: dict[str, dict] = {
    # OpenAI / Azure chat: prompt_tokens_details.cached_tokens, completion_tokens_details.reasoning_tokens
    "openai-plain": {"prompt_tokens": 1200, "completion_tokens": 300},
    "openai-cached": {"prompt_tokens": 24000, "completion_tokens": 800, "cached_tokens": 16000},
    "openai-reasoning": {"prompt_tokens": 1000, "completion_tokens": 5000, "reasoning_tokens": 4200},
    "openai-stream": {"prompt_tokens": 900, "completion_tokens": 120},
    "azure-chat": {"prompt_tokens": 3000, "completion_tokens": 700, "cached_tokens": 1024},
    "openai-fail": {},
    # Embeddings
    "openai-embedding": {"prompt_tokens": 5000},
    "azure-embedding": {"prompt_tokens": 7000},
    # Anthropic: cache writes split into 5-minute and 1-hour TTLs
    "anthropic-cache": {"input_tokens": 1800, "output_tokens": 650, "cache_read_input_tokens": 12000,
                        "cache_creation_input_tokens": 5000, "ephemeral_5m_input_tokens": 3000,
                        "ephemeral_1h_input_tokens": 2000},
    "anthropic-plain": {"input_tokens": 2200, "output_tokens": 400},
    # Gemini: thoughts, and a prompt over the 200k tier boundary
    "gemini-long": {"promptTokenCount": 250000, "candidatesTokenCount": 1200, "thoughtsTokenCount": 3000},
    "gemini-short": {"promptTokenCount": 8000, "candidatesTokenCount": 500, "thoughtsTokenCount": 700,
                     "cachedContentTokenCount": 4096},
    # Bedrock Converse
    "bedrock-converse": {"inputTokens": 4000, "outputTokens": 900, "cacheReadInputTokens": 2048,
                         "cacheWriteInputTokens": 1024},
}

_CASE = re.compile(r"case:([a-z0-9-]+)")


def _case_of(body: dict) -> str:
    text = json.dumps(body)
    found = _CASE.search(text)
    if not found:
        raise KeyError(f"no case:<name> in the request: {text[:200]}")
    return found.group(1)


def _openai_usage(u: dict) -> dict:
    usage = {"prompt_tokens": u["prompt_tokens"], "completion_tokens": u.get("completion_tokens", 0),
             "total_tokens": u["prompt_tokens"] + u.get("completion_tokens", 0)}
    if "completion_tokens" in u:
        usage["prompt_tokens_details"] = {"cached_tokens": u.get("cached_tokens", 0), "audio_tokens": 0}
        usage["completion_tokens_details"] = {"reasoning_tokens": u.get("reasoning_tokens", 0), "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
    return usage


def _openai_chat(case: str, model: str, n: int) -> dict:
    return {
        "id": f"chatcmpl-fake-{RUN}{case}-{n:04d}", "object": "chat.completion", "created": 1793610000,
        "model": model, "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "ok", "refusal": None}}],
        "usage": _openai_usage(CASES[case]),
    }


def _openai_stream(case: str, model: str, n: int, include_usage: bool) -> bytes:
    base = {"id": f"chatcmpl-fake-{RUN}{case}-{n:04d}", "object": "chat.completion.chunk", "created": 1793610000,
            "model": model, "system_fingerprint": "fp_fake"}
    words = ["The", " answer", " is", " forty", "-two", "."]
    chunks = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    chunks += [{**base, "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]} for w in words]
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if include_usage:
        chunks.append({**base, "choices": [], "usage": _openai_usage(CASES[case])})
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


def _anthropic(case: str, model: str, n: int) -> dict:
    u = CASES[case]
    usage = {"input_tokens": u["input_tokens"], "output_tokens": u["output_tokens"],
             "cache_read_input_tokens": u.get("cache_read_input_tokens", 0),
             "cache_creation_input_tokens": u.get("cache_creation_input_tokens", 0)}
    if "ephemeral_5m_input_tokens" in u:
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": u["ephemeral_5m_input_tokens"],
                                   "ephemeral_1h_input_tokens": u["ephemeral_1h_input_tokens"]}
    return {"id": f"msg_fake{case.replace('-', '')}{n:04d}", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": usage}


def _gemini(case: str, model: str) -> dict:
    u = CASES[case]
    meta = {"promptTokenCount": u["promptTokenCount"], "candidatesTokenCount": u["candidatesTokenCount"],
            "totalTokenCount": u["promptTokenCount"] + u["candidatesTokenCount"] + u.get("thoughtsTokenCount", 0)}
    for key in ("thoughtsTokenCount", "cachedContentTokenCount"):
        if key in u:
            meta[key] = u[key]
    return {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": meta, "modelVersion": model, "responseId": f"fake-{RUN}{case}"}


def _bedrock_converse(case: str) -> dict:
    u = CASES[case]
    usage = {"inputTokens": u["inputTokens"], "outputTokens": u["outputTokens"],
             "totalTokens": u["inputTokens"] + u["outputTokens"] + u.get("cacheReadInputTokens", 0) + u.get("cacheWriteInputTokens", 0)}
    for key in ("cacheReadInputTokens", "cacheWriteInputTokens"):
        if key in u:
            usage[key] = u[key]
    return {"output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}}, "stopReason": "end_turn",
            "usage": usage, "metrics": {"latencyMs": 420}}


def _embedding(case: str, model: str) -> dict:
    u = CASES[case]
    return {"object": "list", "model": model, "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
            "usage": {"prompt_tokens": u["prompt_tokens"], "total_tokens": u["prompt_tokens"]}}


class _Handler(BaseHTTPRequestHandler):
    counter = 0
    lock = threading.Lock()
    seen: list[str] = []

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        body = json.loads(raw or b"{}")
        path = self.path.split("?")[0]
        with _Handler.lock:
            _Handler.counter += 1
            n = _Handler.counter
            _Handler.seen.append(f"POST {path}")
        try:
            case = _case_of(body)
        except KeyError as exc:
            return self._send(400, json.dumps({"error": {"message": str(exc)}}).encode())
        if "fail" in case:
            return self._send(500, json.dumps({"error": {"message": "fake provider: internal error", "type": "server_error"}}).encode())
        model = body.get("model") or path.split("/")[-2]
        if path.endswith("/chat/completions"):
            deployment = re.search(r"/deployments/([^/]+)/", path)
            served = "gpt-4.1-mini-2025-04-14" if deployment else model
            if body.get("stream"):
                include = bool((body.get("stream_options") or {}).get("include_usage"))
                return self._send(200, _openai_stream(case, served, n, include), "text/event-stream")
            return self._send(200, json.dumps(_openai_chat(case, served, n)).encode())
        if path.endswith("/embeddings"):
            return self._send(200, json.dumps(_embedding(case, model)).encode())
        if path.endswith("/messages"):
            return self._send(200, json.dumps(_anthropic(case, model, n)).encode())
        if ":generateContent" in path:
            return self._send(200, json.dumps(_gemini(case, path.split("/")[-1].split(":")[0])).encode())
        if path.endswith("/converse"):
            return self._send(200, json.dumps(_bedrock_converse(case)).encode())
        return self._send(404, json.dumps({"error": {"message": f"fake provider: no route {path}"}}).encode())


def start(port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start the fake provider on 127.0.0.1 (a free port by default); return (server, base URL)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def requests_seen() -> list[str]:
    return list(_Handler.seen)
