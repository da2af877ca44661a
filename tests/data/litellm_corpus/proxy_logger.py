"""A CustomLogger the LiteLLM proxy loads from ``generate_proxy.py``'s config (``callbacks: proxy_logger.logger``).

For each call it appends one JSON line to ``$CORPUS_PROXY_LOG``: the hook that fired, the standard
logging payload, the whole kwargs dump, and the LiteLLM_SpendLogs row the proxy's DB writer would
queue. The row is built as ``DBSpendUpdateWriter.update_database`` builds it (its
``get_logging_payload`` call with the proxy's router, ISO instants, the finite cost as spend); a
failure row is first marked as the proxy's ``async_post_call_failure_hook`` marks it. The proxy
runs without a database here, so nothing else writes these rows. ``generate.py`` builds the SDK
calls' rows with the same ``spend_logs_row`` and logs through the same ``HookLogger``.
"""

from __future__ import annotations

import json
import os
import threading

from litellm.integrations.custom_logger import CustomLogger

_LOCK = threading.Lock()


def spend_logs_row(hook: str, kwargs: dict, response_obj, start_time, end_time, llm_router=None) -> dict:  # noqa: ANN001
    """The LiteLLM_SpendLogs row LiteLLM's `get_logging_payload` builds from a hook's arguments; for a
    failure, after marking the metadata as the proxy's post-call failure hook does."""
    from litellm.proxy.spend_tracking.spend_tracking_utils import get_logging_payload

    if "failure" in hook:
        slp = kwargs.get("standard_logging_object") or {}
        params = dict(kwargs.get("litellm_params") or {})
        params["metadata"] = {**(params.get("metadata") or {}), "status": "failure",
                              "error_information": slp.get("error_information")}
        kwargs = {**kwargs, "litellm_params": params}
    return get_logging_payload(kwargs=kwargs, response_obj=response_obj, start_time=start_time, end_time=end_time,
                               llm_router=llm_router)


class HookLogger(CustomLogger):
    """Sends each of LiteLLM's four logging hooks to `_keep(hook, kwargs, response_obj, start, end)`."""

    def _keep(self, hook: str, kwargs: dict, response_obj, start_time, end_time) -> None:  # noqa: ANN001
        raise NotImplementedError

    def log_success_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("sync success", kwargs, response_obj, start_time, end_time)

    def log_failure_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("sync failure", kwargs, response_obj, start_time, end_time)

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("async success", kwargs, response_obj, start_time, end_time)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):  # noqa: ANN001
        self._keep("async failure", kwargs, response_obj, start_time, end_time)


class ProxyCorpusLogger(HookLogger):
    def _keep(self, hook: str, kwargs: dict, response_obj, start_time, end_time) -> None:  # noqa: ANN001
        from litellm.proxy import proxy_server

        # As DBSpendUpdateWriter.update_database finishes the row: the finite cost, ISO instants.
        row = spend_logs_row(hook, kwargs, response_obj, start_time, end_time, proxy_server.llm_router)
        cost = kwargs.get("response_cost")
        row["spend"] = float(cost) if isinstance(cost, (int, float)) and cost == cost else 0.0
        for key in ("startTime", "endTime"):
            if hasattr(row[key], "isoformat"):
                row[key] = row[key].isoformat()
        record = {"hook": hook, "slp": kwargs.get("standard_logging_object") or {}, "kwargs": kwargs, "row": row}
        line = json.dumps(record, default=str)
        with _LOCK, open(os.environ["CORPUS_PROXY_LOG"], "a", encoding="utf-8") as out:
            out.write(line + "\n")


logger = ProxyCorpusLogger()
