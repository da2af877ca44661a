"""Finding input files, fingerprinting them, and writing outputs atomically."""

from __future__ import annotations

import ctypes
import glob
import gzip
import hashlib
import os
import queue
import stat
import tempfile
import threading
import zlib
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from blake3 import blake3

from litecost.errors import BadInputError, UsageError


def expand_paths(patterns: list[str], suffixes: tuple[str, ...], what: str,
                 bare_names: bool = False) -> list[tuple[Path, bool]]:
    """Files, directories (searched recursively for files ending in `suffixes`, optionally
    `.gz`, and with `bare_names` also files whose names have no dot at all) and glob
    patterns. Each path comes with whether the user named it (True) or a directory search
    found it (False)."""
    return [(Path(text), named) for text, named in expand_path_texts(patterns, suffixes, what, bare_names)]


def expand_path_texts(patterns: list[str], suffixes: tuple[str, ...], what: str,
                      bare_names: bool = False) -> list[tuple[str, bool]]:
    """`expand_paths` as text: making 100,000 `Path` objects costs a synced bucket 0.5 s."""
    found: dict[str, bool] = {}  # by the path's normal text (Path objects hash slowly, felt at 100,000)
    for pattern in patterns:
        path = Path(pattern)
        named = True
        if path.is_dir():
            named = False
            matches = sorted(_files_under(str(path), suffixes, bare_names))
            if not matches:
                raise UsageError(f"{pattern}: directory holds no {what}", hint=f"expected {', '.join(suffixes)} files (optionally .gz)")
        elif path.is_file():
            matches = [str(path)]
        elif path.exists():
            raise not_a_regular_file(path)
        elif any(ch in pattern for ch in "*?["):
            matches = sorted((str(Path(p)) for p in glob.glob(pattern, recursive=True) if Path(p).is_file()), key=Path)
            if not matches:
                raise UsageError(f"{pattern}: no files match this pattern", hint="check the path or quote the glob")
        else:
            raise UsageError(f"{pattern}: no such file or directory", hint="check the path")
        for match in matches:
            found[match] = found.get(match, False) or named
    return list(found.items())


def _files_under(folder: str, suffixes: tuple[str, ...], bare_names: bool = False) -> list[str]:
    """Regular files (or links to them) under `folder`, at any depth, whose names end in
    `suffixes` (optionally `.gz`) or, with `bare_names`, hold no dot (outside hidden folders
    such as `.git`, full of such names); links to folders are not followed, and a folder that
    cannot be listed is passed over, as `Path.rglob` does. One `scandir` per folder: a synced
    bucket holds hundreds of thousands of files (rglob with a stat each: 0.6 s per 100,000)."""
    found: list[str] = []
    folders = [(folder, False)]
    while folders:
        current, hidden = folders.pop()
        try:
            entries = os.scandir(current)
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, hidden or entry.name.startswith(".")))
                elif (entry.name.removesuffix(".gz").endswith(suffixes)
                      or bare_names and not hidden and "." not in entry.name) and entry.is_file():
                    found.append(entry.path)
    return found


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    return "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"


def not_a_regular_file(path: Path) -> UsageError:
    """Reading a FIFO waits for a writer, a device may never end: inputs are regular files."""
    return UsageError(f"{path} is {file_kind(path.stat().st_mode)}, not a regular file", hint="give a file")


