"""Find input files and recognise what each one is, before anything is written.

Detection reads only the head of a file (and, for a single JSON document, its keys),
so a wrong file is refused at once with a one-line error and nothing is stored.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson

from litecost import files
from litecost.errors import BadInputError, UsageError
from litecost.redact import redact

KINDS = ("spendlogs", "callbacks")
SNIFF_BYTES = 256 * 1024
_LOG_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson", ".parquet", ".log", ".txt")

# Keys that identify a record's shape.
_SPENDLOGS_KEYS = {"request_id"}
_SPENDLOGS_ANY = {"startTime", "spend", "call_type"}
_INVOICE_HINTS = {
    "line_item", "lineitem/usagetype", "line_item_usage_type", "metercategory", "metername",
    "billedcost", "sku", "service.description", "cost_type", "amount", "usage_type",
    "costinbillingcurrency", "chargecategory", "results", "object",
}


@dataclass(frozen=True)
class LivePull:
    """What a read of a live source covered, recorded with its ingest (`source_pulls`): the
    next pull of the same source starts from `newest` (less an overlap)."""

    source: str  # as shown: postgresql://user@host:port/dbname, never a password
    table: str
    window_start: datetime | None  # UTC; None: from the first row
    window_end: datetime | None  # UTC, exclusive; None: to the newest row
    newest: datetime | None  # the newest "startTime" read (UTC); None: no row


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: str  # spendlogs | callbacks
    format: str  # csv | jsonl | json_array | json_objects | json_page | parquet | empty
    compressed: bool
    size_bytes: int
    # Computed on a worker thread while the file is read, once ingest `start`s it (or known).
    digest: files.DeferredDigest | KnownDigest
    columns: tuple[str, ...] = ()  # CSV header / Parquet columns
    # A bundle's member files (as text), in order; `path` is the folder they were found in.
    members: tuple[str, ...] = ()
    # Lines of each member, in order; empty: every member is one line (bucket objects).
    member_lines: tuple[int, ...] = ()
    # Where a bundle's members are joined into one JSON lines file for the readers: one
    # file reads at DuckDB's full speed, thousands cost it ~1 ms each (see ingest). For a
    # file read from where its last ingest stopped: a copy of its appended lines.
    joined: Path | None = None
    # Lines of the file before the part read (an appended part's first line is this + 1).
    line_offset: int = 0
    # What keeps a bundle's joined file (its temporary folder goes with it).
    scratch: object = field(default=None, compare=False, repr=False)
    # How a source that is not a file the user named is shown and recorded (a database:
    # `path` is then the temporary copy of its rows), and what its read covered.
    label: str | None = None
    pull: LivePull | None = None

    @property
    def shown(self) -> str:
        """The source as users see it, in output and in the ledger."""
        return self.label or redact(str(self.path))

    @property
    def read_path(self) -> str:
        """What a DuckDB reader's `$path` is: the file, a bundle's joined members, or the
        copy of an appended part."""
        if self.members and self.joined is None:
            raise ValueError("a bundle is read from its joined file")
        return str(self.joined or self.path)

    def lines_by_member(self) -> tuple[list[str], list[int] | None]:
        """For each line of a bundle's joined file, the member it is in and its line there
        (None: each member is one line)."""
        if not self.member_lines:
            return list(self.members), None
        paths: list[str] = []
        lines: list[int] = []
        for member, count in zip(self.members, self.member_lines):
            paths.extend([member] * count)
            lines.extend(range(1, count + 1))
        return paths, lines

    @property
    def blake3(self) -> str:
        return self._digest().blake3

    @property
    def line_count(self) -> int | None:
        """Lines of the (decompressed) text; None when unknown."""
        return self._digest().lines

    def _digest(self) -> files.Digest:
        try:
            return self.digest.result()
        except OSError as exc:
            raise BadInputError(f"{self.path}: cannot be read ({exc.strerror or exc})", hint="check the file") from None

    @property
    def description(self) -> str:
        if self.members:
            what = "LiteLLM callback JSON lines" if self.member_lines else "LiteLLM bucket objects"
            return f"{len(self.members):,} files ({files.human_bytes(self.size_bytes)}) as {what}"
        what = {
            "csv": "LiteLLM_SpendLogs CSV export",
            "jsonl": "JSON lines",
            "json_array": "JSON list of rows",
            "json_objects": "pretty-printed JSON objects",
            "json_page": "/spend/logs/v2 JSON page",
            "parquet": "Parquet file",
            "empty": "empty file",
        }[self.format]
        kind = "SpendLogs rows" if self.kind == "spendlogs" else "LiteLLM callback payloads"
        if self.format in ("csv", "empty"):
            return what if self.format == "empty" else f"{what} ({kind})"
        return f"{kind} as {what}" + (" (gzip)" if self.compressed else "")


def expand_path_texts(patterns: list[str]) -> list[tuple[str, bool]]:
    """Log files among files, directories and globs, as text (see
    `litecost.files.expand_path_texts`). A folder search also takes files without an
    extension: LiteLLM's `gcs_bucket` logger, one object per call (GCS_USE_BATCHED_LOGGING
    off), names them `DATE/<response id>` and `DATE/failure-<hex>`; whatever else such a file
    is, sniff says so and it is skipped."""
    return files.expand_path_texts(patterns, _LOG_SUFFIXES, "log files", bare_names=True)


def _read_head(path: Path) -> tuple[bytes, bool]:
    return files.read_head(path, SNIFF_BYTES)


def _decode_head(path: Path, head: bytes) -> str:
    text = files.decode_text_head(head)
    if text is None:
        raise BadInputError(f"{path}: binary data, not a LiteLLM log", hint="pass a SpendLogs export (CSV/JSON/Parquet) or callback JSON lines")
    return text


def _shape_of(keys: set[str]) -> str | None:
    if _SPENDLOGS_KEYS <= keys and keys & _SPENDLOGS_ANY:
        return "spendlogs"
    if "standard_logging_object" in keys:
        return "callbacks"
    if "id" in keys and keys & {"response_cost", "startTime", "model_map_information"}:
        return "callbacks"
    if "model" in keys and keys & {"cost", "response_cost"}:
        return "callbacks"
    return None


def _not_a_log(path: Path, found: str) -> BadInputError:
    return BadInputError(
        f"{path}: not a LiteLLM log ({found})",
        hint="expected a LiteLLM_SpendLogs export (CSV/JSON/Parquet with request_id, startTime, spend) "
        "or callback JSON lines (StandardLoggingPayload); billing exports go to `litecost invoices import`",
    )


def _describe_keys(keys: list[str] | set[str]) -> str:
    shown = sorted(keys)[:8]
    more = "…" if len(keys) > 8 else ""
    return ", ".join(shown) + more


def _json_document_keys(path: Path, compressed: bool) -> tuple[str, list[str]]:
    """For a single JSON document: ('page'|'array'|'object', keys of the first record)."""
    import duckdb

    con = duckdb.connect()
    try:
        row = con.execute(
            "SELECT json_type(json), "
            " CASE json_type(json) WHEN 'ARRAY' THEN json_keys(json, '$[0]')"
            "   WHEN 'OBJECT' THEN coalesce(json_keys(json, '$.data[0]'), []) END,"
            " CASE json_type(json) WHEN 'OBJECT' THEN json_keys(json) END,"
            " json_type(json, '$.data')"
            " FROM read_json_objects(?, format='unstructured', maximum_object_size=?, compression=?) LIMIT 1",
            [str(path), files.json_document_limit(path, compressed), "gzip" if compressed else "none"],
        ).fetchone()
    except duckdb.Error as exc:
        raise BadInputError(
            f"{path}: malformed JSON ({str(exc).strip().splitlines()[0]})",
            hint="fix or re-export the file",
        ) from None
    finally:
        con.close()
    if row is None:
        return "object", []
    doc_type, first_keys, top_keys, data_type = row
    if doc_type == "ARRAY":
        return "array", first_keys or []
    if doc_type == "OBJECT" and data_type == "ARRAY":
        return "page", first_keys or []
    return "object", top_keys or []


def _first_json_line_record(text: str, max_lines: int = 50) -> dict | None:
    """The first of the leading lines that is a JSON object record on its own, if any.

    Looking past a few broken lines lets JSON lines with a damaged head still be
    ingested line by line (the damaged lines become rejects).
    """
    for line in text.split("\n")[:max_lines]:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # nested too deep for Python: the reader's to judge
            continue
        if isinstance(record, dict) and not isinstance(record.get("data"), list):
            return record
        return None
    return None


def sniff(path: Path, kind: str = "auto") -> SourceFile:
    if kind not in ("auto", *KINDS):
        raise UsageError(f"--kind {kind!r} is not one of auto, spendlogs, callbacks")
    size = path.stat().st_size
    head, compressed = _read_head(path)

    def made(fmt: str, detected: str | None, columns: tuple[str, ...] = (), whole: bool = False) -> SourceFile:
        final = detected if kind == "auto" else kind
        if whole:  # the head is the whole file, one line: no second read of it
            digest = KnownDigest(files.Digest(files.log_digest(head).hexdigest(), 1))
        else:
            # Lines are counted only where a reader needs them (the typed JSON lines read): the
            # count competes with DuckDB for the CPU, and a gzip file would be inflated for it.
            digest = files.DeferredDigest(path, compressed, count_lines=fmt == "jsonl")
        return SourceFile(path, final or "unknown", fmt, compressed, size, digest, columns)

    if not head.strip():
        return made("empty", kind if kind != "auto" else "unknown")
    if head.startswith(b"PAR1"):
        import duckdb

        try:
            columns = tuple(
                r[0] for r in duckdb.connect().execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
            )
        except duckdb.Error as exc:
            raise BadInputError(f"{path}: unreadable Parquet file ({str(exc).strip().splitlines()[0]})", hint="re-export the file") from None
        detected = _shape_of(set(columns))
        if detected != "spendlogs" and kind == "auto":
            raise _not_a_log(path, f"Parquet columns: {_describe_keys(columns)}")
        return made("parquet", detected, columns)

    text = _decode_head(path, head)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        record = _first_json_line_record(stripped)
        if record is not None:
            detected = _shape_of(set(record))
            if detected is None and kind == "auto":
                raise _not_a_log(path, f"first record has keys {_describe_keys(set(record))}")
            whole = not compressed and len(head) == size and b"\n" not in head.rstrip(b"\r\n")
            return made("jsonl", detected, whole=whole)
        doc, keys = _json_document_keys(path, compressed)
        detected = _shape_of(set(keys))
        if detected is None and kind == "auto":
            found = {
                "object": f"a JSON object with keys {_describe_keys(keys)}",
                "array": f"records with keys {_describe_keys(keys)}" if keys else "an empty or non-record list",
                "page": f"records with keys {_describe_keys(keys)}" if keys else "an empty data list",
            }[doc]
            raise _not_a_log(path, found)
        return made({"object": "json_objects", "array": "json_array", "page": "json_page"}[doc], detected)

    header_line = text.split("\n", 1)[0]
    try:
        header = next(csv.reader(io.StringIO(header_line)))
    except (csv.Error, StopIteration):
        header = []
    columns = tuple(h.strip() for h in header)
    detected = _shape_of(set(columns))
    if detected != "spendlogs":
        lowered = {c.lower() for c in columns}
        if lowered & _INVOICE_HINTS:
            raise _not_a_log(path, f"looks like a billing export: {_describe_keys(columns)}")
        if kind != "spendlogs":
            raise _not_a_log(path, f"CSV header has columns {_describe_keys(columns)}" if len(columns) > 1 else "no recognisable header")
    if kind == "callbacks":
        raise UsageError(f"{path}: --kind callbacks expects JSON lines, but this is a CSV file", hint="use --kind spendlogs or auto")
    return made("csv", "spendlogs", columns)


class KnownDigest:
    """A digest already known (a Future costs 15 µs a file, felt over 100,000 of them)."""

    def __init__(self, digest: files.Digest) -> None:
        self._digest = digest

    def result(self) -> files.Digest:
        return self._digest


# Fewer bucket objects than this are ingested file by file, as any other file.
MIN_BUNDLE = 2


def bucket_object(path: str, kind: str = "auto") -> bytes | None:
    """`path`'s one line (with its newline) when it plainly is one LiteLLM bucket object —
    one StandardLoggingPayload on one line of UTF-8, as the `s3` / `gcs_bucket` loggers write a
    request; else None, and `sniff` judges it. One read and one parse per file and nothing
    more: a synced bucket holds hundreds of thousands."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(SNIFF_BYTES + 1)
    except OSError:
        return None  # sniff says why
    line = data.strip()
    # The bundle is read as JSON lines: a CR, NUL or invalid UTF-8 inside is sniff's to judge.
    if len(data) > SNIFF_BYTES or not line.startswith(b"{") or b"\n" in line or b"\r" in line or b"\x00" in line:
        return None
    try:
        # orjson: 0.9 s for 100,000 objects where json takes 2.4 s, the most of detecting a
        # bucket. It is stricter (UTF-8, no NaN, 64-bit integers): what it refuses, sniff judges.
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(record, dict) or isinstance(record.get("data"), list):
        return None
    if kind == "auto" and _shape_of(set(record)) != "callbacks":
        return None
    return line + b"\n"


