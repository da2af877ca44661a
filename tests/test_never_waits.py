"""Nothing waits forever or reads without end (issue 21): FIFOs and devices are refused
before they are opened, small input files are read with a size bound, and YAML is
refused when its aliases would expand beyond reason. Each case runs under a timeout."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from conftest import DATA, assert_one_line_error

LITECOST = [sys.executable, "-m", "litecost"]
BILL = DATA / "billing" / "openai_dashboard_costs_synthetic.csv"
BOMB = "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else '"lol"'] * 9) + "]\n" for i in range(9)
)


def run(cwd, *args) -> subprocess.CompletedProcess:
    return subprocess.run([*LITECOST, *map(str, args)], capture_output=True, text=True, timeout=20, cwd=cwd)


def commands(special):  # noqa: ANN001, ANN201 - each way a user hands litecost a file
    return [
        (("ingest", special), "is a"),
        (("invoices", "import", special), "is a"),
        (("report", "--by", "model", "--pricing", special.with_suffix(".yaml")), "price file"),
        (("report", "--by", "model", "--pricing", special.with_suffix(".json")), "price map"),
        (("pricing", "sync", "--from-file", special), "price map"),
        (("pricing", "import-config", special.with_suffix(".yaml")), "LiteLLM config"),
        (("invoices", "import", "--mapping", special.with_suffix(".yaml"), BILL), "mapping file"),
        (("reconcile", "--aliases", special.with_suffix(".yaml"), BILL), "alias file"),
    ]


def _alias_each_suffix(path):  # noqa: ANN001
    for suffix in (".yaml", ".json"):
        os.symlink(path, path.with_suffix(suffix))


@pytest.fixture
def ws(tmp_path):
    assert run(tmp_path, "--db", tmp_path / "calls.duckdb", "ingest", DATA / "spendlogs.jsonl").returncode == 0
    return tmp_path


def test_fifos_are_refused_without_waiting(ws):
    fifo = ws / "pipe.in"
    os.mkfifo(fifo)
    _alias_each_suffix(fifo)
    for args, words in commands(fifo):
        assert_one_line_error(run(ws, "--db", ws / "calls.duckdb", *args), 2, words, "is a FIFO, not a regular file")


def test_devices_are_refused_without_reading(ws):
    zero = ws / "zero"
    try:
        os.mknod(zero, 0o666 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs root; the FIFO test covers the same checks")
    _alias_each_suffix(zero)
    for args, words in commands(zero):
        assert_one_line_error(run(ws, "--db", ws / "calls.duckdb", *args), 2, words, "is a device, not a regular file")


def test_a_price_map_larger_than_the_bound_is_refused_unread(ws):
    big = ws / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(65 * 1024 * 1024)  # sparse: no disk, and no reason to read it all
    for args in (("pricing", "sync", "--from-file", big), ("report", "--by", "model", "--pricing", big)):
        assert_one_line_error(run(ws, "--db", ws / "calls.duckdb", *args), 3, "larger than 64 MiB")


@pytest.mark.parametrize("where", ["overrides", "config", "mapping", "aliases"])
@pytest.mark.parametrize("text,words", [(BOMB, "expand to more than 1,000,000 YAML nodes"),
                                        ("a: &a [1, *a]\n", "refers to the node that holds it")])
def test_yaml_alias_bombs_and_loops_are_refused(ws, where, text, words):
    path = ws / "bad.yaml"
    path.write_text(text)
    args = {
        "overrides": ("report", "--by", "model", "--pricing", path),
        "config": ("pricing", "import-config", path),
        "mapping": ("invoices", "import", "--mapping", path, BILL),
        "aliases": ("reconcile", "--aliases", path, BILL),
    }[where]
    assert_one_line_error(run(ws, "--db", ws / "calls.duckdb", *args), 3, words)


def test_python_tags_in_yaml_are_refused(ws):
    path = ws / "config.yaml"
    path.write_text('model_list:\n  - model_name: x\n    litellm_params: !!python/object/apply:os.system ["touch pwned"]\n')
    assert_one_line_error(run(ws, "--db", ws / "calls.duckdb", "pricing", "import-config", path), 3, "python/object/apply")
    assert not (ws / "pwned").exists()
