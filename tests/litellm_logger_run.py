"""Run inside a venv with LiteLLM 1.110.2 (tests/test_litellm_logger.py starts it): real LiteLLM
calls answered by `mock_response`, logged by LitecostLogger into argv[1]; prints what was made."""

import asyncio
import json
import sys
import time

import litellm

from litecost.integrations.litellm import LitecostLogger

folder, concurrent, canary, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
logger = LitecostLogger(folder)
litellm.callbacks = [logger]
messages = [{"role": "user", "content": f"{canary}-prompt"}]
made = {"success": [], "failure": 0}


def wait_for(count: int) -> None:
    deadline = time.time() + 60
    while logger.writer.written < count and time.time() < deadline:
        time.sleep(0.05)


made["success"].append(litellm.completion(model="gpt-4o-mini", messages=messages, mock_response=f"{canary}-answer",
                                          api_key=key).id)
stream = litellm.completion(model="gpt-4o-mini", messages=messages, mock_response="streamed answer", api_key=key,
                            stream=True, stream_options={"include_usage": True})
chunks = list(stream)
made["success"].append(chunks[0].id)
try:
    litellm.completion(model="gpt-4o-mini", messages=messages, mock_response=Exception(f"boom {canary}-prompt"),
                       api_key=key, num_retries=0)
except Exception:  # noqa: BLE001
    made["failure"] += 1
wait_for(3)


async def many(n: int) -> list[str]:
    answers = await asyncio.gather(*[litellm.acompletion(model="gpt-4o-mini", messages=messages, mock_response="ok",
                                                         api_key=key) for _ in range(n)])
    expected = 3 + n
    for _ in range(600):  # LiteLLM logs async calls from tasks on this loop: let them run before it closes
        if logger.writer.written >= expected:
            break
        await asyncio.sleep(0.05)
    return [a.id for a in answers]


made["success"] += asyncio.run(many(concurrent))

# LiteLLM's cache: one call, then the same call twice more, answered from the cache (sync and
# async). LiteLLM logs each hit under an id of its own, `<id>_cache_hit<time>`, at cost 0.
from litellm.caching.caching import Cache  # noqa: E402

litellm.cache = Cache(type="local")
cached = [{"role": "user", "content": f"{canary}-cached prompt"}]
made["cached"] = [litellm.completion(model="gpt-4o-mini", messages=cached, mock_response="cached", api_key=key,
                                     caching=True).id for _ in range(2)]


async def cached_async() -> str:
    answer = await litellm.acompletion(model="gpt-4o-mini", messages=cached, mock_response="cached", api_key=key,
                                       caching=True)
    for _ in range(600):
        if logger.writer.written >= 3 + concurrent + 3:
            break
        await asyncio.sleep(0.05)
    return answer.id


made["cached"].append(asyncio.run(cached_async()))
wait_for(3 + concurrent + 3)
logger.close()
print(json.dumps({"ids": made["success"], "failures": made["failure"], "cached": made["cached"],
                  "written": logger.writer.written, "dropped": logger.writer.dropped}))