# A callback JSON lines file up to this size, found by a folder search (or named among many
# such), joins the bundle with the other small ones: each file read on its own costs ~0.2 s of statements
# whatever its size, which 1 MiB of lines takes DuckDB to read.
SMALL_JSON_LINES_BYTES = 1 << 20


def small_json_lines(src: SourceFile) -> bytes | None:
    """The whole text of `src`, ending in a newline, when it is a small, plain callback JSON
    lines file to join into a bundle; else None, and it is read on its own. Plain: UTF-8
    without CR, NUL or blank lines, so that the joined file's lines are exactly the members'
    lines, and every line an object orjson takes (as `bucket_object` asks of a bucket object):
    one odd member would send the whole bundle to the slower general reader."""
    if (src.kind != "callbacks" or src.format != "jsonl" or src.compressed or src.members
            or not 0 < src.size_bytes <= SMALL_JSON_LINES_BYTES):
        return None
    try:
        with open(src.path, "rb") as fh:
            data = fh.read(SMALL_JSON_LINES_BYTES + 1)
    except OSError:
        return None  # the reader says why
    if len(data) != src.size_bytes or b"\r" in data or b"\x00" in data:
        return None  # changing as we read, or not plain lines
    if not data.endswith(b"\n"):
        data += b"\n"
    try:
        records = [orjson.loads(line) for line in data[:-1].split(b"\n")]
    except orjson.JSONDecodeError:  # also invalid UTF-8, a BOM and blank lines
        return None
    return data if all(isinstance(record, dict) for record in records) else None


