"""A JSON HTTP server on 127.0.0.1 (real sockets, its own thread) for tests of HTTP sources:
subclasses answer in `handle(handler, path, query)`; `faults` are taken one per request
before it is answered (None: answer normally; (status, Retry-After or None): fail)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class LoopbackJson:
    def __init__(self) -> None:
        self.faults: list[tuple[int, str | None] | None] = []
        self.requests: list[dict[str, list[str]]] = []
        self.paths: list[str] = []  # of each request, in step with `requests`
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                with server.lock:
                    server.requests.append(query)
                    server.paths.append(parts.path)
                    server.headers.append(dict(self.headers))
                    fault = server.faults.pop(0) if server.faults else None
                server.handle(self, parts.path, query, fault)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()

    def handle(self, handler, path: str, query: dict[str, list[str]], fault) -> None:  # noqa: ANN001
        raise NotImplementedError

    def send(self, handler, status: int, body: object, headers: dict | None = None, **dumps) -> None:  # noqa: ANN001, ANN003
        data = json.dumps(body, **dumps).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def send_fault(self, handler, fault: tuple[int, str | None]) -> None:  # noqa: ANN001
        status, retry_after = fault
        self.send(handler, status, {"error": {"message": "try again", "code": str(status)}},
                  {"Retry-After": retry_after} if retry_after is not None else None)
