"""A loopback HTTP server (real sockets) that answers `GET /spend/logs/v2` as LiteLLM 1.110's
proxy does (`spend_management_endpoints.ui_view_spend_logs`), from a real PostgreSQL
`LiteLLM_SpendLogs` table: bearer key, required `start_date`/`end_date` (UTC,
`YYYY-MM-DD[ HH:MM:SS]`, both inclusive), `page` ≥ 1, `page_size` ≤ 1000, ordered by
`"startTime"` only, rows without messages/response/proxy_server_request, `metadata` an
object, times as `datetime.isoformat()` of UTC instants, `total` capped. Faults are queued:
each request takes the next one (a status, with or without `Retry-After`) before it is served.
"""

from __future__ import annotations

from datetime import datetime, timezone

from loopback import LoopbackJson

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


class SpendApi(LoopbackJson):
    def __init__(self, dsn: str) -> None:
        super().__init__()
        self.dsn = dsn
        self.url = f"{self.origin}/spend/logs/v2"

    def handle(self, handler, path: str, query: dict[str, list[str]], fault) -> None:  # noqa: ANN001
        import psycopg
        from psycopg.rows import dict_row

        query = {k: v[-1] for k, v in query.items()}
        if path != "/spend/logs/v2":
            return self.send(handler, 404, {"detail": "Not Found"})
        if handler.headers.get("Authorization") != f"Bearer {KEY}":
            return self.send(handler, 401, {"error": {"message": "Authentication Error, Invalid proxy server token passed.",
                                                       "type": "auth_error", "code": "401"}})
        if fault is not None:
            return self.send_fault(handler, fault)
        try:
            start, end = _parse(query["start_date"]), _parse(query["end_date"])
            page, size = int(query.get("page", 1)), int(query.get("page_size", 50))
            assert page >= 1 and 1 <= size <= 1000
        except (KeyError, ValueError, AssertionError):
            return self.send(handler, 400, {"error": {"message": "Start date and end date are required", "code": "400"}})
        direction = "ASC" if query.get("sort_order", "desc").lower() == "asc" else "DESC"
        where = '"startTime" >= %s AND "startTime" <= %s'
        with psycopg.connect(self.dsn, row_factory=dict_row) as conn:
            total = conn.execute(f'SELECT count(*) AS n FROM "LiteLLM_SpendLogs" WHERE {where}', [start, end]).fetchone()["n"]
            rows = conn.execute(f'SELECT {COLUMNS} FROM "LiteLLM_SpendLogs" WHERE {where} ORDER BY "startTime" {direction}'
                                " LIMIT %s OFFSET %s", [start, end, size, (page - 1) * size]).fetchall()
        capped = total > COUNT_CAP
        total = min(total, COUNT_CAP)
        self.send(handler, 200, {"data": rows, "total": total, "page": page, "page_size": size,
                                 "total_pages": (total + size - 1) // size, "total_is_capped": capped},
                  default=_encode, separators=(",", ":"), ensure_ascii=False)
