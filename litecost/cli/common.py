"""Shared CLI plumbing: output destinations, formats, the one-line error contract."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

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
            sys.exit(exc.exit_code)
        except typer.TyperException as exc:  # usage errors: bad option, missing argument
            usage_ctx = getattr(exc, "ctx", None)
            hint = f" (see `{usage_ctx.command_path} --help`)" if usage_ctx is not None else ""
            sys.stderr.write(error_line(exc.format_message() + hint) + "\n")
            sys.exit(exc.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            sys.stderr.write("litecost: interrupted; nothing was committed by the interrupted step\n")
            sys.exit(int(ExitCode.INTERRUPTED))
        except LitecostError as exc:
            if debug:
                raise
            sys.stderr.write(error_line(exc.one_line()) + "\n")
            sys.exit(int(exc.exit_code))
        except Exception as exc:
            if debug:
                raise
            sys.stderr.write(
                error_line(f"internal error: {type(exc).__name__}: {exc}; rerun with --debug for a traceback") + "\n"
            )
            sys.exit(int(ExitCode.INTERNAL_ERROR))
        sys.exit(result if isinstance(result, int) else 0)
