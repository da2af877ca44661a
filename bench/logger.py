"""The time LitecostLogger adds to each LiteLLM call on the caller's path (issue 20: < 50 µs).

Run it with LiteLLM installed (`make litellm-venv`), from the repository:

    PYTHONPATH=. .venv-litellm/bin/python bench/logger.py [--calls 20000] [--rate 2000]

Each call hands a hook the kwargs LiteLLM hands it: a StandardLoggingPayload of LiteLLM
1.110.2 (the sample month's, `sample_data/callbacks_2026-10.jsonl`) with ~7 KB of prompt and
answer, as LiteLLM logs them by default. The hooks are timed as LiteLLM calls them: the
sync ones from a thread of LiteLLM's, the async ones awaited on the event loop, which is
the caller's path of an async program or the proxy. Calls come at `--rate` a second
(LiteLLM's own work between calls is replaced by a sleep), so the writer thread writes
while they come, as it does in production: the figures include waiting for the GIL it
holds. A no-op CustomLogger's hooks give the cost of the call itself. Prints one JSON
object: microseconds per call (median, p90, p99, max) for each, lines written, drops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "callbacks_2026-10.jsonl"
PROMPT_BYTES = 7_000


def payloads(count: int) -> list[dict]:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    text = "lorem ipsum dolor sit amet " * (PROMPT_BYTES // 2 // 27)
    out = []
    for i in range(count):
        payload = json.loads(lines[i % len(lines)])
        payload["id"] = f"{payload['id']}-{i}"
        payload["messages"] = [{"role": "user", "content": text}]
        payload["response"] = {**(payload.get("response") or {}), "choices": [{"message": {"content": text}}]}
        out.append({"standard_logging_object": payload, "litellm_params": {}, "model": payload.get("model")})
    return out


def summary(samples_ns: list[int]) -> dict:
    us = sorted(s / 1000 for s in samples_ns)
    pick = lambda q: round(us[min(len(us) - 1, int(q * len(us)))], 1)  # noqa: E731
    return {"calls": len(us), "median_us": round(statistics.median(us), 1), "p90_us": pick(0.90),
            "p99_us": pick(0.99), "max_us": round(us[-1], 1)}


def time_sync(hook, calls: list[dict], gap: float) -> list[int]:  # noqa: ANN001
    samples = []
    for kwargs in calls:
        start = time.perf_counter_ns()
        hook(kwargs, None, None, None)
        samples.append(time.perf_counter_ns() - start)
        time.sleep(gap)
    return samples


async def time_async(hook, calls: list[dict], gap: float) -> list[int]:  # noqa: ANN001
    samples = []
    for kwargs in calls:
        start = time.perf_counter_ns()
        await hook(kwargs, None, None, None)
        samples.append(time.perf_counter_ns() - start)
        await asyncio.sleep(gap)
    return samples


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=20_000)
    p.add_argument("--rate", type=float, default=2_000, help="calls a second")
    a = p.parse_args(argv)
    from litellm.integrations.custom_logger import CustomLogger

    from litecost.integrations.litellm import LitecostLogger

    calls = payloads(a.calls)
    gap = 1 / a.rate
    with tempfile.TemporaryDirectory() as folder:
        logger = LitecostLogger(folder)
        noop = CustomLogger()
        results = {
            "noop_sync": summary(time_sync(noop.log_success_event, calls, gap)),
            "litecost_sync": summary(time_sync(logger.log_success_event, calls, gap)),
            "noop_async": summary(asyncio.run(time_async(noop.async_log_success_event, calls, gap))),
            "litecost_async": summary(asyncio.run(time_async(logger.async_log_success_event, calls, gap))),
        }
        logger.flush()
        lines = sum(len(f.read_bytes().splitlines()) for f in Path(folder).glob("*.jsonl"))
        results.update({"lines_written": lines, "dropped": logger.writer.dropped, "rate_per_s": a.rate,
                        "python": sys.version.split()[0]})
        logger.close()
    print(json.dumps(results))
    return 0 if lines == 2 * a.calls and not logger.writer.dropped else 1


if __name__ == "__main__":
    sys.exit(main())
