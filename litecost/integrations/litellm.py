"""The emitting side of LiteLLM logs: what a callback writes so litecost can ingest it, safely.

This module is the part that needs no LiteLLM: `slim_payload` keeps of a LiteLLM
`StandardLoggingPayload` exactly the fields litecost reads — ids, times, status, provider,
model and model group, key / team / user metadata, tags, usage, the cost and its breakdown,
the price-map entry, the service tier — and never the messages, the response's content or a
secret; `DailyJsonLines` writes such records as JSON lines without ever blocking the caller.

`DailyJsonLines`:
- `submit(record)` only puts the record on a bounded queue (no file I/O, no lock held for
  long: safe on an event loop); when the queue is full the record is dropped and counted,
  never waited for;
- one writer thread serialises the records and appends each as one `write()` of one whole
  line to `PREFIX-YYYY-MM-DD.PID.jsonl` (the UTC day the call started; one file per
  process, so several workers never share a file), opened with O_APPEND;
- drops are said in the files it writes: `PREFIX-YYYY-MM-DD.PID.dropped.json` holds the
  count (rewritten atomically as it grows);
- `prepare` runs on the writer thread: `LitecostLogger` hands it `payload_snapshot`s (a
  copy of the payload's top level, without prompt and answer) and slims them there, so the
  caller's hook costs ~15 µs (bench/logger.py);
- with `gzip_closed`, a day's file is compressed once closed (a record two days newer, or
  exit), on a thread of its own;
- `flush()` waits until every submitted record is written; `close()` flushes and stops the
  thread, and runs at interpreter exit (not on LiteLLM's proxy, which uvicorn ends by
  re-raising SIGTERM: the lines are on disk, the last file stays uncompressed).
"""

from __future__ import annotations

import atexit
import gzip
import os
import queue
import shutil
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from litecost.redact import redact

# Top-level StandardLoggingPayload fields litecost reads (sources/callbacks.py), kept as they are.
KEPT_FIELDS = (
    "id", "trace_id", "litellm_call_id", "session_id", "call_type", "stream", "status", "custom_llm_provider",
    "model", "model_group", "model_id", "model_map_information", "startTime", "endTime", "completionStartTime",
    "prompt_tokens", "completion_tokens", "total_tokens", "response_cost", "cost_breakdown", "cache_hit",
    "request_tags", "end_user",
)
# Of `metadata`: the key, team, org and user the proxy resolved, the usage object, spend-log metadata.
KEPT_METADATA = (
    "user_api_key_hash", "user_api_key_alias", "user_api_key_team_id", "user_api_key_team_alias",
    "user_api_key_org_id", "user_api_key_user_id", "user_api_key_end_user_id", "usage_object", "spend_logs_metadata",
)
# Of `response`: the provider's model name and tier, not what it said.
_KEPT_RESPONSE = ("id", "model", "service_tier")


def _first_line(value: Any, limit: int) -> str:
    return redact(str(value).split("\n", 1)[0])[:limit]


def slim_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The fields of a StandardLoggingPayload that litecost reads, and nothing else: no
    messages, no response content, no raw key; of a failure, the error's name only."""
    record = {key: payload[key] for key in KEPT_FIELDS if key in payload}
    map_info = record.get("model_map_information")
    if isinstance(map_info, dict) and isinstance(map_info.get("model_map_value"), dict):
        # LiteLLM writes every key its price map knows, ~9 KB, most of them null (LiteLLM
        # #41499); litecost keeps an entry's set values only.
        record["model_map_information"] = {**map_info, "model_map_value": {
            key: value for key, value in map_info["model_map_value"].items() if value is not None}}
    metadata = payload.get("metadata") or {}
    if isinstance(metadata, dict):
        record["metadata"] = {key: metadata[key] for key in KEPT_METADATA if key in metadata}
    response = payload.get("response")
    if isinstance(response, dict):  # the provider's model name and tier, not what it said
        record["response"] = {key: response[key] for key in _KEPT_RESPONSE if key in response}
    hidden = payload.get("hidden_params")
    if isinstance(hidden, dict) and "usage_object" in hidden:
        record["hidden_params"] = {"usage_object": hidden["usage_object"]}
    parameters = payload.get("model_parameters")
    if isinstance(parameters, dict) and parameters.get("user") is not None:
        record["model_parameters"] = {"user": parameters["user"]}
    if payload.get("error_str") is not None:
        # A provider's error may quote the prompt: only its name is kept ("litellm.RateLimitError").
        record["error_str"] = _first_line(payload["error_str"], 120).split(":", 1)[0]
    debug = payload.get("response_cost_failure_debug_info")
    if isinstance(debug, dict) and debug.get("error_str") is not None:
        # LiteLLM's own pricing failure ("This model isn't mapped yet. model=…"): its first line.
        record["response_cost_failure_debug_info"] = {"error_str": _first_line(debug["error_str"], 300)}
    return record


