"""An OpenAI-compatible chat completions provider on 127.0.0.1 for tests that run LiteLLM's
proxy: `POST /v1/chat/completions`, plain or streamed (with `include_usage`), usage derived
from the prompt's length; a prompt containing "fail-please" gets a 500. Run as a script it
serves until killed and prints its port."""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _usage(prompt: str) -> dict:
    prompt_tokens = 10 + len(prompt) // 4
    return {"prompt_tokens": prompt_tokens, "completion_tokens": 7, "total_tokens": prompt_tokens + 7}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        prompt = " ".join(str(m.get("content", "")) for m in request.get("messages", []))
        if "fail-please" in prompt:
            self._send(500, json.dumps({"error": {"message": "mock provider failure", "type": "server_error"}}).encode())
            return
        ident, created, model = f"chatcmpl-mock-{uuid.uuid4().hex[:20]}", int(time.time()), request.get("model", "gpt-4o-mini")
        usage = _usage(prompt)
        if not request.get("stream"):
            self._send(200, json.dumps({
                "id": ident, "object": "chat.completion", "created": created, "model": f"{model}-2024-07-18",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "mock answer"}, "finish_reason": "stop"}],
                "usage": usage,
            }).encode())
            return
        chunks = [{"id": ident, "object": "chat.completion.chunk", "created": created, "model": f"{model}-2024-07-18",
                   "choices": [{"index": 0, "delta": {"role": "assistant", "content": word}, "finish_reason": None}]}
                  for word in ("mock ", "streamed ", "answer")]
        chunks.append({**chunks[0], "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (request.get("stream_options") or {}).get("include_usage"):
            chunks.append({**chunks[0], "choices": [], "usage": usage})
        body = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"
        self._send(200, body, "text/event-stream")


class MockOpenAI:
    def __init__(self) -> None:
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.base = f"http://127.0.0.1:{self.http.server_address[1]}/v1"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


if __name__ == "__main__":
    server = MockOpenAI()
    print(server.base, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sys.exit(0)
