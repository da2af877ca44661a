#!/usr/bin/env python3
"""Price one call per token-priced key of LiteLLM 1.110.2's map through LiteLLM's own logging path.

For each chat key of the bundled map (or the keys given with ``--keys``) the script calls
``litellm.completion(model=<provider route>, mock_response=<ModelResponse with usage>)`` — no
network: LiteLLM answers with the mock, then runs its normal success logging, cost calculator
included — and a CustomLogger keeps the ``standard_logging_object``. Its ``response_cost`` is the
oracle ``tests/test_price_parity.py`` compares litecost's re-priced cost with.

Outputs, next to this file:

* ``callbacks.jsonl.gz``  one StandardLoggingPayload per call (clock fields fixed, see below)
* ``calls.json``          the map key each call was made for, by request id
* ``refused.json``        keys LiteLLM would not route with a mock, with its error (no call logged)

Usage profiles: ``plain`` — 1,000 prompt and 500 completion tokens, nothing cached — for every
key, first; then, for each key whose entry prices it, ``cache_read`` (600 of the prompt read from
the cache), ``cache_write_5m`` / ``cache_write_1h`` (400 written), ``reasoning`` (300 of the
completion), ``audio`` (200 prompt and 100 completion audio tokens) and ``above_<N>`` (a prompt
of N + 1,000 tokens for each long-context threshold N), as the usage object LiteLLM's provider
conversions produce. Then one call per Responses API, embedding and text-completion key, over
HTTP to ``_Provider``, which answers in the provider's own format (profiles ``responses``,
``embedding`` and ``completion``). ``calls.json`` names a call by its
key, and by ``key [profile]`` for the profiles after ``plain``. Call n starts
at 2026-11-03T00:00:00Z + n × 1,001 s (so the calls cover every hour and weekday, in and out of
off-peak windows); LiteLLM's billing clock is pinned to that moment while the call is priced, and
the payload's clock fields are rewritten to it (1.25 s latency), as are the ids LiteLLM makes up
itself where a provider sends none (Cohere, Ollama), so a re-run gives the same bytes.

Re-run from the repo root, in LiteLLM's own venv (see ../litellm_corpus/generate.py)::

    /tmp/litellm-venv/bin/python tests/data/litellm_parity/generate.py [--keys k1,k2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # the map bundled in the wheel

import litellm  # noqa: E402
from litellm.integrations.custom_logger import CustomLogger  # noqa: E402
from litellm.types.utils import Choices, Message, ModelResponse, Usage  # noqa: E402

PINNED = "1.110.2"
HERE = Path(__file__).resolve().parent
SITE_PACKAGES = str(Path(litellm.__file__).resolve().parent.parent)
BASE_EPOCH = 1793664000.0  # 2026-11-03T00:00:00Z
STEP = 1001  # seconds between calls
PROMPT, COMPLETION = 1000, 500
_MADE_UP_ID = re.compile(r"chatcmpl-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_THRESHOLD = re.compile(r"^input_cost_per_token_above_(\d+)(k?)_tokens$")


def profiles(entry: dict) -> dict[str, dict]:
    """The usage profiles this entry prices, as LiteLLM Usage arguments; `plain` first."""
    found: dict[str, dict] = {"plain": {}}
    if entry.get("cache_read_input_token_cost") is not None:
        found["cache_read"] = {"prompt_tokens_details": {"cached_tokens": 600}}
    if entry.get("cache_creation_input_token_cost") is not None:
        found["cache_write_5m"] = {"cache_creation_input_tokens": 400}
    if entry.get("cache_creation_input_token_cost_above_1hr") is not None:
        found["cache_write_1h"] = {"prompt_tokens_details": {
            "cache_write_tokens": 400,
            "cache_creation_token_details": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 400}}}
    if entry.get("output_cost_per_reasoning_token") is not None or entry.get("supports_reasoning"):
        found["reasoning"] = {"completion_tokens_details": {"reasoning_tokens": 300}}
    if entry.get("input_cost_per_audio_token") is not None or entry.get("output_cost_per_audio_token") is not None:
        found["audio"] = {"prompt_tokens_details": {"audio_tokens": 200},
                          "completion_tokens_details": {"audio_tokens": 100}}
    for key in sorted(entry):
        if (match := _THRESHOLD.match(key)) and entry[key] is not None:
            threshold = int(match[1]) * (1000 if match[2] else 1)
            found[f"above_{threshold}"] = {"prompt_tokens": threshold + PROMPT}
    return found

litellm.telemetry = False
litellm.num_retries = 0
litellm.suppress_debug_info = True


class Keeper(CustomLogger):
    def __init__(self) -> None:
        super().__init__()
        self.payloads: dict[str, dict] = {}

    def log_success_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        slp = kwargs.get("standard_logging_object") or {}
        self.payloads[kwargs.get("litellm_call_id")] = json.loads(json.dumps(slp, default=str))


def chat_keys() -> list[str]:
    """Every chat entry LiteLLM prices per token (input and output), in key order."""
    keys = []
    for key, entry in litellm.model_cost.items():
        if key == "sample_spec" or not isinstance(entry, dict):
            continue
        if entry.get("mode", "chat") != "chat" or not entry.get("litellm_provider"):
            continue
        if isinstance(entry.get("input_cost_per_token"), (int, float)) and isinstance(
            entry.get("output_cost_per_token"), (int, float)
        ):
            keys.append(key)
    return sorted(keys)


def mode_keys(mode: str) -> list[str]:
    """Every key of this mode LiteLLM prices per input token (and per output token, but for
    embeddings), in key order."""
    return sorted(
        key for key, entry in litellm.model_cost.items()
        if isinstance(entry, dict) and entry.get("mode") == mode and entry.get("litellm_provider")
        and isinstance(entry.get("input_cost_per_token"), (int, float))
        and (mode == "embedding" or isinstance(entry.get("output_cost_per_token"), (int, float)))
    )


class _Provider(BaseHTTPRequestHandler):
    """A provider on 127.0.0.1 answering Responses API, embedding and text-completion calls in
    the format of the provider LiteLLM thinks it is calling (OpenAI's, Cohere's, Bedrock
    invoke's, Gemini's, Voyage's, Snowflake's, Ollama's), with PROMPT input and COMPLETION
    output tokens: those LiteLLM paths have no mock that reaches its logging, so the calls go
    over HTTP. A request in any other format gets a 404, and its key is listed in
    refused.json with LiteLLM's error."""

    served = 0
    port = 41018  # fixed, like its Date header: LiteLLM logs both, and a re-run gives the same bytes

    def log_message(self, *args) -> None:  # quiet
        pass

    def date_time_string(self, timestamp=None) -> str:  # noqa: ANN001
        return "Tue, 03 Nov 2026 00:00:00 GMT"

    @staticmethod
    def answer(path: str, model: str, body: dict, n: int) -> dict | None:
        """The provider's answer to this request, in its own format, with PROMPT input tokens
        (and COMPLETION output tokens where the call generates text); None for a 404."""
        usage = {"prompt_tokens": PROMPT, "completion_tokens": COMPLETION, "total_tokens": PROMPT + COMPLETION}
        vector = [0.1, 0.2, 0.3]
        if path.endswith("/responses"):
            return {
                "id": f"resp_parity{n:05d}", "object": "response", "created_at": 1793664000,
                "status": "completed", "model": model,
                "output": [{"type": "message", "id": f"msg_parity{n:05d}", "status": "completed",
                            "role": "assistant", "content": [{"type": "output_text", "text": "ok", "annotations": []}]}],
                "usage": {"input_tokens": PROMPT, "input_tokens_details": {"cached_tokens": 0},
                          "output_tokens": COMPLETION, "output_tokens_details": {"reasoning_tokens": 0},
                          "total_tokens": PROMPT + COMPLETION}}
        if path.endswith("/embeddings") or path.endswith("/multimodalembeddings"):  # OpenAI's format, Voyage's
            return {"object": "list", "model": model, "data": [{"object": "embedding", "index": 0, "embedding": vector}],
                    "usage": {"prompt_tokens": PROMPT, "total_tokens": PROMPT}}
        if path.endswith("/chat/completions"):
            return {"id": f"chatcmpl-parity{n:05d}", "object": "chat.completion", "created": 1793664000, "model": model,
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}],
                    "usage": usage}
        if path.endswith("/completions") or (path in ("", "/") and "prompt" in body):  # OpenAI, Codestral FIM
            return {"id": f"cmpl-parity{n:05d}", "object": "text_completion", "created": 1793664000, "model": model,
                    "choices": [{"index": 0, "text": "ok", "logprobs": None, "finish_reason": "stop"}], "usage": usage}
        if path in ("", "/") and "messages" in body:  # Cohere v2 chat, for its completion keys
            return {"id": f"parity{n:05d}", "finish_reason": "COMPLETE",
                    "message": {"role": "assistant", "content": [{"type": "text", "text": "ok"}]},
                    "usage": {"billed_units": {"input_tokens": PROMPT, "output_tokens": COMPLETION},
                              "tokens": {"input_tokens": PROMPT, "output_tokens": COMPLETION}}}
        if path.endswith("/actions/embedText"):  # OCI Generative AI
            return {"id": f"parity{n:05d}", "embeddings": [vector], "texts": ["parity"], "modelId": model,
                    "modelVersion": "1.0", "inputTextTokenCounts": [PROMPT]}
        if path in ("", "/", "/v1/embed", "/v2/embed"):  # Cohere
            return {"id": f"parity{n:05d}", "embeddings": {"float": [vector]}, "texts": ["parity"],
                    "response_type": "embeddings_by_type",
                    "meta": {"api_version": {"version": "2"}, "billed_units": {"input_tokens": PROMPT}}}
        if path.endswith("/invoke") and "titan-embed" in model:  # Bedrock invoke, Amazon Titan
            return {"embedding": vector, "inputTextTokenCount": PROMPT}
        if path.endswith("/invoke") and "nova" in model:  # Amazon Nova: LiteLLM counts characters / 4
            return {"embeddings": [{"embeddingType": "TEXT", "embedding": vector, "truncatedCharLength": 4 * PROMPT}]}
        if path.endswith("/invoke") and "cohere.embed" in model:  # Bedrock invoke, Cohere
            return {"id": f"parity{n:05d}", "embeddings": [vector], "texts": ["parity"],
                    "response_type": "embeddings_floats"}
        if path.endswith(":batchEmbedContents"):  # Gemini
            return {"embeddings": [{"values": vector}],
                    "usageMetadata": {"promptTokenCount": PROMPT, "totalTokenCount": PROMPT,
                                      "promptTokensDetails": [{"modality": "TEXT", "tokenCount": PROMPT}]}}
        if path.endswith("/contextualizedembeddings"):  # Voyage
            return {"object": "list", "model": model, "usage": {"total_tokens": PROMPT},
                    "data": [{"object": "list", "index": 0,
                              "data": [{"object": "embedding", "index": 0, "embedding": vector}]}]}
        if path.endswith("inference:embed"):  # Snowflake Cortex: one list per input
            return {"object": "list", "model": model, "usage": {"prompt_tokens": PROMPT, "total_tokens": PROMPT},
                    "data": [{"object": "embedding", "index": 0, "embedding": [vector]}]}
        if path.endswith("/api/generate"):  # Ollama
            return {"model": model, "created_at": "2026-11-03T00:00:00Z", "response": "ok", "done": True,
                    "done_reason": "stop", "prompt_eval_count": PROMPT, "eval_count": COMPLETION}
        return None

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        path = urllib.parse.unquote(self.path.split("?")[0])
        model = (body.get("model") or (body.get("servingMode") or {}).get("modelId")  # OCI
                 or path.rsplit("/model/", 1)[-1].removesuffix("/invoke"))  # Bedrock invoke
        _Provider.served += 1
        status, answer = 200, self.answer(path, str(model), body, _Provider.served)
        if answer is None:
            status, answer = 404, {"error": {"message": f"parity provider: no route {path}"}}
        raw = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def oci_key() -> str:
    """A throwaway RSA key in PEM: LiteLLM signs OCI requests locally before sending them."""
    if not hasattr(oci_key, "pem"):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        oci_key.pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return oci_key.pem