def read_input_text(path: Path, what: str, limit: int, *, missing_hint: str = "check the path") -> str:
    """A small input file (YAML, a price map) as text: a regular file, at most `limit`
    bytes (so `/dev/zero` or a wrong file cannot fill memory), UTF-8."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist", hint=missing_hint) from None
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror}", hint="check the path and its permissions") from None
    if not stat.S_ISREG(mode):
        raise UsageError(f"{what} {path} is {file_kind(mode)}, not a regular file", hint="give a file")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror}", hint="check its permissions") from None
    if len(data) > limit:
        raise BadInputError(f"{what} {path} is larger than {limit // (1024 * 1024)} MiB, the most litecost reads", hint="check that this is the file you meant")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{what} {path}: not UTF-8 text (byte {exc.start})", hint="save it as UTF-8") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def log_digest(data: bytes = b"") -> blake3:
    """A new digest of a log's bytes: BLAKE3 (256 bits, hex as `b3sum` prints it), the
    log's identity in the ledger. Not SHA-256, as bills and every file litecost writes are:
    a log is hashed whole while DuckDB reads it, on the same two cores, and BLAKE3 takes
    2-3.6x less CPU than SHA-256 at OpenSSL's top speed (over 8.9 GB, 1.4 CPU-s against 5.2
    on an AVX-512 CPU, 3.5 against 7.0 on an AVX2 one: bench/README)."""
    return blake3(data)


@dataclass(frozen=True)
class Digest:
    blake3: str  # of the file's bytes as stored (compressed, if it is)
    lines: int | None  # lines of its text (a last line without a newline counts); None: unknown


# Above this many bytes a line on average, newlines are counted by jumping from one to the
# next (`bytes.find`, memchr: 9 GB/s on 9 KB lines) instead of by `bytes.count`, which
# looks at every byte (2.4 GB/s) but costs nothing per line. Payload-bearing logs have
# lines of several KB; a digest shares the machine's cores with DuckDB's read.
LONG_LINE_BYTES = 1024


class NewlineCounter:
    """Counts b"\n" in a stream of blocks, by whichever way is faster for the lines seen so far."""

    def __init__(self) -> None:
        self.lines = 0
        self._long_lines = False

    def feed(self, block: bytes | bytearray, start: int = 0, end: int | None = None) -> None:
        """Count the lines of `block[start:end]` (bounds, not a slice: no copy of the block)."""
        end = len(block) if end is None else end
        if self._long_lines:
            found, at = 0, block.find(b"\n", start, end)
            while at >= 0:
                found += 1
                at = block.find(b"\n", at + 1, end)
        else:
            found = block.count(b"\n", start, end)
        self._long_lines = found * LONG_LINE_BYTES < end - start
        self.lines += found


# Read into one reused buffer: a new 4 MiB bytes object per block is fresh memory the
# kernel maps and zeroes again each time (2.1 s of system time over 8.9 GB, against 1.2 s).
DIGEST_BLOCK_BYTES = 1 << 20
# ...that starts on a page: the kernel copies a file into a buffer that malloc placed 16
# bytes past one (as it does a bytearray of 128 KiB or more) 5x slower, 0.85 s of system
# time per 1.7 GB against 0.15 s (measured on a 6.18 kernel, 2-core VM).
_PAGE_BYTES = 4096


def _page_aligned(size: int) -> tuple[bytearray, int]:
    """A buffer and the offset in it at which `size` bytes start on a page boundary."""
    buffer = bytearray(size + _PAGE_BYTES)
    address = ctypes.addressof(ctypes.c_char.from_buffer(buffer))
    return buffer, -address % _PAGE_BYTES


def digest_of(path: Path, compressed: bool = False, count_lines: bool = True) -> Digest:
    """The file's BLAKE3 and (with `count_lines`) its number of lines, in one pass over the file."""
    digest = log_digest()
    counter = NewlineCounter() if count_lines else None
    last = b"\n"
    gunzip = _Gunzip() if compressed else None
    buffer, start = _page_aligned(DIGEST_BLOCK_BYTES)
    view = memoryview(buffer)[start:start + DIGEST_BLOCK_BYTES]
    with open(path, "rb", buffering=0) as fh:
        while size := fh.readinto(view):
            block = view[:size]
            digest.update(block)
            if counter is None:
                continue
            if gunzip is None:
                counter.feed(buffer, start, start + size)
                last = buffer[start + size - 1:start + size]
                continue
            try:
                text = gunzip.feed(bytes(block))
            except zlib.error:
                counter = None  # damaged: the reader reports it with its own error
                continue
            if text:
                counter.feed(text)
                last = text[-1:]
    if counter is None:
        return Digest(digest.hexdigest(), None)
    return Digest(digest.hexdigest(), counter.lines + (bytes(last) != b"\n"))


