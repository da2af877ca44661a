"""A CustomLogger the LiteLLM proxy loads from ``generate_proxy.py``'s config (``callbacks: proxy_logger.logger``).

For each call it appends one JSON line to ``$CORPUS_PROXY_LOG``: the hook that fired, the standard
logging payload, the whole kwargs dump, and the LiteLLM_SpendLogs row the proxy's DB writer would
queue. The row is built as ``DBSpendUpdateWriter.update_database`` builds it (its
``get_logging_payload`` call with the proxy's router, ISO instants, the finite cost as spend); a
failure row is first marked as the proxy's ``async_post_call_failure_hook`` marks it. The proxy
runs without a database here, so nothing else writes these rows.
"""

from __future__ import annotations

import json
import os
import threading

from litellm.integrations.custom_logger import CustomLogger

_LOCK = threading.Lock()


def _row(hook: str, kwargs: dict, response_obj, start_time, end_time) -> dict:  # noqa: ANN001
    from litellm.proxy import proxy_server
    from litellm.proxy.spend_tracking.spend_tracking_utils import get_logging_payload

    slp = kwargs.get("standard_logging_object") or {}
    if "failure" in hook:
        params = dict(kwargs.get("litellm_params") or {})
        params["metadata"] = {**(params.get("metadata") or {}), "status": "failure",
                              "error_information": slp.get("error_information")}
        kwargs = {**kwargs, "litellm_params": params}
    row = get_logging_payload(kwargs=kwargs, response_obj=response_obj, start_time=start_time, end_time=end_time,
                              llm_router=proxy_server.llm_router)
    cost = kwargs.get("response_cost")
    row["spend"] = float(cost) if isinstance(cost, (int, float)) and cost == cost else 0.0
    for key in ("startTime", "endTime"):
        if hasattr(row[key], "isoformat"):
            row[key] = row[key].isoformat()
    return row


class ProxyCorpusLogger(CustomLogger):
    def _keep(self, hook: str, kwargs: dict, response_obj, start_time, end_time) -> None:  # noqa: ANN001
        record = {"hook": hook, "slp": kwargs.get("standard_logging_object") or {}, "kwargs": kwargs,
                  "row": _row(hook, kwargs, response_obj, start_time, end_time)}
        line = json.dumps(record, default=str)
        with _LOCK, open(os.environ["CORPUS_PROXY_LOG"], "a", encoding="utf-8") as out:
            out.write(line + "\n")

    def log_success_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("sync success", kwargs, response_obj, start_time, end_time)

    def log_failure_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("sync failure", kwargs, response_obj, start_time, end_time)

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("async success", kwargs, response_obj, start_time, end_time)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("async failure", kwargs, response_obj, start_time, end_time)


logger = ProxyCorpusLogger()
