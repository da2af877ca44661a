from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecost.cli.main import app

DATA = Path(__file__).parent / "data"
SHARED_BILLING = Path(__file__).parent / "data" / "billing"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        # Money is emitted as exact JSON numbers: read them back exactly.
        return json.loads(self.stdout, parse_float=Decimal)


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch, tmp_path):
    # Never touch a developer's ./litecost.duckdb or environment.
    monkeypatch.delenv("LITECOST_DB", raising=False)
    monkeypatch.delenv("LITECOST_DEBUG", raising=False)
    monkeypatch.delenv("LITECOST_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("LITECOST_TEMP_DIR", raising=False)
    # A price snapshot synced on this machine must not change what the tests price.
    monkeypatch.delenv("LITECOST_SNAPSHOT_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def server():
    """A real PostgreSQL server (see pg_server.py), or the test is skipped saying why."""
    from pg_server import Server

    found = Server()
    if found.admin_dsn is None or found.why_not:
        pytest.skip(found.why_not or "no PostgreSQL")
    yield found
    found.stop()


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def cli(db):
    runner = CliRunner()

    def invoke(*args: str, use_db: bool = True) -> Run:
        argv = (["--db", str(db)] if use_db else []) + [str(a) for a in args]
        result = runner.invoke(app, argv, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


def write_jsonl(path: Path, records: list, raw_lines: dict[int, str] | None = None) -> Path:
    """Write records as JSON lines; raw_lines puts literal text at given 1-based lines."""
    lines = [json.dumps(r) for r in records]
    for number, text in sorted((raw_lines or {}).items()):
        lines.insert(number - 1, text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def slp(request_id: str = "chatcmpl-1", **overrides) -> dict:
    """A StandardLoggingPayload shaped as LiteLLM 1.110 writes it (trimmed)."""
    record = {
        "id": request_id,
        "trace_id": "t-" + request_id,
        "call_type": "acompletion",
        "stream": False,
        "response_cost": 0.00123,
        "status": "success",
        "custom_llm_provider": "openai",
        "prompt_tokens": 10000,
        "completion_tokens": 300,
        "total_tokens": 10300,
        "startTime": 1790850000.25,
        "endTime": 1790850001.5,
        "completionStartTime": 1790850001.5,
        "model": "gpt-4o-mini",
        "model_group": "gpt-4o-mini",
        "model_id": "dep-1",
        "metadata": {
            "user_api_key_hash": "ab" * 32,
            "user_api_key_alias": "support-bot",
            "user_api_key_team_id": "team-support",
            "user_api_key_team_alias": "Support",
            "user_api_key_org_id": "org-1",
            "user_api_key_user_id": "user-alice",
            "usage_object": {
                "prompt_tokens": 10000,
                "completion_tokens": 300,
                "total_tokens": 10300,
                "prompt_tokens_details": {"cached_tokens": 6000, "audio_tokens": None},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
        },
        "cache_hit": False,
        "request_tags": ["env:prod", "User-Agent: python-requests"],
        "end_user": "",
        "messages": [{"role": "user", "content": "hello"}],
        "response": {"id": request_id, "model": "gpt-4o-mini-2024-07-18", "choices": []},
    }
    record.update(overrides)
    return record


def run_litecost(db: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """litecost as a process of its own (its memory limit is read at start), with `env` added."""
    return subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), *args], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=600)


def stored_totals(db: Path) -> tuple[int, int, int]:
    """Calls, their prompt tokens and ingests stored in `db`."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*), coalesce(sum(prompt_tokens), 0), (SELECT count(*) FROM ingests)"
                           " FROM calls").fetchone()
    finally:
        con.close()


def assert_one_line_error(done, code: int, *words: str, status_lines: bool = True) -> str:  # noqa: ANN001
    """A finished `litecost` process failed as the CLI contract says: exit `code`, nothing
    on stdout, and one `litecost: error:` line, the last on stderr, naming every one of
    `words` (status lines, such as what each input is, may come first unless
    `status_lines` is False); never an internal error. Returns the error line."""
    assert done.returncode == code, (done.returncode, done.stderr)
    assert done.stdout == "", done.stdout
    lines = done.stderr.splitlines()
    assert lines and lines[-1].startswith("litecost: error: "), done.stderr
    assert (not [line for line in lines[:-1] if "error" in line]) if status_lines else len(lines) == 1, done.stderr
    assert "internal error" not in lines[-1] and "Traceback" not in done.stderr
    for word in words:
        assert word in lines[-1], lines[-1]
    return lines[-1]
