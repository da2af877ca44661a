"""The hostile corpus (tests/hostile_corpus.py) through the CLI, one process per case:
every case ends with its expected exit code (never 70), a failure is one line on stderr,
a failed command leaves the database as it was, and no canary — six forms of secret, a
prompt — appears in the database file, stdout, stderr or any output file."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import duckdb
import pytest

from conftest import DATA
from hostile_corpus import NEEDLES, write

LITECOST = [sys.executable, "-m", "litecost"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    directory = tmp_path_factory.mktemp("corpus")
    base = directory / "base.duckdb"
    done = subprocess.run([*LITECOST, "--db", str(base), "ingest", str(DATA / "spendlogs.jsonl")], capture_output=True, timeout=60)
    assert done.returncode == 0
    return directory, base, write(directory / "files")


def _canaries(data: bytes) -> list[str]:
    return [n for n in NEEDLES if n.encode() in data]


@pytest.mark.slow
def test_every_hostile_case_is_handled(corpus, tmp_path):
    directory, base, cases = corpus
    failures = []
    for number, case in enumerate(cases):
        db = directory / "files" / case.db if case.db else tmp_path / f"case{number}.duckdb"
        if not case.db:
            shutil.copy(base, db)
        before = hashlib.sha256(db.read_bytes()).hexdigest() if db.is_file() else None
        try:
            done = subprocess.run([*LITECOST, "--db", str(db), *case.args], capture_output=True, timeout=30)
        except subprocess.TimeoutExpired:
            failures.append(f"{case.name}: still running after 30 s")
            continue
        stderr = done.stderr.decode("utf-8", "replace")
        problems = []
        if done.returncode not in case.exit_codes:
            problems.append(f"exit {done.returncode}, expected {case.exit_codes}: {stderr.strip()[-300:]}")
        if "Traceback" in stderr or "internal error" in stderr:
            problems.append("internal error")
        errors = [line for line in stderr.splitlines() if line.startswith("litecost: error")]
        if done.returncode != 0:
            if len(errors) != 1 or not stderr.splitlines()[-1].startswith("litecost: error: "):
                problems.append(f"not one error line: {stderr!r}")
            if before is not None and hashlib.sha256(db.read_bytes()).hexdigest() != before:
                problems.append("a failed command changed the database")
        leaked = _canaries(done.stdout) + _canaries(done.stderr)
        if db.is_file() and not case.db:
            with duckdb.connect(str(db)) as con:
                con.execute("CHECKPOINT")
            leaked += _canaries(db.read_bytes())
        for output in (directory / "files" / "out_dir").glob("*"):
            leaked += _canaries(output.read_bytes())
        if leaked:
            problems.append(f"canaries out: {sorted(set(leaked))}")
        if problems:
            failures.append(f"{case.name}: {'; '.join(problems)}")
    assert len(cases) >= 45
    assert not failures, "\n".join(failures)
