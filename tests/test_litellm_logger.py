"""The logger's core (`litecost.integrations.litellm`, no LiteLLM needed): what it keeps of a
StandardLoggingPayload, that it never blocks nor loses a line it accepted, that it says what
it dropped, and that litecost's typed fast path ingests what it writes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecost.cli.main import app
from litecost.integrations.litellm import DailyJsonLines, payload_snapshot, slim_payload
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


def test_the_callers_snapshot_holds_no_prompt_or_answer_and_is_slimmed_as_the_payload_was(tmp_path):
    # The hook only copies (LitecostLogger: payload_snapshot); the writer thread slims. What
    # LiteLLM changes in the payload after the hook returned does not reach the file.
    original = payload("chatcmpl-snap")
    snapshot = payload_snapshot(original)
    assert "messages" not in snapshot and CANARY_ANSWER not in json.dumps(snapshot)
    expected = slim_payload(original)
    writer = DailyJsonLines(tmp_path, prepare=slim_payload)
    try:
        writer.submit(snapshot)
        original["metadata"]["user_api_key_alias"] = "changed later"
        original["status"] = "changed later"
        writer.flush()
    finally:
        writer.close()
    [written] = [json.loads(line) for f in tmp_path.glob("*.jsonl") for line in f.read_text().splitlines()]
    assert written == json.loads(json.dumps(expected))
    assert RAW_KEY not in json.dumps(written) and CANARY_PROMPT not in json.dumps(written)


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


def test_worker_processes_each_write_their_own_file_and_nothing_is_lost(tmp_path):
    # The proxy's --num_workers: each worker process imports the logger and appends to its
    # own PREFIX-DAY.PID.jsonl; the folder ingests as the sum of them.
    script = (
        "import sys; from tests.test_litellm_logger import payload;"
        " from litecost.integrations.litellm import DailyJsonLines, slim_payload;"
        " w = DailyJsonLines(sys.argv[1]); n = sys.argv[2];"
        " [w.submit(slim_payload(payload(f'w{n}-{i}'))) for i in range(400)]"  # flushed at exit
    )
    repo = Path(__file__).resolve().parent.parent
    workers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "logs"), str(n)], cwd=repo,
                                env={**os.environ, "PYTHONPATH": str(repo)}) for n in range(3)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0]
    files = sorted((tmp_path / "logs").glob("litecost-*.jsonl"))
    assert len(files) == 3 and len({f.name.split(".")[1] for f in files}) == 3  # one per PID
    db = tmp_path / "db.duckdb"
    run = CliRunner().invoke(app, ["--db", str(db), "ingest", str(tmp_path / "logs"), "--format", "json"])
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["inserted"] == 1200 and json.loads(run.stdout)["rejected"] == 0


LITELLM_PYTHON = Path(__file__).resolve().parent.parent / ".venv-litellm" / "bin" / "python"


@pytest.mark.slow
def test_real_litellm_calls_are_logged_once_priced_alike_and_never_leak(tmp_path):
    """LiteLLM 1.110.2 itself (`make litellm-venv`), calls answered by mock_response: one sync,
    one streamed with include_usage, one failure, 1,000 concurrent async, and a call answered
    twice more from LiteLLM's cache (sync and async). Each appears exactly
    once, litecost re-prices each as LiteLLM's response_cost, and no prompt, answer or key is
    in the files."""
    assert LITELLM_PYTHON.exists(), "no LiteLLM venv: run `make litellm-venv` (make test-all does)"
    logs, canary, key = tmp_path / "logs", "canary-5c1e", "sk-test-" + "Q1w2E3r4" * 4
    run = subprocess.run(
        [str(LITELLM_PYTHON), str(Path(__file__).parent / "litellm_logger_run.py"), str(logs), "1000", canary, key],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "LITELLM_LOCAL_MODEL_COST_MAP": "True"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    made = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(made["ids"]) == len(set(made["ids"])) == 1002 and made["failures"] == 1
    assert len(set(made["cached"])) == 1  # the cache answers with the first call's response
    assert (made["written"], made["dropped"]) == (1006, 0)
    text = "".join(p.read_text() for p in logs.glob("*.jsonl"))
    assert canary not in text and key not in text

    db = tmp_path / "db.duckdb"
    ingest = CliRunner().invoke(app, ["--db", str(db), "ingest", str(logs), "--format", "json"])
    assert ingest.exit_code == 0, ingest.stderr
    [result] = json.loads(ingest.stdout)["files"]
    assert (result["inserted"], result["rejected"], result["reader"]) == (1006, 0, "typed")
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        stored = dict(con.execute("SELECT status, count(*) FROM calls GROUP BY 1").fetchall())
        ids = {r[0] for r in con.execute("SELECT request_id FROM calls").fetchall()}
        streamed = con.execute("SELECT output_tokens FROM calls WHERE request_id = ?", [made["ids"][1]]).fetchone()[0]
        hits = con.execute("SELECT count(*), sum(logged_cost) FROM calls WHERE cache_hit"
                           " AND starts_with(request_id, ? || '_cache_hit')", [made["cached"][0]]).fetchone()
    assert stored == {"success": 1005, "failure": 1} and set(made["ids"]) <= ids and streamed > 0
    assert made["cached"][0] in ids and hits == (2, 0)  # the call, then its two cache hits at $0
    import litecost

    with litecost.open(db) as lc:
        calls = lc.priced_calls()
    priced = calls.filter(calls["status"] == "success")
    assert (priced["repriced_cost"] == priced["logged_cost"]).all()  # litecost prices each call as LiteLLM did


@pytest.mark.slow
def test_the_latency_bench_runs_and_every_timed_call_is_written():
    """`bench/logger.py`, the per-call time the hooks add (bench/README), runs against the
    real LiteLLM and loses nothing it timed; the figures themselves are the bench's to record."""
    assert LITELLM_PYTHON.exists(), "no LiteLLM venv: run `make litellm-venv` (make test-all does)"
    repo = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [str(LITELLM_PYTHON), str(repo / "bench" / "logger.py"), "--calls", "1000", "--rate", "20000"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(repo), "LITELLM_LOCAL_MODEL_COST_MAP": "True"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert (figures["lines_written"], figures["dropped"]) == (2000, 0)
    for hook in ("noop_sync", "litecost_sync", "noop_async", "litecost_async"):
        assert figures[hook]["calls"] == 1000 and 0 < figures[hook]["median_us"] <= figures[hook]["max_us"]


def test_a_slim_payload_keeps_the_set_values_of_the_price_map_entry():
    entry = {"key": "gpt-4o-mini", "input_cost_per_token": 1.5e-07, "input_cost_per_token_flex": None,
             "supported_regions": ["global"], "cache_creation_input_token_cost": None}
    slim = slim_payload({**payload("chatcmpl-map"),
                         "model_map_information": {"model_map_key": "openai/gpt-4o-mini", "model_map_value": entry}})
    assert slim["model_map_information"] == {
        "model_map_key": "openai/gpt-4o-mini",
        "model_map_value": {"key": "gpt-4o-mini", "input_cost_per_token": 1.5e-07, "supported_regions": ["global"]}}


MASTER_KEY = "sk-master-" + "M4s7e9K2" * 3
PROVIDER_KEY = "sk-provider-" + "P9r0v1D2" * 3


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_the_proxy_logs_each_request_once_cache_hits_included_and_litecost_prices_them_as_it_did(tmp_path):
    """LiteLLM 1.110.2's proxy (no database), its model answered by the corpus's fake OpenAI on 127.0.0.1,
    LitecostLogger named in `litellm_settings.callbacks` as the README says. Tagged calls, cache
    hits of some, a streamed call and a provider failure, 12 at a time: every request the proxy
    answered is one line (by the call id it returned), the files hold no prompt and no key, and
    litecost ingests them typed and re-prices each call at the cost the proxy returned."""
    import signal
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    sys.path.insert(0, str(Path(__file__).parent / "data" / "litellm_corpus"))
    import fake_provider  # the corpus's fake OpenAI: `case:<name>` in the prompt picks the usage

    assert LITELLM_PYTHON.exists(), "no LiteLLM venv: run `make litellm-venv` (make test-all does)"
    (provider, base), port, logs = fake_provider.start(), _free_port(), tmp_path / "logs"
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n  - model_name: gpt-4o-mini\n    litellm_params:\n      model: openai/gpt-4o-mini\n"
        f"      api_base: {base}/v1\n      api_key: {PROVIDER_KEY}\n"
        "litellm_settings:\n  callbacks: [\"litecost.integrations.litellm_proxy.litecost_logger\"]\n"
        "  cache: true\n  cache_params:\n    type: local\n  num_retries: 0\n"
        f"general_settings:\n  master_key: {MASTER_KEY}\n")
    repo = Path(__file__).resolve().parent.parent
    proxy = subprocess.Popen(
        [str(LITELLM_PYTHON.parent / "litellm"), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "proxy.log", "wb"),
        env={**os.environ, "PYTHONPATH": str(repo), "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITECOST_LOG_DIR": str(logs)},
    )
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                              headers={"Authorization": f"Bearer {MASTER_KEY}"})
        for _ in range(180):
            try:
                if client.get("/health/liveliness").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proxy.poll() is None, (tmp_path / "proxy.log").read_text()[-3000:]
            __import__("time").sleep(0.5)

        def call(body: dict) -> dict:
            r = client.post("/chat/completions", json={"model": "gpt-4o-mini", **body})
            return {"status": r.status_code, "call_id": r.headers["x-litellm-call-id"],
                    "cost": r.headers.get("x-litellm-response-cost"), "stream": bool(body.get("stream"))}

        prompts = [{"messages": [{"role": "user", "content": f"case:openai-plain {CANARY_PROMPT} question {i}"}],
                    "metadata": {"tags": [f"team:t{i % 3}", "feature:qa"]}} for i in range(30)]
        with ThreadPoolExecutor(12) as pool:
            made = list(pool.map(call, prompts))
            made += list(pool.map(call, prompts[:5]))  # answered from the proxy's cache
            made += list(pool.map(call, [
                {"messages": [{"role": "user", "content": f"case:openai-stream {CANARY_PROMPT}"}], "stream": True,
                 "stream_options": {"include_usage": True}},
                {"messages": [{"role": "user", "content": f"case:openai-fail {CANARY_PROMPT}"}]},
            ]))
    finally:
        proxy.send_signal(signal.SIGTERM)  # uvicorn shuts down gracefully
        proxy.wait(timeout=60)
        provider.shutdown()
        provider.server_close()
    assert [m["status"] for m in made].count(200) == 36 and [m["status"] for m in made].count(500) == 1

    # uvicorn ends the process by re-raising SIGTERM after its graceful shutdown, which skips
    # exit handlers: every line is on disk because the writer writes each as it comes.
    text = "".join(p.read_text() for p in logs.glob("litecost-*.jsonl"))
    lines = [json.loads(line) for line in text.splitlines()]
    assert sorted(line["litellm_call_id"] for line in lines) == sorted(m["call_id"] for m in made)
    assert CANARY_PROMPT not in text and MASTER_KEY not in text and PROVIDER_KEY not in text
    assert not list(logs.glob("*.dropped.json"))

    db = tmp_path / "db.duckdb"
    ingest = CliRunner().invoke(app, ["--db", str(db), "ingest", str(logs), "--format", "json"])
    assert ingest.exit_code == 0, ingest.stderr
    [result] = json.loads(ingest.stdout)["files"]
    assert (result["inserted"], result["rejected"], result["duplicates"], result["reader"]) == (37, 0, 0, "typed")
    import litecost

    with litecost.open(db) as lc:
        calls = lc.priced_calls()
    by_call = {row["litellm_call_id"]: row for row in calls.to_dicts()}
    assert sum(row["cache_hit"] for row in by_call.values()) == 5
    assert {row["status"] for row in by_call.values()} == {"success", "failure"}
    for m in made:  # the proxy's own figure, in its response header, is the oracle
        row = by_call[m["call_id"]]
        if m["status"] == 200 and not m["stream"]:
            assert float(row["repriced_cost"]) == pytest.approx(float(m["cost"]), rel=1e-9, abs=1e-15)
        if row["cache_hit"]:
            assert row["repriced_cost"] == 0 and "team:" in " ".join(row["tags"])
    streamed = next(row for m, row in ((m, by_call[m["call_id"]]) for m in made) if m["stream"])
    assert streamed["output_tokens"] == 120 and streamed["repriced_cost"] == streamed["logged_cost"] > 0


