"""Exception hierarchy and the one exit-code enum.

Every failure the user can cause maps to exactly one exit code, so cron jobs and
scripts can branch on it. The CLI turns a `LitecostError` into a single
`litecost: error: ...` line; library code only raises.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    THRESHOLD_BREACHED = 1  # only when the user asked with a --fail-* option, or close --verify failed
    USAGE = 2
    BAD_INPUT = 3
    PRICING_INCOMPLETE = 4  # only under --strict
    DB_BUSY = 5
    OUT_OF_MEMORY = 6  # within LITECOST_MEMORY_LIMIT: raise it and run again
    SOURCE_UNAVAILABLE = 7  # a live source (the proxy's database or API) could not be reached: run again later
    INTERNAL_ERROR = 70  # a bug in litecost: please report it
    INTERRUPTED = 130  # SIGINT (Ctrl-C)
    TERMINATED = 143  # SIGTERM (a service manager or `kill`)


EXIT_CODE_HELP = (
    "Exit codes: 0 ok; 1 threshold breached (--fail-*, close --verify); 2 usage error; "
    "3 bad input; 4 pricing incomplete (--strict); 5 database locked or busy; 6 out of memory "
    "(raise LITECOST_MEMORY_LIMIT); 7 live source unreachable (run again later); "
    "70 internal error; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM)."
)


class LitecostError(Exception):
    """Base class: a message meant for the user, and the exit code it maps to."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        text = self.message if not self.hint else f"{self.message}; {self.hint}"
        return " ".join(text.split())


class UsageError(LitecostError):
    exit_code = ExitCode.USAGE


class BadInputError(LitecostError):
    """An input file (log, invoice, price book) cannot be used as it is."""

    exit_code = ExitCode.BAD_INPUT


class StrictModeError(BadInputError):
    """Rejected records under --strict: the whole ingest is rolled back."""


class PricingIncompleteError(LitecostError):
    exit_code = ExitCode.PRICING_INCOMPLETE


class DatabaseBusyError(LitecostError):
    exit_code = ExitCode.DB_BUSY


class OutOfMemoryError(LitecostError):
    """The work did not fit in the memory limit; the transaction was rolled back."""

    exit_code = ExitCode.OUT_OF_MEMORY


class SourceUnavailableError(LitecostError):
    """A live source (the proxy's PostgreSQL, its spend API) could not be reached; nothing
    was stored, and the same command may succeed later."""

    exit_code = ExitCode.SOURCE_UNAVAILABLE


class DatabaseError(LitecostError):
    """The database file is unusable (not DuckDB, newer schema than this litecost)."""

    exit_code = ExitCode.BAD_INPUT
