"""Shared CLI plumbing: output destinations, formats, the one-line error contract."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from typer._click.exceptions import NoArgsIsHelpError
from typer.core import TyperGroup

from litecost.cli import signals
from litecost.errors import ExitCode, LitecostError, UsageError
from litecost.files import output_target, write_atomically
from litecost.memory import out_of_memory_error, spill_error
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


_FORMAT_BY_SUFFIX = {".csv": OutputFormat.csv, ".json": OutputFormat.json, ".jsonl": OutputFormat.jsonl,
                     ".ndjson": OutputFormat.jsonl, ".md": OutputFormat.markdown, ".markdown": OutputFormat.markdown}


def choose_format(fmt: OutputFormat | None, output: Path | None = None) -> OutputFormat:
    """--format if given; else what --output's extension says (csv for any other); else a
    table on a terminal and CSV when stdout is piped or redirected."""
    if fmt is None and output is not None:
        fmt = _FORMAT_BY_SUFFIX.get(output.suffix.lower(), OutputFormat.csv)
    if fmt is None:
        fmt = OutputFormat.table if sys.stdout.isatty() else OutputFormat.csv
    if output is not None and fmt is OutputFormat.table:
        raise UsageError("--output needs a machine format", hint="add --format csv, json, jsonl or markdown")
    return fmt


def rate_options(rate: list[str] | None) -> dict[str, str]:
    """--rate CUR=RATE options as {currency: rate text} (checked by the library)."""
    rates = {}
    for item in rate or []:
        currency, sep, value = item.partition("=")
        if not sep or not value.strip():
            raise UsageError(f"--rate {item!r} is not CUR=RATE (a three-letter currency code)", hint="e.g. --rate EUR=1.08")
        rates[currency] = value
    return rates


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
    """Write rendered data to stdout, or atomically to the file `output` names (temp file
    + rename; see `files.output_target` for what it may name)."""
    target = None if output is None else output_target(output)
    if not isinstance(rendered, str):  # a rich renderable (tables)
        from rich.console import Console

        if target is not None:
            raise UsageError("--output needs a machine format", hint="add --format csv, json, jsonl or markdown")
        console = Console(highlight=False)
        if not console.is_terminal:
            # Piped or redirected: no colour (Rich drops it) and room for every column.
            console = Console(highlight=False, width=200)
        console.print(rendered)
        return
    if target is None:
        sys.stdout.write(rendered)
        sys.stdout.flush()
        return
    write_atomically(target, rendered.encode("utf-8"))


def error_line(message: str) -> str:
    return f"litecost: error: {redact(' '.join(message.split()))}"


# Options of the root command that people also type after the subcommand
# (`litecost report --by tag --db prod.duckdb`).
_GLOBAL_FLAGS = ("--debug",)
_GLOBAL_WITH_VALUE = ("--db",)


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move global options found after the subcommand to just before it, where the root
    command parses them (a later one still wins). Nothing after `--` moves."""
    start = 0
    while start < len(argv) and argv[start].startswith("-") and argv[start] != "--":
        start += 2 if argv[start] in _GLOBAL_WITH_VALUE else 1
    moved: list[str] = []
    kept: list[str] = []
    index = start
    while index < len(argv):
        token = argv[index]
        if token == "--":
            kept += argv[index:]
            break
        if token in _GLOBAL_WITH_VALUE and index + 1 < len(argv):
            moved += argv[index:index + 2]
            index += 2
            continue
        if token in _GLOBAL_FLAGS or token.startswith(tuple(f"{name}=" for name in _GLOBAL_WITH_VALUE)):
            moved.append(token)
        else:
            kept.append(token)
        index += 1
    return argv[:start] + moved + kept


class LitecostGroup(TyperGroup):
    """Turns every failure into one plain stderr line and its exit code."""

    def main(self, args: list[str] | None = None, *rest: Any, **kwargs: Any) -> Any:  # noqa: D401
        kwargs["standalone_mode"] = False
        argv = hoist_global_options(list(sys.argv[1:] if args is None else args))
        debug = "--debug" in argv or os.environ.get("LITECOST_DEBUG") == "1"
        try:
            result = super().main(argv, *rest, **kwargs)
        except typer.Exit as exc:
            _exit_if_stopped_by_signal()
            sys.exit(exc.exit_code)
        except BaseException as exc:
            if isinstance(exc, SystemExit):
                raise
            _exit_if_stopped_by_signal()
            if isinstance(exc, NoArgsIsHelpError):  # `litecost`, `litecost report`: the help, as --help shows it
                sys.stderr.write(exc.ctx.get_help() + "\n")
                sys.exit(int(ExitCode.USAGE))
            if isinstance(exc, typer.TyperException):  # usage errors: bad option, missing argument
                usage_ctx = getattr(exc, "ctx", None)
                hint = ""
                if usage_ctx is not None:
                    usage = usage_ctx.command.get_usage(usage_ctx).removeprefix("Usage: ")
                    hint = f" (usage: {usage}; see `{usage_ctx.command_path} --help`)"
                sys.stderr.write(error_line(exc.format_message().rstrip(".") + hint) + "\n")
                sys.exit(exc.exit_code)
            if isinstance(exc, (typer.Abort, KeyboardInterrupt)):
                sys.stderr.write("litecost: interrupted; nothing stored\n")
                sys.exit(int(ExitCode.INTERRUPTED))
            if debug:
                raise
            exc = out_of_memory_error(exc) or spill_error(exc) or exc
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