class BundleWriter:
    """Bucket objects and small JSON lines files joined, as they are found, into one JSON
    lines file under TMPDIR (member after member, line for line), read by ingest like any
    other: DuckDB reads one file at full speed where a list of thousands costs it ~1 ms a
    file, and reading them one by one ~0.2 s a file. Its folder goes when the bundle does
    (or at exit)."""

    def __init__(self) -> None:
        self.members: list[str] = []
        self.member_lines: list[int] = []
        self.size = 0
        self._digest = files.log_digest()
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._out = None

    def add(self, path: str, text: bytes) -> None:
        """Join member `path`, whose `text` is whole lines, each ending in a newline."""
        try:
            if self._out is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="litecost-bundle-")
                self._out = open(Path(self._scratch.name) / "bucket-objects.jsonl", "wb")  # noqa: SIM115 - closed in bundle()
            self._out.write(text)
        except OSError as exc:
            raise self._failed(exc, self.members[0] if self.members else path) from None
        self._digest.update(text)
        self.members.append(path)
        self.member_lines.append(text.count(b"\n"))
        self.size += len(text)

    def bundle(self) -> SourceFile:
        """The bundle of the members so far (the joined file closed)."""
        assert self._out is not None and self._scratch is not None
        try:
            self._out.close()  # writes what is buffered: the disk may be full only now
        except OSError as exc:
            raise self._failed(exc, self.members[0]) from None
        folder = Path(os.path.commonpath([os.path.dirname(m) for m in self.members]))
        digest = KnownDigest(files.Digest(self._digest.hexdigest(), sum(self.member_lines)))
        one_line_each = all(lines == 1 for lines in self.member_lines)
        return SourceFile(folder, "callbacks", "jsonl", False, self.size, digest, members=tuple(self.members),
                          member_lines=() if one_line_each else tuple(self.member_lines),
                          joined=Path(self._out.name), scratch=self._scratch)

    def _failed(self, exc: OSError, first: str) -> UsageError:
        self.discard()
        return UsageError(
            f"cannot join the bucket objects found with {redact(str(first))} into a temporary file:"
            f" {exc.strerror or exc}; nothing was stored",
            hint="point TMPDIR at a writable directory with room for the bucket's files",
        )

    def discard(self) -> None:
        if self._out is not None:
            try:
                self._out.close()
            except OSError:
                pass  # what it could not write goes with the folder
        if self._scratch is not None:
            self._scratch.cleanup()
        self._out = self._scratch = None
