"""The CLI contract: help, exit codes, one-line errors, stdout for data only."""

from __future__ import annotations

import subprocess
import sys

from litecost import __version__


def test_help_lists_commands_and_exit_codes(cli):
    run = cli("--help", use_db=False)
    assert run.exit_code == 0
    for word in ("ingest", "db", "Exit codes", "5 database locked or busy"):
        assert word in run.stdout


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