def payload_snapshot(payload: dict[str, Any]) -> dict[str, Any]:
    """What the caller's thread does with a payload: copy its top level and its metadata (C
    copies), which LiteLLM may go on changing after the hook returns, without the prompt and
    the answer, which a queue of them must not hold; `slim_payload` runs on the writer
    thread. (A slim payload shares the deeper objects with LiteLLM either way: usage, cost
    breakdown.)"""
    snapshot = dict(payload)
    snapshot.pop("messages", None)
    metadata = payload.get("metadata")
    if isinstance(metadata, dict):
        snapshot["metadata"] = dict(metadata)
    response = payload.get("response")
    if isinstance(response, dict):
        snapshot["response"] = {key: response[key] for key in _KEPT_RESPONSE if key in response}
    return snapshot


def _utc_day(record: dict[str, Any]) -> str:
    start = record.get("startTime")
    try:
        return datetime.fromtimestamp(float(start), timezone.utc).strftime("%Y-%m-%d")
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(timezone.utc).strftime("%Y-%m-%d")


class DailyJsonLines:
    """Records as JSON lines in daily files under `folder`, written by one background thread."""

    def __init__(self, folder: str | os.PathLike[str], *, prefix: str = "litecost", max_queue: int = 10_000,
                 prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None, gzip_closed: bool = False) -> None:
        self.folder = Path(folder)
        self.prefix = prefix
        # Compress each file once it is closed: two days older than the newest record, or at exit.
        self.gzip_closed = gzip_closed
        self._packers: dict[str, threading.Thread] = {}  # day → the thread compressing its file
        # Applied to each record on the writer thread, off the caller's path.
        self.prepare = prepare
        self.dropped = 0
        self.written = 0
        self._queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._files: dict[str, int] = {}  # day → fd
        self._dropped_by_day: dict[str, int] = {}
        self._said: dict[str, int] = {}  # day → the count its .dropped.json holds
        self._closed = False
        atexit.register(self.close)

    def submit(self, record: dict[str, Any]) -> bool:
        """Queue `record` for writing; False (and counted) when the queue is full or closed."""
        if self._closed:
            return False
        if self._thread is None:
            self._start()
        try:
            self._queue.put_nowait(record)
            return True
        except queue.Full:
            with self._lock:
                self.dropped += 1
                day = _utc_day(record)
                self._dropped_by_day[day] = self._dropped_by_day.get(day, 0) + 1
            return False

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._thread = threading.Thread(target=self._run, name="litecost-logger", daemon=True)
                self._thread.start()

    def _path(self, day: str, suffix: str) -> Path:
        return self.folder / f"{self.prefix}-{day}.{os.getpid()}{suffix}"

    def _run(self) -> None:
        import orjson

        while True:
            record = self._queue.get()
            try:
                if record is None:
                    return
                if self.prepare is not None:
                    record = self.prepare(record)
                day = _utc_day(record)
                fd = self._files.get(day)
                if fd is None:
                    packer = self._packers.get(day)
                    if packer is not None:  # a late call of a day being compressed: after it, a new file
                        packer.join()
                    fd = self._files[day] = os.open(self._path(day, ".jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                # One write of one whole line: a reader never sees half a record.
                os.write(fd, orjson.dumps(record, default=str) + b"\n")
                self.written += 1
                if self.gzip_closed:
                    self._close_days_before(_day_before(day))
                self._say_dropped()
            except Exception:  # noqa: BLE001 - a logger must never raise into the caller's process
                with self._lock:
                    self.dropped += 1
            finally:
                self._queue.task_done()

    def _say_dropped(self) -> None:
        with self._lock:
            pending = {day: n for day, n in self._dropped_by_day.items() if self._said.get(day) != n}
        for day, count in pending.items():
            self._said[day] = count
            target = self._path(day, ".dropped.json")
            tmp = target.with_suffix(".tmp")
            tmp.write_text(f'{{"dropped": {count}, "reason": "the logger queue was full"}}\n')
            os.replace(tmp, target)

    def flush(self) -> None:
        """Wait until every record submitted so far is written (and drops are said), and every
        closed file compressed."""
        if self._thread is not None:
            self._queue.join()
            self._say_dropped()
        with self._lock:
            packers = list(self._packers.values())
        for packer in packers:
            packer.join()

    def close(self) -> None:
        """Flush, stop the writer thread and close the files (idempotent; runs at exit)."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._say_dropped()
        self._close_days_before(None)

    def _close_days_before(self, day: str | None) -> None:
        """Close the files of the days before `day` (None: all), compressing them if asked:
        a late record of such a day opens a new file beside the .gz."""
        for old in [d for d in self._files if day is None or d < day]:
            os.close(self._files.pop(old))
            if self.gzip_closed:
                # On a thread of its own: a day's file of a busy proxy takes seconds to compress,
                # and the writer must keep up with the queue meanwhile.
                packer = threading.Thread(target=_gzip_file, args=(self._path(old, ".jsonl"),),
                                          name="litecost-logger-gzip", daemon=True)
                with self._lock:
                    self._packers[old] = packer
                packer.start()
        if day is None:
            for packer in list(self._packers.values()):
                packer.join()


def _day_before(day: str) -> str:
    return (datetime.strptime(day, "%Y-%m-%d") - timedelta(days=1)).strftime("%Y-%m-%d")


def _gzip_file(path: Path) -> None:
    """`path` → `path.gz`, whole or not at all; a `.gz` already there (an earlier file of the same
    day and process id) gets this one as a second gzip member, which gunzip and litecost read on."""
    target = path.with_name(path.name + ".gz")
    partial = path.with_name(path.name + ".gz.tmp")
    try:
        with open(path, "rb") as plain, open(partial, "wb") as packed:
            if target.exists():
                with open(target, "rb") as earlier:
                    shutil.copyfileobj(earlier, packed)
            with gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=6, mtime=0) as member:
                shutil.copyfileobj(plain, member)
            packed.flush()
            os.fsync(packed.fileno())
        os.replace(partial, target)
        path.unlink()
    except OSError:
        partial.unlink(missing_ok=True)  # the plain file stays: nothing is lost


def __getattr__(name: str):  # noqa: ANN202 - LitecostLogger subclasses LiteLLM's class: made on first use
    if name == "LitecostLogger":
        return _logger_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_LOGGER_CLASS: list[type] = []


def _logger_class() -> type:
    """`LitecostLogger`, a LiteLLM `CustomLogger`: register it with
    `litellm.callbacks = [LitecostLogger("logs/")]` (or in the proxy's
    `litellm_settings.callbacks`). Success and failure, sync and async, each call's payload is
    slimmed and queued; the writer thread does the file I/O."""
    if _LOGGER_CLASS:
        return _LOGGER_CLASS[0]
    try:
        from litellm.integrations.custom_logger import CustomLogger
    except ImportError:
        raise ImportError("LitecostLogger needs LiteLLM: pip install 'litecost[litellm]'") from None

    class LitecostLogger(CustomLogger):
        def __init__(self, folder: str | os.PathLike[str] = "litecost-logs", *, prefix: str = "litecost",
                     max_queue: int = 10_000, gzip_closed: bool = False, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.writer = DailyJsonLines(folder, prefix=prefix, max_queue=max_queue, prepare=slim_payload,
                                         gzip_closed=gzip_closed)

        def _log(self, kwargs: dict[str, Any]) -> None:
            payload = kwargs.get("standard_logging_object")
            if isinstance(payload, dict):
                self.writer.submit(payload_snapshot(payload))

        def log_success_event(self, kwargs, response_obj, start_time, end_time) -> None:  # noqa: ANN001
            self._log(kwargs)

        def log_failure_event(self, kwargs, response_obj, start_time, end_time) -> None:  # noqa: ANN001
            self._log(kwargs)

        async def async_log_success_event(self, kwargs, response_obj, start_time, end_time) -> None:  # noqa: ANN001
            self._log(kwargs)

        async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time) -> None:  # noqa: ANN001
            self._log(kwargs)

        def flush(self) -> None:
            self.writer.flush()

        def close(self) -> None:
            self.writer.close()

    _LOGGER_CLASS.append(LitecostLogger)
    return LitecostLogger