class _Gunzip:
    """Streaming gunzip that continues across the members of a multi-member file."""

    def __init__(self) -> None:
        self._member = zlib.decompressobj(wbits=31)

    def feed(self, data: bytes) -> bytes:
        out = []
        while data:
            out.append(self._member.decompress(data))
            if not self._member.eof:
                break
            data = self._member.unused_data
            self._member = zlib.decompressobj(wbits=31)
        return b"".join(out)


FINGERPRINT_BYTES = 64 * 1024


@dataclass(frozen=True)
class Fingerprint:
    """What a file looks like without reading it all: enough to tell that it is unchanged
    since an earlier ingest in O(1), whatever its size."""

    size: int
    mtime_ns: int
    head_sha256: str  # of its first 64 KiB (the whole file, if smaller)
    tail_sha256: str  # of its last 64 KiB
    # Where its last whole line ends (just past its last newline, within the last 64 KiB);
    # None when there is none there.
    lines_end: int | None = None


def fingerprint_of(path: Path) -> Fingerprint:
    with open(path, "rb") as fh:
        info = os.fstat(fh.fileno())
        head = fh.read(FINGERPRINT_BYTES)
        if info.st_size > FINGERPRINT_BYTES:
            fh.seek(info.st_size - FINGERPRINT_BYTES)
            tail = fh.read(FINGERPRINT_BYTES)
        else:
            tail = head
    newline = tail.rfind(b"\n")
    lines_end = None if newline < 0 else info.st_size - len(tail) + newline + 1
    return Fingerprint(info.st_size, info.st_mtime_ns, hashlib.sha256(head).hexdigest(),
                       hashlib.sha256(tail).hexdigest(), lines_end)


def window_sha256(path: Path, end: int) -> str | None:
    """The SHA-256 of the 64 KiB of `path` that end at byte `end` (a fingerprint's tail when
    the file was `end` bytes long); None when the file is shorter."""
    start = max(end - FINGERPRINT_BYTES, 0)
    with open(path, "rb") as fh:
        fh.seek(start)
        window = fh.read(end - start)
    return hashlib.sha256(window).hexdigest() if len(window) == end - start else None


def copy_range(path: Path, start: int, end: int, target: Path) -> Digest:
    """Copy bytes [start, end) of `path` into `target`; their BLAKE3 and lines."""
    digest = log_digest()
    lines = 0
    with open(path, "rb") as fh, open(target, "wb") as out:
        fh.seek(start)
        left = end - start
        while left > 0:
            block = fh.read(min(left, 1 << 22))
            if not block:
                raise OSError(f"{path} is shorter than {end} bytes")
            out.write(block)
            digest.update(block)
            lines += block.count(b"\n")
            left -= len(block)
    return Digest(digest.hexdigest(), lines)


_digest_queue: queue.SimpleQueue | None = None
_digest_thread_id: int | None = None


def digest_thread_id() -> int | None:
    """The OS thread id of the digest worker, once it runs (for per-thread I/O figures)."""
    return _digest_thread_id


def digest_in_background(path: Path, compressed: bool = False, count_lines: bool = True) -> Future[Digest]:
    """Queue `digest_of` for a worker thread: hashing releases the GIL, so it overlaps
    with DuckDB reading the same file (from the page cache) instead of preceding it.

    The worker is a daemon thread, unlike a ThreadPoolExecutor's: a run that stops
    early (a bad input, Ctrl-C) exits at once instead of finishing the hash first."""
    global _digest_queue
    if _digest_queue is None:
        _digest_queue = queue.SimpleQueue()
        threading.Thread(target=_digest_worker, args=(_digest_queue,), name="litecost-digest", daemon=True).start()
    future: Future[Digest] = Future()
    _digest_queue.put((future, path, compressed, count_lines))
    return future


class DeferredDigest:
    """A file's digest, computed on the worker thread once `start` (or `result`) is called:
    a file the ledger shows unchanged, or read only from where its last ingest stopped, is
    never hashed whole (1 GB costs a core for ~0.6 s, taken from DuckDB's two)."""

    def __init__(self, path: Path, compressed: bool = False, count_lines: bool = True) -> None:
        self._job = (path, compressed, count_lines)
        self._future: Future[Digest] | None = None

    def start(self) -> None:
        if self._future is None:
            self._future = digest_in_background(*self._job)

    def result(self) -> Digest:
        self.start()
        assert self._future is not None
        return self._future.result()


