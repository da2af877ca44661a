"""The memory bound: how much DuckDB may hold, where it spills, how large a record may be.

A month of SpendLogs is tens of GB; litecost reads it in bounded memory whatever its size.
DuckDB keeps its working memory within `memory_limit` and writes what does not fit to a
temp directory. litecost's own buffers (the CSV and JSON readers') are sized from the same
limit, so a small limit still works, only slower.

- `LITECOST_MEMORY_LIMIT` (e.g. `2GB`, `512MiB`, `25%` of the machine's memory): the
  limit. Default: a quarter of the machine's memory (the cgroup's limit in a container),
  at least 256 MiB and at most 4 GiB. Peak RSS stays within it plus ~0.5 GB for Python
  and what DuckDB does not count.
- `LITECOST_TEMP_DIR`: where DuckDB spills. Default: `<database>.tmp` next to the
  database, removed when litecost exits.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from litecost.errors import OutOfMemoryError, UsageError

MEMORY_ENV = "LITECOST_MEMORY_LIMIT"
TEMP_DIR_ENV = "LITECOST_TEMP_DIR"

MIB = 1024 * 1024
GIB = 1024 * MIB
DEFAULT_SHARE = 0.25
DEFAULT_FLOOR = 256 * MIB
DEFAULT_CEILING = 4 * GIB
# Below this DuckDB cannot run an ingest at all; a clear error beats its own.
SMALLEST_LIMIT = 16 * MIB

_UNITS = {
    "": 1, "B": 1,
    "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40,
    "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40,
}
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def machine_memory_bytes() -> int | None:
    """Physical memory, or the container's (cgroup v2 or v1) limit when that is lower."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX
        physical = None
    for path in _CGROUP_LIMITS:
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and (physical is None or int(text) < physical):
            return int(text)
    return physical


def parse_memory_size(text: str, *, machine: int | None = None) -> int:
    """'2GB' -> 2*10**9, '512MiB' -> 512*2**20, '25%' -> a quarter of the machine's memory."""
    value = text.strip()
    percent = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*%", value)
    if percent:
        if machine is None:
            raise ValueError("the machine's memory is unknown here; give a size such as 2GB")
        share = float(percent.group(1)) / 100
        if not 0 < share <= 1:
            raise ValueError("a percentage must be above 0 and at most 100")
        return int(machine * share)
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)", value)
    if not m or m.group(2).upper() not in _UNITS:
        raise ValueError("not a size; use e.g. 2GB, 512MiB or 25%")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def _human(n: int) -> str:
    return f"{n / GIB:.1f} GiB" if n >= GIB else f"{n / MIB:.0f} MiB"


