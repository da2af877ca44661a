"""The logger's core (`litecost.integrations.litellm`, no LiteLLM needed): what it keeps of a
StandardLoggingPayload, that it never blocks nor loses a line it accepted, that it says what
it dropped, and that litecost's typed fast path ingests what it writes."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from typer.testing import CliRunner

from litecost.cli.main import app
from litecost.integrations.litellm import DailyJsonLines, slim_payload
from tests.conftest import slp

CANARY_PROMPT = "canary-prompt-7f3a9c"
CANARY_ANSWER = "canary-answer-51bd02"
RAW_KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8" * 3


def payload(request_id: str, start: float = 1790850000.25) -> dict:
    record = slp(request_id, startTime=start, endTime=start + 1.5,
                 messages=[{"role": "user", "content": CANARY_PROMPT}],
                 response={"id": request_id, "model": "gpt-4o-mini-2024-07-18",
                           "choices": [{"message": {"content": CANARY_ANSWER}}]},
                 error_str=None)
    record["metadata"]["user_api_key"] = RAW_KEY
    record["metadata"]["headers"] = {"authorization": f"Bearer {RAW_KEY}"}
    record["hidden_params"] = {"usage_object": record["metadata"]["usage_object"], "api_base": "https://x"}
    record["model_parameters"] = {"temperature": 0.2, "user": "alice"}
    return record


def test_a_slim_payload_keeps_what_litecost_reads_and_no_prompt_answer_or_key():
    slim = slim_payload({**payload("chatcmpl-1"),
                         "error_str": f"litellm.AuthenticationError: 401 invalid key {RAW_KEY} for {CANARY_PROMPT}\nTraceback",
                         "response_cost_failure_debug_info": {"error_str": "This model isn't mapped yet. model=x\nTraceback"}})
    text = json.dumps(slim)
    assert CANARY_ANSWER not in text and RAW_KEY not in text and "messages" not in slim
    assert slim["response"] == {"id": "chatcmpl-1", "model": "gpt-4o-mini-2024-07-18"}
    assert slim["metadata"]["user_api_key_hash"] == "ab" * 32 and "user_api_key" not in slim["metadata"]
    assert slim["metadata"]["usage_object"]["prompt_tokens"] == 10000
    assert slim["model_parameters"] == {"user": "alice"}
    assert slim["error_str"] == "litellm.AuthenticationError"  # a provider's error may quote the prompt
    assert slim["response_cost_failure_debug_info"] == {"error_str": "This model isn't mapped yet. model=x"}
    assert CANARY_PROMPT not in text
    assert slim["id"] == "chatcmpl-1" and slim["request_tags"] and slim["startTime"]


def test_many_threads_lose_nothing_and_litecost_ingests_it_typed(tmp_path):
    logs = tmp_path / "logs"
    writer = DailyJsonLines(logs)
    threads = [threading.Thread(target=lambda t=t: [writer.submit(slim_payload(payload(f"c-{t}-{i}")))
                                                    for i in range(250)]) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert writer.dropped == 0 and writer.written == 2000
    [file] = logs.iterdir()
    assert file.name.startswith("litecost-2026-10-01.") and file.name.endswith(".jsonl")
    lines = file.read_text().splitlines()
    assert len(lines) == 2000 and len({json.loads(line)["id"] for line in lines}) == 2000
    text = file.read_text()
    assert CANARY_PROMPT not in text and CANARY_ANSWER not in text and RAW_KEY not in text

    db = tmp_path / "db.duckdb"
    run = CliRunner().invoke(app, ["--db", str(db), "ingest", str(logs), "--format", "json"])
    assert run.exit_code == 0, run.stderr
    [result] = json.loads(run.stdout)["files"]
    assert (result["inserted"], result["rejected"], result["reader"]) == (2000, 0, "typed")


def test_a_full_queue_drops_counts_and_says_so_in_the_files(tmp_path, monkeypatch):
    writer = DailyJsonLines(tmp_path, max_queue=5)
    start = writer._start
    monkeypatch.setattr(writer, "_start", lambda: None)  # the writer thread is late: the queue fills
    accepted = [writer.submit(slim_payload(payload(f"c-{i}"))) for i in range(8)]
    assert accepted == [True] * 5 + [False] * 3 and writer.dropped == 3
    start()
    writer.close()
    assert writer.written == 5
    [dropped] = tmp_path.glob("*.dropped.json")
    assert json.loads(dropped.read_text())["dropped"] == 3
    assert not writer.submit(slim_payload(payload("late")))  # closed: refused, never raised


def test_each_utc_day_has_its_file(tmp_path):
    writer = DailyJsonLines(tmp_path)
    writer.submit(slim_payload(payload("a", 1790899199.5)))  # 2026-10-01T23:59:59.5Z
    writer.submit(slim_payload(payload("b", 1790899200.0)))  # 2026-10-02T00:00:00Z
    writer.close()
    days = sorted(p.name.split(".")[0] for p in Path(tmp_path).glob("*.jsonl"))
    assert days == ["litecost-2026-10-01", "litecost-2026-10-02"]