def route(key: str) -> str:
    """The model string a user would pass for this key: provider-prefixed unless it already is."""
    provider = litellm.model_cost[key]["litellm_provider"]
    # Map providers that are not routes: Bedrock Converse, Vertex partner families, Fireworks'
    # embedding size buckets.
    prefix = {"bedrock_converse": "bedrock"}.get(provider, provider)
    for family in ("vertex_ai", "fireworks_ai"):
        prefix = family if provider.startswith(family) else prefix
    return key if key.startswith(prefix + "/") else f"{prefix}/{key}"


def _fixed(slp: dict, n: int) -> dict:
    start = BASE_EPOCH + STEP * n
    response = slp["response"] if isinstance(slp.get("response"), dict) else {}
    if _MADE_UP_ID.fullmatch(str(slp.get("id"))):  # LiteLLM made one up (Cohere, Ollama): fixed too
        slp["id"] = response["id"] = f"chatcmpl-parity-{n:05d}"
    if "created" in response:  # LiteLLM's clock where the provider gave none
        response["created"] = int(BASE_EPOCH)
    slp["startTime"], slp["endTime"], slp["completionStartTime"] = start, start + 1.25, start + 1.25
    slp["response_time"] = 1.25
    for key in ("api_call_start_time", "first_api_call_start_time", "current_attempt_api_call_start_time"):
        if key in (slp.get("hidden_params") or {}):
            slp["hidden_params"][key] = start
    if "litellm_overhead_time_ms" in (slp.get("hidden_params") or {}):  # measured: fixed too
        slp["hidden_params"]["litellm_overhead_time_ms"] = 1.0
    failure = slp.get("response_cost_failure_debug_info") or {}
    if isinstance(failure.get("traceback_str"), str):  # the same bytes from any venv
        failure["traceback_str"] = failure["traceback_str"].replace(SITE_PACKAGES, "<site-packages>")
    return slp


