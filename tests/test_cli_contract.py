"""The CLI contract: help, exit codes, one-line errors, stdout for data only."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from litecost import __version__


def test_help_lists_commands_and_exit_codes(cli):
    run = cli("--help", use_db=False)
    assert run.exit_code == 0
    text = " ".join(run.stdout.split())  # as read, whatever the help's line wrapping
    for word in ("ingest", "db", "close", "Exit codes", "1 threshold breached", "5 database locked or busy"):
        assert word in text


def test_version(cli):
    run = cli("--version", use_db=False)
    assert run.exit_code == 0
    assert run.stdout.strip() == f"litecost {__version__}"


def test_unknown_option_is_a_one_line_usage_error(cli):
    run = cli("ingest", "x.csv", "--bogus")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("litecost: error: No such option: --bogus")


def test_missing_file_is_a_usage_error(cli):
    run = cli("ingest", "does-not-exist.jsonl")
    assert run.exit_code == 2
    assert run.stderr == "litecost: error: does-not-exist.jsonl: no such file or directory; check the path\n"


def test_reading_commands_need_an_existing_database(cli, db):
    run = cli("db", "info")
    assert run.exit_code == 2
    assert "no litecost database at" in run.stderr
    assert not db.exists()


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from litecost.cli.main import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('duckdb', 'polars', 'httpx', 'pyarrow') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# -- as a real process: help, global options, file modes, permissions, completion ----------------

LITECOST = [sys.executable, "-m", "litecost"]


def run_process(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*LITECOST, *map(str, args)], capture_output=True, text=True, timeout=120, **kwargs)


def test_no_arguments_prints_the_help_as_help_does():
    for args, usage in (((), "Usage: litecost [OPTIONS] COMMAND [ARGS]..."), (("report",), "Usage: litecost report [OPTIONS]")):
        run = run_process(*args)
        assert run.returncode == 2 and run.stdout == ""
        lines = run.stderr.splitlines()
        assert lines[0] == usage and len(lines) > 10 and not run.stderr.startswith("litecost: error")
        assert any(line.lstrip().startswith(("-h, --help", "--help")) for line in lines)


def test_a_missing_required_option_names_it_with_the_usage():
    run = run_process("report", "--period", "2026-10")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == ("litecost: error: Missing option '--by' (usage: litecost report [OPTIONS]; "
                          "see `litecost report --help`)\n")


def test_global_options_are_accepted_after_the_subcommand(tmp_path):
    db = tmp_path / "after.duckdb"
    from conftest import DATA

    assert run_process("ingest", DATA / "spendlogs.jsonl", "--db", db).returncode == 0
    info = run_process("db", "info", f"--db={db}", "--format", "json")
    assert info.returncode == 0, info.stderr
    assert '"calls"' in info.stdout
    report = run_process("report", "--by", "model", "--db", db, "--format", "csv", "--debug")
    assert report.returncode == 0 and report.stdout.startswith("model,requests")
    assert not (tmp_path / "litecost.duckdb").exists()


def test_files_written_with_output_follow_the_umask_or_keep_their_mode(tmp_path):
    from conftest import DATA

    db = tmp_path / "modes.duckdb"
    assert run_process("--db", db, "ingest", DATA / "spendlogs.jsonl").returncode == 0

    def write(name: str, umask: int) -> int:
        run = run_process("--db", db, "report", "--by", "model", "--format", "csv", "-o", tmp_path / name,
                          preexec_fn=lambda: os.umask(umask))
        assert run.returncode == 0, run.stderr
        return stat.S_IMODE((tmp_path / name).stat().st_mode)

    assert write("default.csv", 0o022) == 0o644
    assert write("group.csv", 0o002) == 0o664
    (tmp_path / "private.csv").write_text("old\n")
    (tmp_path / "private.csv").chmod(0o600)
    assert write("private.csv", 0o022) == 0o600  # an existing file keeps its mode


def _without_root_privileges() -> list[str]:
    """Root ignores file permissions: a command prefix that takes away its power to
    override them, so the child meets what users meet."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without util-linux setpriv to drop CAP_DAC_OVERRIDE")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def test_permission_problems_are_one_line_errors_never_exit_70(tmp_path):
    from conftest import DATA

    prefix = _without_root_privileges()

    def run(*args) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *LITECOST, *map(str, args)], capture_output=True, text=True, timeout=120)

    readonly = tmp_path / "readonly"
    readonly.mkdir()
    db = tmp_path / "theirs.duckdb"
    assert run("--db", db, "ingest", DATA / "spendlogs.jsonl").returncode == 0
    db.chmod(0o444)
    readonly.chmod(0o555)
    try:
        new_db = run("--db", readonly / "new.duckdb", "ingest", DATA / "spendlogs.jsonl")
        assert new_db.returncode == 2
        assert new_db.stderr.splitlines()[-1] == (
            f"litecost: error: cannot open {readonly / 'new.duckdb'}: permission denied; check the permissions of "
            f"{readonly}, or point --db / LITECOST_DB at a database you may write")
        output = run("--db", db, "report", "--by", "model", "--format", "csv", "-o", readonly / "r.csv")
        assert output.returncode == 2
        assert output.stderr.splitlines()[-1] == (
            f"litecost: error: cannot write {readonly / 'r.csv'}: Permission denied; choose a writable location")
        # A database one may only read: reports work, an ingest is refused in one line.
        assert run("--db", db, "report", "--by", "model", "--format", "csv").returncode == 0
        write = run("--db", db, "ingest", DATA / "spendlogs.jsonl")
        assert write.returncode == 2
        assert write.stderr.splitlines()[-1] == (
            f"litecost: error: cannot open {db}: permission denied; check the permissions of {db}, "
            "or point --db / LITECOST_DB at a database you may write")
        assert list(readonly.iterdir()) == []
    finally:
        readonly.chmod(0o755)


def test_an_input_file_one_may_not_read_is_a_one_line_error_never_exit_70(tmp_path):
    """Named or found in a folder (a bucket's objects), a log or a bill that cannot be read
    stops the run before a database is made."""
    from conftest import slp

    prefix = _without_root_privileges()
    folder = tmp_path / "bucket" / "2026-10-01"
    folder.mkdir(parents=True)
    for name in ("a", "b"):
        (folder / f"{name}.json").write_text(json.dumps(slp(name)), encoding="utf-8")
    locked = folder / "b.json"
    locked.chmod(0o000)
    db = tmp_path / "new.duckdb"
    for args in (("ingest", tmp_path / "bucket"), ("ingest", locked), ("invoices", "import", locked)):
        done = subprocess.run([*prefix, *LITECOST, "--db", str(db), *map(str, args)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.splitlines()[-1] == f"litecost: error: cannot read {locked}: Permission denied; check its permissions"
        assert not db.exists()


def test_shell_completion_is_offered():
    # Typer detects the calling shell (under `make`, sh, which it does not support); name
    # it instead, as a user who pipes the script into a file does.
    named = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    script = run_process("--show-completion", "bash", env=named)
    assert script.returncode == 0 and "_LITECOST_COMPLETE" in script.stdout
    env = {**os.environ, "_LITECOST_COMPLETE": "complete_bash", "COMP_WORDS": "litecost rec", "COMP_CWORD": "1"}
    completed = subprocess.run(LITECOST, capture_output=True, text=True, env=env, timeout=60)
    assert completed.stdout.split() == ["reconcile"], (completed.returncode, completed.stdout, completed.stderr)
