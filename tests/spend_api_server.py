"""A loopback HTTP server (real sockets) that answers `GET /spend/logs/v2` as LiteLLM 1.110's
proxy does (`spend_management_endpoints.ui_view_spend_logs`), from a real PostgreSQL
`LiteLLM_SpendLogs` table: bearer key, required `start_date`/`end_date` (UTC,
`YYYY-MM-DD[ HH:MM:SS]`, both inclusive), `page` ≥ 1, `page_size` ≤ 1000, ordered by
`"startTime"` only, rows without messages/response/proxy_server_request, `metadata` an
object, times as `datetime.isoformat()` of UTC instants, `total` capped. Faults are queued:
each request takes the next one (a status, with or without `Retry-After`) before it is served.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KEY = "sk-test-proxy-key-0001"
COUNT_CAP = 10_000  # total_is_capped beyond it, as LiteLLM's SPEND_LOGS_PAGINATION_COUNT_CAP
COLUMNS = (
    'request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens, "startTime", "endTime",'
    ' "completionStartTime", model, model_id, model_group, custom_llm_provider, api_base, "user", metadata,'
    " cache_hit, cache_key, request_tags, team_id, organization_id, end_user, requester_ip_address, session_id,"
    " status, mcp_namespaced_tool_name, agent_id, litellm_call_id,"
    ' COALESCE(request_duration_ms, (EXTRACT(EPOCH FROM ("endTime" - "startTime")) * 1000)::INTEGER) AS request_duration_ms'
)


def _parse(text: str) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise ValueError(text)


def _encode(value):  # noqa: ANN001, ANN202
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc).isoformat()
    raise TypeError(type(value))


class SpendApi:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.faults: list[tuple[int, str | None]] = []
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

            def do_GET(self) -> None:  # noqa: N802
                api.handle(self)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/spend/logs/v2"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()

    def _send(self, handler, status: int, body: dict, headers: dict | None = None) -> None:  # noqa: ANN001
        data = json.dumps(body, default=_encode, separators=(",", ":"), ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def handle(self, handler) -> None:  # noqa: ANN001
        import psycopg
        from psycopg.rows import dict_row

        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            self.requests.append(query)
            fault = self.faults.pop(0) if self.faults else None
        if parts.path != "/spend/logs/v2":
            return self._send(handler, 404, {"detail": "Not Found"})
        if handler.headers.get("Authorization") != f"Bearer {KEY}":
            return self._send(handler, 401, {"error": {"message": "Authentication Error, Invalid proxy server token passed.",
                                                        "type": "auth_error", "code": "401"}})
        if fault is not None:
            status, retry_after = fault
            return self._send(handler, status, {"error": {"message": "fault", "code": str(status)}},
                              {"Retry-After": retry_after} if retry_after is not None else None)
        try:
            start, end = _parse(query["start_date"]), _parse(query["end_date"])
            page, size = int(query.get("page", 1)), int(query.get("page_size", 50))
            assert page >= 1 and 1 <= size <= 1000
        except (KeyError, ValueError, AssertionError):
            return self._send(handler, 400, {"error": {"message": "Start date and end date are required", "code": "400"}})
        direction = "ASC" if query.get("sort_order", "desc").lower() == "asc" else "DESC"
        where = '"startTime" >= %s AND "startTime" <= %s'
        with psycopg.connect(self.dsn, row_factory=dict_row) as conn:
            total = conn.execute(f'SELECT count(*) AS n FROM "LiteLLM_SpendLogs" WHERE {where}', [start, end]).fetchone()["n"]
            rows = conn.execute(f'SELECT {COLUMNS} FROM "LiteLLM_SpendLogs" WHERE {where} ORDER BY "startTime" {direction}'
                                " LIMIT %s OFFSET %s", [start, end, size, (page - 1) * size]).fetchall()
        capped = total > COUNT_CAP
        total = min(total, COUNT_CAP)
        self._send(handler, 200, {"data": rows, "total": total, "page": page, "page_size": size,
                                  "total_pages": (total + size - 1) // size, "total_is_capped": capped})