def _ingest(db: Path, folder: Path) -> dict:
    run = CliRunner().invoke(app, ["--db", str(db), "ingest", str(folder), "--format", "json"])
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


DAY = 86400.0
OCT_1 = 1790856000.0  # 2026-10-01T12:00:00Z


def _names(folder: Path) -> list[str]:
    """The files in `folder`, without the process id: litecost-DAY.jsonl[.gz]."""
    return sorted(re.sub(r"\.\d+\.", ".", p.name) for p in folder.iterdir())


def test_closed_days_are_gzipped_whole_and_litecost_reads_them(tmp_path):
    logs = tmp_path / "logs"
    writer = DailyJsonLines(logs, gzip_closed=True)
    for i in range(20):
        writer.submit(slim_payload(payload(f"oct1-{i}", OCT_1 + i)))
    writer.submit(slim_payload(payload("oct2-0", OCT_1 + DAY)))
    writer.flush()
    assert _names(logs) == ["litecost-2026-10-01.jsonl", "litecost-2026-10-02.jsonl"]  # yesterday stays open
    writer.submit(slim_payload(payload("oct3-0", OCT_1 + 2 * DAY)))
    writer.flush()
    assert _names(logs) == ["litecost-2026-10-01.jsonl.gz", "litecost-2026-10-02.jsonl", "litecost-2026-10-03.jsonl"]
    writer.submit(slim_payload(payload("oct1-late", OCT_1 + 99)))  # a late call of a closed day
    writer.close()  # at exit every file is closed, so gzipped; the late one joins its day's .gz
    assert sorted(p.suffix for p in logs.iterdir()) == [".gz", ".gz", ".gz"]
    [oct1] = logs.glob("litecost-2026-10-01.*.jsonl.gz")
    assert len(__import__("gzip").decompress(oct1.read_bytes()).splitlines()) == 21
    result = _ingest(tmp_path / "db.duckdb", logs)
    assert (result["inserted"], result["rejected"]) == (23, 0)
    assert {f["reader"] for f in result["files"]} == {"typed"}


def test_litecost_picks_up_the_lines_the_logger_appended_since_the_last_ingest(tmp_path):
    logs, db = tmp_path / "logs", tmp_path / "db.duckdb"
    writer = DailyJsonLines(logs)
    for i in range(100):
        writer.submit(slim_payload(payload(f"first-{i}", OCT_1 + i)))
    writer.flush()
    assert _ingest(db, logs)["inserted"] == 100
    for i in range(50):
        writer.submit(slim_payload(payload(f"later-{i}", OCT_1 + 200 + i)))
    writer.flush()
    [again] = _ingest(db, logs)["files"]
    assert (again["inserted"], again["duplicates"], again["first_line"], again["reader"]) == (50, 0, 101, "typed")
    assert again["appended_since"] is not None
    writer.close()