@dataclass(frozen=True)
class MemorySettings:
    limit_bytes: int
    origin: str  # how the limit was chosen, for `db info` and error messages
    temp_dir: Path | None  # None: DuckDB's default, <database>.tmp

    @property
    def duckdb_limit(self) -> str:
        return f"{max(1, self.limit_bytes // 1024)}KiB"

    @property
    def max_record_bytes(self) -> int:
        """The longest line or JSON record the readers take: a sixteenth of the limit,
        between 1 MiB and 64 MiB (each of DuckDB's reader threads holds a few buffers of
        twice this)."""
        return min(64 * MIB, max(1 * MIB, self.limit_bytes // 16))

    @property
    def read_buffer_bytes(self) -> int:
        return 2 * self.max_record_bytes

    def describe(self) -> str:
        return f"{_human(self.limit_bytes)} ({self.origin})"


def memory_settings() -> MemorySettings:
    """The settings from the environment; a bad value is a usage error naming the variable."""
    machine = machine_memory_bytes()
    raw = os.environ.get(MEMORY_ENV, "").strip()
    if raw:
        try:
            limit = parse_memory_size(raw, machine=machine)
        except ValueError as exc:
            raise UsageError(f"{MEMORY_ENV}={raw!r}: {exc}") from None
        if limit < SMALLEST_LIMIT:
            raise UsageError(
                f"{MEMORY_ENV}={raw!r} is below the smallest limit litecost can work in ({_human(SMALLEST_LIMIT)})",
                hint=f"set {MEMORY_ENV} to 256MB or more",
            )
        origin = f"{MEMORY_ENV}={raw}"
    elif machine is None:
        limit, origin = 1 * GIB, "default; the machine's memory is unknown"
    else:
        limit = min(DEFAULT_CEILING, max(DEFAULT_FLOOR, int(machine * DEFAULT_SHARE)))
        origin = f"default: a quarter of {_human(machine)}, at most {_human(DEFAULT_CEILING)}"
    temp = os.environ.get(TEMP_DIR_ENV, "").strip()
    return MemorySettings(limit, origin, Path(temp).expanduser() if temp else None)


def _duckdb_error(exc: BaseException, kind: str = "Error") -> bool:
    """Whether `exc` is DuckDB's (of class `kind`); DuckDB is not imported for the asking:
    if it was never loaded, the error cannot be its."""
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(exc, getattr(duckdb, kind))


def out_of_memory_error(exc: BaseException) -> OutOfMemoryError | None:
    """DuckDB's out-of-memory error as the one line a user can act on, or None for others."""
    if not _duckdb_error(exc, "OutOfMemoryException"):
        return None
    settings = memory_settings()
    suggested = max(2 * settings.limit_bytes, DEFAULT_FLOOR)
    return OutOfMemoryError(
        f"out of memory within the limit of {settings.describe()}; nothing was stored",
        hint=f"set {MEMORY_ENV}={-(-suggested // GIB)}GB (or more) and run the same command again",
    )


def record_too_long_error(path: object, exc: BaseException) -> OutOfMemoryError | None:
    """DuckDB's "Maximum line size ... exceeded" as the one line a user can act on."""
    found = re.search(r"Maximum line size of (\d+) bytes exceeded\. Actual Size:\s*(\d+)", str(exc))
    if not found:
        return None
    settings = memory_settings()
    size = int(found.group(2))
    needed = max(16 * size, 2 * settings.limit_bytes, DEFAULT_FLOOR)
    return OutOfMemoryError(
        f"{path}: a record of {size / MIB:.1f} MiB is longer than the {settings.max_record_bytes / MIB:.0f} MiB litecost"
        f" reads within the memory limit of {settings.describe()}; nothing was stored",
        hint=f"set {MEMORY_ENV}={-(-needed // (256 * MIB)) * 256}MB (or more) and run the same command again",
    )


def spill_error(exc: BaseException) -> UsageError | None:
    """DuckDB failing to write its temp files (a missing or read-only LITECOST_TEMP_DIR, a
    full disk) as the one line a user can act on, instead of blaming the input file. Only
    DuckDB's errors: an OSError of litecost's own writing says what it could not write."""
    if not _duckdb_error(exc):
        return None
    text = " ".join(str(exc).split())
    settings = memory_settings()
    written = re.search(r'Could not write file "([^"]+)"', text)
    if written and "duckdb_temp" not in written.group(1) and not (
        settings.temp_dir is not None and written.group(1).startswith(str(settings.temp_dir))
    ):
        # Not a spill: the database file itself (or its write-ahead log) could not grow.
        reason = "no space left on the device" if "No space left on device" in text else text[:200]
        return UsageError(
            f"cannot write {written.group(1)}: {reason}; nothing was stored",
            hint="free space on that disk, or point --db / LITECOST_DB at a database on another",
        )
    configured = settings.temp_dir is not None and str(settings.temp_dir) in text
    if not (configured or "duckdb_temp" in text or "No space left on device" in text):
        return None
    where = f"{TEMP_DIR_ENV}={settings.temp_dir}" if settings.temp_dir is not None else "DATABASE.tmp, next to the database"
    return UsageError(
        f"cannot spill to {where}: {text[:200]}; nothing was stored",
        hint=f"point {TEMP_DIR_ENV} at a writable directory with free space (about the input's size), "
        f"or raise {MEMORY_ENV}",
    )