def main() -> int:
    from importlib.metadata import version

    if version("litellm") != PINNED:
        print(f"generate.py: needs litellm=={PINNED}, found {version('litellm')}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", help="comma-separated map keys (default: every token-priced key)")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the corpus (default: next to this file)")
    args = parser.parse_args()
    wanted = set(args.keys.split(",")) if args.keys else None
    keys = [key for key in chat_keys() if wanted is None or key in wanted]
    # Every key's plain call first (so their times do not move when a profile is added), then
    # the other profiles, key by key, then the Responses API and embedding keys.
    planned = [(key, "plain", {}) for key in keys] + [
        (key, name, usage) for key in keys for name, usage in profiles(litellm.model_cost[key]).items()
        if name != "plain"
    ] + [(key, mode, {}) for mode in ("responses", "embedding", "completion") for key in mode_keys(mode)
         if wanted is None or key in wanted]
    server = ThreadingHTTPServer(("127.0.0.1", _Provider.port), _Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    over_http = {"api_base": f"http://127.0.0.1:{server.server_address[1]}", "api_key": "parity-not-a-real-key",
                 "timeout": 5, "api_version": "2025-04-01-preview"}

    def credentials(key: str) -> dict:  # what a provider needs besides an api_key, unused by _Provider
        if route(key).startswith("bedrock/"):  # the runtime endpoint, and keys to sign with
            return {"aws_bedrock_runtime_endpoint": over_http["api_base"], "aws_access_key_id": "parity",
                    "aws_secret_access_key": "parity-not-a-real-key"}
        if route(key).startswith("oci/"):  # a throwaway RSA key to sign with (needs `cryptography`)
            return {"oci_user": "parity", "oci_fingerprint": "parity", "oci_tenancy": "parity",
                    "oci_compartment_id": "parity", "oci_region": "us-chicago-1", "oci_key": oci_key()}
        return {}

    keeper = Keeper()
    litellm.callbacks = [keeper]
    import datetime as dt
    import time

    from litellm.litellm_core_utils.llm_cost_calc import utils as cost_utils

    billed_at = [dt.datetime.fromtimestamp(BASE_EPOCH, dt.timezone.utc)]
    # Off-peak prices depend on the moment of billing: pin it to the call's corpus start time.
    cost_utils.current_billing_time = lambda: billed_at[0]
    refused: dict[str, str] = {}
    order: list[tuple[str, str]] = []
    for n, (key, profile, shape) in enumerate(planned):
        call_id = f"parity-{n:05d}"
        label = key if profile == "plain" else f"{key} [{profile}]"
        prompt = shape.get("prompt_tokens", PROMPT)
        usage = Usage(**{"prompt_tokens": prompt, "completion_tokens": COMPLETION,
                         "total_tokens": prompt + COMPLETION, **shape})
        mock = ModelResponse(id=f"chatcmpl-parity-{n:05d}", created=1793664000, model=key,
                             choices=[Choices(index=0, finish_reason="stop", message=Message(role="assistant", content="ok"))],
                             usage=usage)
        billed_at[0] = dt.datetime.fromtimestamp(BASE_EPOCH + STEP * len(order), dt.timezone.utc)
        ids = {"litellm_call_id": call_id, "litellm_trace_id": f"trace-{call_id}"}
        try:
            if profile == "responses":
                litellm.responses(model=route(key), input="parity", **ids, **over_http)
            elif profile == "embedding":
                litellm.embedding(model=route(key), input=["parity"], **ids, **over_http, **credentials(key))
            elif profile == "completion":
                litellm.text_completion(model=route(key), prompt="parity", **ids, **over_http, **credentials(key))
            else:
                litellm.completion(model=route(key), messages=[{"role": "user", "content": "parity"}],
                                   mock_response=mock, api_key="parity-not-a-real-key", **ids)
        except Exception as exc:  # noqa: BLE001 - LiteLLM's reason is the record
            refused[label] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            continue
        order.append((call_id, label))
        deadline = time.time() + 10  # logging runs on LiteLLM's thread pool: price one call at a time
        while call_id not in keeper.payloads and time.time() < deadline:
            time.sleep(0.001)
    lines = []
    for n, (call_id, key) in enumerate(order):
        if call_id not in keeper.payloads:
            refused[key] = "no success event logged"
            continue
        lines.append(json.dumps(_fixed(keeper.payloads[call_id], n)))
    args.out.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(args.out / "callbacks.jsonl.gz", "wb", mtime=0) as out:
        out.write(("\n".join(lines) + "\n").encode())
    (args.out / "calls.json").write_text(json.dumps({keeper.payloads[call_id]["id"]: key for call_id, key in order},
                                                indent=1) + "\n")
    (args.out / "refused.json").write_text(json.dumps(refused, indent=1, sort_keys=True) + "\n")
    print(f"{len(lines)} calls logged; {len(refused)} keys refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
