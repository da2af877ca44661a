"""`-o` writes regular files and nothing else (issue 21): standard output by name, device
nodes, FIFOs and directories refused in one line with nothing replaced, symlinks followed
to the file they name, an existing file's mode kept.

Device nodes are made under a temp dir (`mknod`, root only), never the real /dev: as root,
an `-o /dev/null` that replaced the node with a plain file broke the machine."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from conftest import DATA, assert_one_line_error

LITECOST = [sys.executable, "-m", "litecost"]
REPORT = ("report", "--by", "model", "--format", "csv")


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*LITECOST, *map(str, args)], capture_output=True, text=True, timeout=60, **kwargs)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("out") / "calls.duckdb"
    assert run("--db", path, "ingest", DATA / "spendlogs.jsonl").returncode == 0
    return path


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_dash_and_dev_stdout_mean_standard_output(db, name):
    done = run("--db", db, *REPORT, "-o", name)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("model,requests")
    assert done.stdout == run("--db", db, *REPORT).stdout


def test_a_device_node_is_refused_and_left_a_device(db, tmp_path):
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root; the FIFO test covers the same path")
    done = run("--db", db, *REPORT, "-o", node)
    assert_one_line_error(done, 2, f"--output {node}: is a device, not a regular file", status_lines=False)
    assert stat.S_ISCHR(node.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no temp file left


def test_a_fifo_is_refused_without_waiting_for_a_reader(db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = run("--db", db, *REPORT, "-o", fifo)
    assert_one_line_error(done, 2, f"--output {fifo}: is a FIFO, not a regular file", status_lines=False)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("name", [".", "sub"])
def test_a_directory_is_refused(db, tmp_path, name):
    (tmp_path / "sub").mkdir()
    done = run("--db", db, *REPORT, "-o", name, cwd=tmp_path)
    assert_one_line_error(done, 2, f"--output {name}: is a directory, not a file", status_lines=False)


def test_a_missing_directory_is_named(db, tmp_path):
    done = run("--db", db, *REPORT, "-o", tmp_path / "nowhere" / "r.csv")
    assert_one_line_error(done, 2, f"directory {tmp_path / 'nowhere'} does not exist", status_lines=False)


def test_a_symlink_is_followed_and_the_target_keeps_its_mode(db, tmp_path):
    target = tmp_path / "archive" / "2026-10.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    target.chmod(0o640)
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    done = run("--db", db, *REPORT, "-o", link)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("model,requests")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["2026-10.csv"]


def test_a_dangling_symlink_creates_its_target(db, tmp_path):
    link = tmp_path / "latest.csv"
    link.symlink_to(tmp_path / "new.csv")
    assert run("--db", db, *REPORT, "-o", link).returncode == 0
    assert link.is_symlink() and (tmp_path / "new.csv").read_text().startswith("model,requests")
