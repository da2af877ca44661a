"""Shared CLI plumbing: output destinations, formats, the one-line error contract."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from litecost.cli import signals
from litecost.errors import ExitCode, LitecostError, UsageError
from litecost.files import write_atomically
from litecost.redact import redact


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"


class SummaryFormat(str, Enum):
    table = "table"
    json = "json"


def db_path(ctx: typer.Context) -> str | None:
    return (ctx.find_root().obj or {}).get("db")


def stderr_console():  # noqa: ANN201
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def note(message: str) -> None:
    """A progress or status line on stderr (never on stdout, which carries data)."""
    sys.stderr.write(f"litecost: {redact(message)}\n")


def warn(message: str) -> None:
    sys.stderr.write(f"litecost: warning: {redact(message)}\n")


def write_output(rendered: Any, output: Path | None = None) -> None:
    """Write rendered data to stdout, or atomically to `output` (temp file + rename)."""
    if not isinstance(rendered, str):  # a rich renderable (tables)
        from rich.console import Console

        if output is not None:
            raise UsageError("--output needs a machine format", hint="add --format csv, json, jsonl or markdown")
        console = Console(highlight=False)
        if not console.is_terminal:
            # Piped or redirected: no colour (Rich drops it) and room for every column.
            console = Console(highlight=False, width=200)
        console.print(rendered)
        return
    if output is None:
        sys.stdout.write(rendered)
        sys.stdout.flush()
        return
    directory = output.resolve().parent
    if not directory.is_dir():
        raise UsageError(f"--output {output}: directory {directory} does not exist")
    write_atomically(output, rendered.encode("utf-8"))


def error_line(message: str) -> str:
    return f"litecost: error: {redact(' '.join(message.split()))}"


class LitecostGroup(TyperGroup):
    """Turns every failure into one plain stderr line and its exit code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D401
        kwargs["standalone_mode"] = False
        debug = "--debug" in sys.argv or os.environ.get("LITECOST_DEBUG") == "1"
        try:
            result = super().main(*args, **kwargs)
        except typer.Exit as exc:
            _exit_if_stopped_by_signal()
            sys.exit(exc.exit_code)
        except BaseException as exc:
            if isinstance(exc, SystemExit):
                raise
            _exit_if_stopped_by_signal()
            if isinstance(exc, typer.TyperException):  # usage errors: bad option, missing argument
                usage_ctx = getattr(exc, "ctx", None)
                hint = f" (see `{usage_ctx.command_path} --help`)" if usage_ctx is not None else ""
                sys.stderr.write(error_line(exc.format_message() + hint) + "\n")
                sys.exit(exc.exit_code)
            if isinstance(exc, (typer.Abort, KeyboardInterrupt)):
                sys.stderr.write("litecost: interrupted; nothing stored\n")
                sys.exit(int(ExitCode.INTERRUPTED))
            if debug:
                raise
            if isinstance(exc, LitecostError):
                sys.stderr.write(error_line(exc.one_line()) + "\n")
                sys.exit(int(exc.exit_code))
            sys.stderr.write(
                error_line(f"internal error: {type(exc).__name__}: {exc}; rerun with --debug for a traceback") + "\n"
            )
            sys.exit(int(ExitCode.INTERNAL_ERROR))
        _exit_if_stopped_by_signal()  # typer turns a KeyboardInterrupt into a returned 130
        sys.exit(result if isinstance(result, int) else 0)


def _exit_if_stopped_by_signal() -> None:
    """After SIGINT or SIGTERM, whatever came out — KeyboardInterrupt, DuckDB's "Query
    interrupted", typer's 130 — was the signal, and the open transaction was rolled back."""
    stopped_by = signals.received()
    if stopped_by is not None:
        sys.stderr.write(f"litecost: {signals.WORDS[stopped_by]}; nothing stored\n")
        sys.exit(int(signals.EXIT_CODES[stopped_by]))