def _digest_worker(jobs: queue.SimpleQueue) -> None:
    global _digest_thread_id
    _digest_thread_id = threading.get_native_id()
    while True:
        future, path, compressed, count_lines = jobs.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(digest_of(path, compressed, count_lines))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the digest
            future.set_exception(exc)


# Control characters other than tab, CR and LF, counted by bytes.translate (a Python loop
# over the characters cost 0.2 ms a file, most of detecting a bucket object).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def decode_text_head(head: bytes) -> str | None:
    """The head of an input file as text; None when it is binary: a NUL byte, or more
    than 10% undecodable or control characters. (A few invalid bytes are a line's
    problem, reported with that line, not the file's.)"""
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    garbage = text.count("\ufffd") + len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in head or garbage > len(text) // 10:
        return None
    return text


# Names of standard output that `-o` accepts (a pipe or terminal is no file to replace).
STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


def output_target(output: Path) -> Path | None:
    """The regular file `-o output` writes, with symlinks followed; None for standard
    output. Anything else is refused before a byte is written: replacing a device node,
    a FIFO or a socket with a plain file (as `write_atomically` would) breaks the machine
    or its owner's program, and a directory or a missing one is a typo."""
    if str(output) in STDOUT_NAMES:
        return None
    target = Path(os.path.realpath(output))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UsageError(f"--output {output}: {exc.strerror}", hint="choose a file you may write") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"--output {output}: is a directory, not a file", hint="name a file, e.g. report.csv")
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(
            f"--output {output}: is {file_kind(mode)}, not a regular file; litecost writes outputs only to files",
            hint="write to a file, or leave out -o and redirect standard output (-o - means standard output)",
        )
    if not target.parent.is_dir():
        raise UsageError(f"--output {output}: directory {target.parent} does not exist", hint="create it first, or choose another")
    if mode is not None and not os.access(target, os.W_OK):
        raise UsageError(f"cannot write {output}: the file is read-only", hint="choose a writable location")
    return target


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers see the old file or
    the new one, never a partial one. The file gets the mode a plain `open()` would give
    it: an existing file's, else 0666 less the umask (mkstemp's own is 0600)."""
    path = Path(path)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = 0o666 & ~current_umask()
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.resolve().parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror}", hint="choose a writable location") from None
        raise


def current_umask() -> int:
    # Python 3.11 has no os.getumask(): set and restore (before any worker writes files).
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_head(path: Path, limit: int) -> tuple[bytes, bool]:
    """The first `limit` bytes of a file, gunzipped when it is gzip; and whether it was."""
    try:
        raw = open(path, "rb")  # one open: a bucket holds hundreds of thousands of files
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}", hint="check its permissions") from None
    with raw:
        head = raw.read(limit)
        if not head.startswith(b"\x1f\x8b"):
            return head, False
        raw.seek(0)
        try:
            with gzip.open(raw, "rb") as fh:
                return fh.read(limit), True
        except (EOFError, OSError, zlib.error) as exc:
            raise BadInputError(
                f"{path}: the gzip stream is damaged or cut short ({exc})", hint="re-download or re-export the file"
            ) from None


def json_document_limit(path: Path, compressed: bool) -> int:
    """The `maximum_object_size` for reading `path` as one JSON document: DuckDB holds the
    whole document, so its (decompressed) size bounds it."""
    size = path.stat().st_size
    if compressed:
        size = 0
        try:
            with gzip.open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    size += len(chunk)
        except (EOFError, OSError, zlib.error) as exc:
            raise BadInputError(
                f"{path}: the gzip stream is damaged or cut short ({exc})", hint="re-download or re-export the file"
            ) from None
    return max(16 * 1024 * 1024, size + 1024 * 1024)


def human_bytes(n: int) -> str:
    """A size as a person reads it: 870 B, 70.4 MB, 1.2 GB (decimal units)."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} GB"  # pragma: no cover


