"""Ingest LiteLLM logs into `calls`: idempotent, every record accounted for.

One `ingest()` call is one transaction over all its files: it either stores every
file's result (calls, rejects, ledger rows) or nothing. For each file,
`rows_read = inserted + duplicates + rejected`; a duplicate whose content differs
from the stored call is also listed in `duplicate_conflicts` (the first stored
version is kept).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from litecost import __version__, files
import duckdb

from litecost.errors import BadInputError, StrictModeError, UsageError
from litecost.memory import record_too_long_error, spill_error
from litecost.sources.canonical import (
    direct_calls_select, direct_line_numbers_sql, distinct_values_sql, restaged_calls_select, sampled_values_sql,
    staged_calls_select, stored_calls_select,
)
from litecost.sources.detect import (
    MIN_BUNDLE, SMALL_JSON_LINES_BYTES, BundleWriter, KnownDigest, SourceFile, bucket_object, expand_path_texts,
    small_json_lines, sniff,
)
from litecost.sources.pre_calls import load_pre_calls, numbered_after_staging, typed_read_applies
from litecost.sources.readers import REJECTS_TABLE, numbered_rows_sql, read_rejects_sql, rejected_excerpts_sql
from litecost.sql import Statement
from litecost.store import Store
from litecost.redact import redact, redact_sql


@dataclass
class FileResult:
    path: str
    kind: str
    format: str
    description: str
    blake3: str | None  # of the bytes read (files.log_digest); None: skipped, known by an old sha256
    ingest_id: int
    rows_read: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    conflicts: int = 0
    first_reject: str | None = None
    # Calls LiteLLM logged under a placeholder id ("None": LiteLLM #39749), by placeholder,
    # stored under their litellm_call_id / trace instead.
    placeholder_ids: dict[str, int] = field(default_factory=dict)
    placeholder_models: list[str] = field(default_factory=list)  # provider/model of those calls
    reader: str = "general"  # "typed" when DuckDB's typed JSON reader took the whole file; "none": skipped
    files: int = 1  # a bundle of bucket objects: its member files (first_reject then names the file)
    # Unchanged since an earlier ingest (`ingest_id`, which stored it) and not read again.
    skipped: bool = False
    # JSON lines appended since an earlier ingest (`appended_since`) were read from this
    # byte, the file's line `first_line`.
    first_byte: int = 0
    first_line: int = 1
    appended_since: int | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class IngestResult:
    files: list[FileResult] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def skipped(self) -> list[FileResult]:
        return [f for f in self.files if f.skipped]

    @property
    def kind(self) -> str:
        kinds = sorted({f.kind for f in self.files})
        return kinds[0] if len(kinds) == 1 else "mixed"

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": 1,
            "kind": self.kind,
            "files": [f.to_dict() for f in self.files],
            **{n: self.total(n) for n in ("rows_read", "inserted", "duplicates", "rejected", "conflicts")},
            "placeholder_ids": sum(sum(f.placeholder_ids.values()) for f in self.files),
            "skipped": len(self.skipped),
        }


# Fields compared when a request id arrives again: a difference is a conflict.
_CONFLICT_CHECKS = (
    "CASE WHEN abs(epoch(new.start_time) - epoch(old.start_time)) >= 1"
    " THEN 'start_time ' || new.start_time::VARCHAR || ' vs ' || old.start_time::VARCHAR END",
    "CASE WHEN new.model IS DISTINCT FROM old.model"
    " THEN 'model ' || coalesce(new.model, 'null') || ' vs ' || coalesce(old.model, 'null') END",
    "CASE WHEN new.prompt_tokens <> old.prompt_tokens"
    " THEN 'prompt_tokens ' || new.prompt_tokens || ' vs ' || old.prompt_tokens END",
    "CASE WHEN new.completion_tokens <> old.completion_tokens"
    " THEN 'completion_tokens ' || new.completion_tokens || ' vs ' || old.completion_tokens END",
    "CASE WHEN abs(new.logged_cost - old.logged_cost) > 0.000000001"
    " THEN 'cost ' || new.logged_cost::DOUBLE || ' vs ' || old.logged_cost::DOUBLE END",
    "CASE WHEN new.status <> old.status THEN 'status ' || new.status || ' vs ' || old.status END",
)
_DIFFERENCES = "concat_ws('; ', " + ", ".join(_CONFLICT_CHECKS) + ")"

# LiteLLM gives a cache hit the id `<response id>_cache_hit<time.time()>`, computed apart
# for the callback payload and for the SpendLogs row, so one hit has two ids that differ in
# the last digits. Its litellm_call_id is the same on both sides, while two hits of one cached
# response share the stem but not the call id: stem + call id is the call.
_CACHE_HIT_SUFFIX = "'_cache_hit[0-9.]+$'"


def _call_key(alias: str) -> str:
    """SQL: the key that names one call of `alias`: its request id, or for a cache hit with a
    litellm_call_id, the id's stem and that call id."""
    return (
        f"CASE WHEN contains({alias}.request_id, '_cache_hit') AND {alias}.litellm_call_id IS NOT NULL"
        f" AND regexp_matches({alias}.request_id, {_CACHE_HIT_SUFFIX})"
        f" THEN regexp_replace({alias}.request_id, {_CACHE_HIT_SUFFIX}, '') || chr(0) || {alias}.litellm_call_id"
        f" ELSE {alias}.request_id END"
    )


def _cache_hit_twin(old: str, new: str) -> str:
    """SQL: `old` is the same cache hit as `new` (which has a cache-hit key) under another id."""
    return (
        f"{old}.litellm_call_id = {new}.litellm_call_id AND {old}.request_id <> {new}.request_id"
        f" AND {_call_key(old)} = {new}.call_key"
    )


def _twin_differences(old: str, new: str) -> str:
    return (
        f"concat_ws('; ', 'the same cache hit as stored ' || {old}.request_id"
        f" || ' (litellm_call_id ' || {new}.litellm_call_id || ')', nullif({_DIFFERENCES}, ''))"
    )


def check_time_zone(store: Store, tz: str) -> None:
    import duckdb

    try:
        store.con.execute("SELECT timezone(?, TIMESTAMP '2000-01-01 00:00:00')", [tz]).fetchone()
    except duckdb.Error:
        raise UsageError(f"unknown time zone {tz!r}", hint="use an IANA name such as UTC or Europe/Berlin") from None


def _may_be_bucket_object(path: str) -> bool:
    """Named as the `s3` logger (`<id>.json`) or the one-object-per-call `gcs_bucket` logger
    (`<id>`, no extension) names an object (text, not `Path.suffix`: 100,000 of them)."""
    return path.endswith(".json") or "." not in path[path.rfind("/") + 1:]


# Files you name stay files of their own, each a row of the ledger, unless you name at least
# this many small ones (a shell glob over a folder of hourly files): then they join a bundle
# too, as a folder search's would, since each read on its own costs ~0.25 s of statements.
MIN_NAMED_BUNDLE = 16


def _many_small_named(paths: list[tuple[str, bool]]) -> bool:
    small = 0
    for path, named in paths:
        if named:
            try:
                small += os.stat(path).st_size <= SMALL_JSON_LINES_BYTES
            except OSError:
                pass  # sniff says why
            if small >= MIN_NAMED_BUNDLE:
                return True
    return False


# Detection reports its progress every this many files (a bucket holds hundreds of thousands).
PROGRESS_EVERY = 2_000


def detect_files(
    patterns: list[str], kind: str = "auto", on_skip: Callable[[Path, str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[SourceFile]:
    """Expand and recognise every input before anything is written.

    A file found by searching a directory that turns out not to be a LiteLLM log (a
    README's JSON, an invoice next to the exports) is skipped and reported through
    `on_skip`; a file the user named is an error.

    The `.json` (and extension-less) files a folder search finds that are each one LiteLLM
    bucket object — what the `s3` / `gcs_bucket` loggers write, one StandardLoggingPayload per request —
    and the small callback JSON lines files it finds (`small_json_lines`) become one bundle
    in the place of the first of them, joined into one JSON lines file as they are read
    (see `BundleWriter`); every other file stays a file, and so does every file the user
    named, unless they named `MIN_NAMED_BUNDLE` small ones or more. `on_progress(done, total)`
    hears how many of the files are recognised, every `PROGRESS_EVERY` files and at the end.
    """
    paths = expand_path_texts(patterns)
    candidates = [not named and kind != "spendlogs" and _may_be_bucket_object(path) for path, named in paths]
    quick = sum(candidates) >= MIN_BUNDLE
    bundle_named = _many_small_named(paths)
    sources: list[SourceFile | None] = []
    bundle, bundle_at = BundleWriter(), None
    try:
        for done, ((path, named), candidate) in enumerate(zip(paths, candidates)):
            if on_progress and done % PROGRESS_EVERY == 0 and done:
                on_progress(done, len(paths))
            text = bucket_object(path, kind) if quick and candidate else None  # the quick look: no sniff
            if text is None:
                try:
                    found = sniff(Path(path), kind)
                except BadInputError as exc:
                    if named:
                        raise
                    if on_skip:
                        on_skip(Path(path), exc.message)
                    continue
                text = small_json_lines(found) if not named or bundle_named else None
                if text is None:
                    sources.append(found)
                    continue
            if bundle_at is None:
                bundle_at = len(sources)
                sources.append(None)
            bundle.add(path, text)
        if bundle_at is not None:
            if len(bundle.members) >= MIN_BUNDLE:
                sources[bundle_at] = bundle.bundle()
            else:  # one small file is an ordinary file
                [only] = bundle.members
                bundle.discard()
                sources[bundle_at] = sniff(Path(only), kind)
        if on_progress:
            on_progress(len(paths), len(paths))
    except BaseException:
        bundle.discard()
        raise
    if not sources:
        raise UsageError("no LiteLLM logs among the given paths", hint="name the log files, or check the directory")
    return [source for source in sources if source is not None]


def ingest(
    store: Store,
    sources: list[SourceFile],
    *,
    source_tz: str = "UTC",
    strict: bool = False,
    keep_payloads: bool = False,
    typed_read: bool = True,
    reread: bool = False,
    on_file: Callable[[int, SourceFile], None] | None = None,
) -> IngestResult:
    """Ingest `sources` in one transaction.

    Callback JSON lines are first read the fast way (`typed_read`: DuckDB's typed JSON
    reader). A file it cannot take whole is read again the general way: in the same
    transaction when the typed read finished but found records to reject (their text is
    needed for the excerpt), or, when DuckDB refused the file outright (which aborts the
    transaction), by rolling back and starting over with that file — and, since files of
    one run tend to share a shape, every later one — on the general path, so a run is
    retried at most once. Either way the stored result is the same; `typed_read=False`
    skips the fast way. The typed reader writes a file's calls to `calls` straight away
    (`_store_directly`); only a file whose calls repeat one another or stored calls goes
    through staging (`_store_staged`), from the rows it wrote, not from the file.

    A file the ledger shows was ingested before, read the same way (kind, format, source
    time zone), and that is unchanged since — the same size, modification time and first
    and last 64 KiB, or failing the time, the same BLAKE3 — is skipped without being read
    (`FileResult.skipped`). A JSON lines file that only grew since its last ingest is read
    from where that one stopped (`FileResult.first_byte`). `reread` reads every file in
    full. With `strict`, a file whose earlier ingest had rejects is read in full (and fails).
    """
    check_time_zone(store, source_tz)
    general_read = set() if typed_read else set(range(len(sources)))
    announced = -1
    while True:
        result = IngestResult()
        try:
            with store.transaction() as con:
                for index, src in enumerate(sources):
                    if on_file and index > announced:
                        on_file(index, src)
                        announced = index
                    fingerprint = _fingerprint(src)
                    earlier = None if reread else _earlier_ingest(con, src, fingerprint, source_tz, strict)
                    if earlier is not None:
                        result.files.append(earlier)
                        continue
                    appended = None if reread else _appended_since(con, src, fingerprint, source_tz, strict)
                    if appended is None and isinstance(src.digest, files.DeferredDigest):
                        src.digest.start()  # hashed while DuckDB reads the file
                    typed = index not in general_read and typed_read_applies(src)
                    result.files.append(_ingest_file(con, index, src, source_tz, keep_payloads, typed, fingerprint, appended))
                rejected = [f for f in result.files if f.rejected]
                for f in rejected:
                    if f.rejected == f.rows_read:
                        # Not one good record: the wrong file or the wrong --kind, not bad lines.
                        raise BadInputError(
                            f"{f.path}: all {f.rows_read} record(s) were rejected as {f.description}, the first at "
                            f"line {f.first_reject}; nothing was stored",
                            hint="check that this is the file you meant, and --kind if you gave one",
                        )
                if strict and rejected:
                    first = rejected[0]
                    raise StrictModeError(
                        f"{first.path}:{first.first_reject}; {result.total('rejected')} record(s) rejected in all, "
                        "nothing was stored (--strict)",
                        hint="fix the input, or run without --strict to store the good records and keep the rejects",
                    )
            return result
        except _TypedReadRefused as refused:
            general_read.update(range(refused.index, len(sources)))


class _TypedReadRefused(Exception):
    """DuckDB's typed reader refused file `index`; the transaction is lost."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _fingerprint(src: SourceFile) -> files.Fingerprint | None:
    """The file's fingerprint as it is before it is read; None for a bundle (its members
    were read whole by detection, so its digest is known) or a file that cannot be opened
    (the reader says why)."""
    if src.members or src.pull is not None:
        return None
    try:
        found = files.fingerprint_of(src.path)
    except OSError:
        return None
    return found if found.size == src.size_bytes else None  # changing under us: no shortcut


def _earlier_ingest(con, src: SourceFile, fingerprint: files.Fingerprint | None, source_tz: str,  # noqa: ANN001
                    strict: bool) -> FileResult | None:
    """The result of skipping `src` when an earlier ingest stored the same content read the
    same way; None when it must be read."""
    params: dict[str, object] = {"kind": src.kind, "format": src.format, "source_tz": source_tz, "size": src.size_bytes}
    read_alike = "kind = $kind AND format = $format AND source_tz = $source_tz AND size_bytes = $size"
    if strict:
        read_alike += " AND rejected = 0"  # read again, to fail as --strict should
    if src.members:
        found = Statement.using(
            f"SELECT ingest_id, blake3 FROM ingests WHERE {read_alike} AND blake3 = $blake3 ORDER BY ingest_id DESC LIMIT 1",
            {**params, "blake3": src.blake3},
        ).execute(con).fetchone()
    elif fingerprint is None:
        return None
    else:
        candidates = Statement.using(
            f"SELECT ingest_id, blake3, mtime_ns = $mtime_ns FROM ingests WHERE {read_alike}"
            " AND head_sha256 = $head AND tail_sha256 = $tail ORDER BY ingest_id DESC",
            {**params, "mtime_ns": fingerprint.mtime_ns, "head": fingerprint.head_sha256, "tail": fingerprint.tail_sha256},
        ).execute(con).fetchall()
        found = next((row[:2] for row in candidates if row[2]), None)
        if found is None and candidates:
            # Touched, copied or synced again: the same ends and size, another time. Only
            # the whole content tells (the digest the reader would compute anyway; an ingest
            # stored before litecost took BLAKE3 has none, and the file is read again).
            found = next((row[:2] for row in candidates if row[1] == src.blake3), None)
    if found is None:
        return None
    ingest_id, blake3 = found
    return FileResult(src.shown, src.kind, src.format, src.description, blake3, ingest_id,
                      files=len(src.members) or 1, reader="none", skipped=True)


def _resumable(src: SourceFile, fingerprint: files.Fingerprint | None) -> bool:
    """Whether a later read of `src`, once it has grown, can begin where this one ends: a
    plain JSON lines file (not a bundle, not gzip) with a whole line in its last 64 KiB."""
    return (not src.members and not src.compressed and src.format == "jsonl"
            and fingerprint is not None and fingerprint.lines_end is not None)


@dataclass(frozen=True)
class _Append:
    """The part of a JSON lines file appended since ingest `since`: whole lines, bytes
    [from_byte, to_byte), the first of them the file's line `lines_before` + 1."""

    since: int
    from_byte: int
    to_byte: int
    lines_before: int


def _appended_since(con, src: SourceFile, fingerprint: files.Fingerprint | None, source_tz: str,  # noqa: ANN001
                    strict: bool) -> _Append | None:
    """The lines appended to `src` since its last ingest (under the same path, read the same
    way), when the file only grew since: the 64 KiB that ended it then still end that part
    of it, and it begins as it did. None: read it in full."""
    if not _resumable(src, fingerprint):
        return None
    last = Statement.using(
        "SELECT ingest_id, size_bytes, head_sha256, tail_sha256, next_byte, next_line, rejected FROM ingests"
        " WHERE path = $path AND kind = $kind AND format = $format AND source_tz = $source_tz"
        " ORDER BY ingest_id DESC LIMIT 1",
        {"path": redact(str(src.path)), "kind": src.kind, "format": src.format, "source_tz": source_tz},
    ).execute(con).fetchone()
    if last is None:
        return None
    since, size_then, head_then, tail_then, next_byte, next_line, rejected = last
    if next_byte is None or size_then >= fingerprint.size or (strict and rejected):
        return None
    if size_then > files.FINGERPRINT_BYTES and head_then != fingerprint.head_sha256:
        return None  # (a shorter file's head is inside the window checked next)
    try:
        if files.window_sha256(src.path, size_then) != tail_then:
            return None  # changed in place: read in full, and deduplicated
    except OSError:
        return None  # the reader says why
    return _Append(since, next_byte, max(fingerprint.lines_end, next_byte), next_line)


def _ingest_file(con, index: int, src: SourceFile, source_tz: str, keep_payloads: bool, typed: bool,  # noqa: ANN001
                 fingerprint: files.Fingerprint | None = None, appended: _Append | None = None) -> FileResult:
    if appended is not None and src.joined is None:
        # DuckDB reads a file from its start: the appended lines are copied out first.
        import tempfile

        with tempfile.TemporaryDirectory(prefix="litecost-append-") as folder:
            part = Path(folder) / "appended.jsonl"
            try:
                digest = files.copy_range(src.path, appended.from_byte, appended.to_byte, part)
            except OSError as exc:
                raise UsageError(
                    f"cannot copy the lines appended to {redact(str(src.path))} into {part}: {exc.strerror or exc};"
                    " nothing was stored",
                    hint=f"point TMPDIR at a writable directory with {files.human_bytes(appended.to_byte - appended.from_byte)}"
                    " free, or pass --reread",
                ) from None
            return _ingest_file(con, index, replace(src, joined=part, digest=KnownDigest(digest),
                                                    line_offset=appended.lines_before),
                                source_tz, keep_payloads, typed, fingerprint, appended)
    # Not a sequence: DuckDB does not roll sequences back, and a retried transaction
    # (see `ingest`) must not leave gaps in the numbering users see.
    ingest_id = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()[0]
    started = con.execute("SELECT now()").fetchone()[0]
    # A file's name is stored and shown, so a secret in it is redacted like any other text.
    shown_path = src.shown
    result = FileResult(shown_path, src.kind, src.format, src.description, "", ingest_id, files=len(src.members) or 1)
    params: dict[str, object] = {"ingest_id": ingest_id, "path": shown_path, "line_offset": src.line_offset}
    if src.members:  # redacted in SQL, on the few rows that name a member
        params["members"], member_lines = src.lines_by_member()
        if member_lines is not None:
            params["member_lines"] = member_lines
    if appended is not None:
        result.first_byte, result.first_line = appended.from_byte, appended.lines_before + 1
        result.appended_since = appended.since
    nothing_appended = appended is not None and appended.to_byte == appended.from_byte  # only part of a line
    if src.format != "empty" and not nothing_appended:
        try:
            if typed and not keep_payloads and src.pull is None:
                then = _store_directly(con, index, src, result, params, source_tz)
            else:
                then = "stage typed" if typed else "stage general"
            if then == "done":
                result.reader = "typed"
            elif then == "store staged":  # the rows, back from `calls`, have repeats to sort out
                result.reader = "typed"
                _store_staged(con, src, keep_payloads, result, params)
            else:
                result.reader = _stage(con, index, src, source_tz, keep_payloads, then == "stage typed", ingest_id)
                _store_staged(con, src, keep_payloads, result, params)
        except (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException, UnicodeDecodeError) as exc:
            not_the_file = record_too_long_error(src.path, exc) or spill_error(exc)
            if not_the_file is not None:
                raise not_the_file from None
            raise BadInputError(f"{src.shown}: {_read_error(exc)}", hint="re-export or repair the file; nothing was stored") from None
    result.blake3 = src.blake3
    Statement.using(
        "INSERT INTO ingests VALUES ($ingest_id, $path, $kind, $format, NULL, $size, $read, $inserted,"
        " $duplicates, $rejected, $conflicts, $source_tz, $started, now(), $version, $mtime_ns, $head, $tail,"
        " $first_byte, $next_byte, $next_line, $blake3)",
        {
            **params,
            "kind": src.kind,
            "format": src.format,
            "blake3": src.blake3,
            "size": src.size_bytes,
            "read": result.rows_read,
            "inserted": result.inserted,
            "duplicates": result.duplicates,
            "rejected": result.rejected,
            "conflicts": result.conflicts,
            "source_tz": source_tz,
            "started": started,
            "version": __version__,
            "mtime_ns": fingerprint.mtime_ns if fingerprint else None,
            "head": fingerprint.head_sha256 if fingerprint else None,
            "tail": fingerprint.tail_sha256 if fingerprint else None,
            **_resume_point(src, fingerprint, appended),
        },
    ).execute(con)
    if src.pull is not None:
        pull = src.pull
        if pull.newest is None and result.rows_read:  # a source that does not say: from the rows read
            pull = replace(pull, newest=con.execute(
                "SELECT max(start_time) FROM staged_calls WHERE reject_reason IS NULL").fetchone()[0])
        Statement.using(
            "INSERT INTO source_pulls VALUES ($ingest_id, $source, $table, $window_start, $window_end, $newest)",
            {"ingest_id": ingest_id, "source": pull.source, "table": pull.table, "window_start": pull.window_start,
             "window_end": pull.window_end, "newest": pull.newest},
        ).execute(con)
    return result


def last_pulled(store: Store, source: str, table: str) -> datetime | None:
    """The newest `"startTime"` any earlier read of this live source and table stored (UTC)."""
    return Statement.using(
        "SELECT max(newest_start) FROM source_pulls WHERE source = $source AND table_name = $table",
        {"source": source, "table": table},
    ).execute(store.con).fetchone()[0]


def _resume_point(src: SourceFile, fingerprint: files.Fingerprint | None, appended: _Append | None) -> dict[str, int | None]:
    """Where this read began and where the next read of the file, once it has grown, begins:
    just past the last whole line, which is the file's line `next_line` (a last line without
    its newline is read now and again then, when it may be whole)."""
    if appended is not None:
        lines = src.line_count or 0  # the appended part's (whole) lines
        return {"first_byte": appended.from_byte, "next_byte": appended.to_byte, "next_line": appended.lines_before + lines}
    if not _resumable(src, fingerprint) or src.line_count is None:
        return {"first_byte": None, "next_byte": None, "next_line": None}
    partial_last_line = fingerprint.lines_end < fingerprint.size
    return {"first_byte": 0, "next_byte": fingerprint.lines_end, "next_line": src.line_count - partial_last_line}


# The price entries and tag lists of a file's first lines are normalised once each (see
# `direct_calls_select`).
SAMPLED_LINES = 2_000


def _store_directly(con, index: int, src: SourceFile, result: FileResult, params: dict,  # noqa: ANN001
                    source_tz: str) -> str:
    """Read `src` with the typed reader straight into `calls`, numbering the rows there
    (`direct_line_numbers_sql`), and say what is left to do: "done" when that stores what
    staging would, every line a valid call, written in file order, none of them already
    stored or repeated.

    "store staged": the rows repeat a call (in the file, or one stored before, or a
    cache-hit twin): they are taken back out of `calls` as `staged_calls`, for
    `_store_staged` to sort out the duplicates and conflicts, without reading the file
    again. "stage typed": its first lines repeat stored calls, nothing was written, and the
    typed reader stages it. "stage general": some line is no valid record (or blank), its
    rows are taken out again, and the general reader, which keeps a rejected line's text,
    stages it."""
    pool = {"source_tz": source_tz, "ingest_id": params["ingest_id"], "path": src.read_path}
    try:
        source = load_pre_calls(con, src, typed=True)
        head = staged_calls_select(src.kind, f"(SELECT * FROM {source} LIMIT {SAMPLED_LINES})")
        Statement.using(f"CREATE OR REPLACE TEMP TABLE sampled_rows AS SELECT request_id, model_map_value, tags_json,"
                        f" reject_reason FROM ({head})", pool).execute(con)
        # A file read before (--reread, a re-export) repeats stored calls from its first
        # lines: staged at once, its rows are not written only to be taken out again.
        if con.execute("SELECT EXISTS (SELECT 1 FROM calls WHERE request_id IN"
                       " (SELECT request_id FROM sampled_rows WHERE reject_reason IS NULL))").fetchone()[0]:
            return "stage typed"
        *normalise, lookups = sampled_values_sql("sampled_rows")
        for statement in normalise:
            Statement.using(statement, pool).execute(con)
        found = Statement.using(lookups, pool).execute(con).fetchone()
        pool.update(zip(("prices_read", "prices", "tag_texts", "tag_sets", "user_agent_sets"), found))
        written = Statement.using(f"INSERT INTO calls BY NAME {direct_calls_select(staged_calls_select(src.kind, source))}",
                                  pool).execute(con).fetchone()[0]
    except (duckdb.InterruptException, duckdb.OutOfMemoryException):
        raise  # not the file's fault (see _stage)
    except (duckdb.Error, UnicodeDecodeError):
        raise _TypedReadRefused(index) from None
    mine = {"ingest_id": params["ingest_id"]}
    first, last, distinct_ids, cache_hits, placeholders = Statement.using(
        "SELECT min(rowid), max(rowid), count(DISTINCT request_id),"
        " count(*) FILTER (litellm_call_id IS NOT NULL AND contains(request_id, '_cache_hit')),"
        " count(placeholder_id) FROM calls WHERE ingest_id = $ingest_id", mine,
    ).execute(con).fetchone()
    # (The line count comes with the digest, computed meanwhile: asked for only now.)
    if not written or written != src.line_count or last - first + 1 != written:
        Statement.using("DELETE FROM calls WHERE ingest_id = $ingest_id", mine).execute(con)
        return "stage general"
    Statement.using(direct_line_numbers_sql(), {**mine, "first_rowid": first, "line_offset": src.line_offset}).execute(con)
    repeats = distinct_ids < written or Statement.using(
        "SELECT EXISTS (SELECT 1 FROM calls old WHERE old.ingest_id <> $ingest_id AND old.request_id IN"
        " (SELECT request_id FROM calls WHERE ingest_id = $ingest_id))", mine,
    ).execute(con).fetchone()[0]
    if not repeats and cache_hits:
        repeats = Statement.using(
            f"SELECT count(DISTINCT {_call_key('c')}) < count(*) OR EXISTS (SELECT 1 FROM (SELECT *, {_call_key('n')}"
            " AS call_key FROM calls n WHERE n.ingest_id = $ingest_id AND n.litellm_call_id IS NOT NULL) new"
            f" JOIN calls old ON {_cache_hit_twin('old', 'new')} AND old.ingest_id <> $ingest_id)"
            " FROM calls c WHERE c.ingest_id = $ingest_id", mine,
        ).execute(con).fetchone()[0]
    if repeats:
        Statement.using(f"CREATE OR REPLACE TEMP TABLE staged_rows AS {restaged_calls_select()}",
                        {**mine, "line_offset": src.line_offset}).execute(con)
        Statement.using("DELETE FROM calls WHERE ingest_id = $ingest_id", mine).execute(con)
        con.execute("CREATE OR REPLACE TEMP VIEW staged_calls AS SELECT * FROM staged_rows")
        return "store staged"
    if placeholders:
        _count_placeholders(con, result, "calls WHERE ingest_id = $ingest_id", mine)
    result.rows_read = result.inserted = written
    return "done"


def _stage(con, index: int, src: SourceFile, source_tz: str, keep_payloads: bool, typed: bool, ingest_id: int) -> str:  # noqa: ANN001
    """Define `staged_calls` (and fill the reader's rejects) from one file; return the reader used."""
    stage_params = {"source_tz": source_tz, "ingest_id": ingest_id}
    if typed:
        try:
            source = load_pre_calls(con, src, keep_payloads, typed=True)
            Statement.using(f"CREATE OR REPLACE TEMP TABLE staged_rows AS {staged_calls_select(src.kind, source)}",
                            {**stage_params, "path": src.read_path}).execute(con)
        except (duckdb.InterruptException, duckdb.OutOfMemoryException):
            raise  # not the file's fault: the general reader would fail the same way, slower
        # DuckDB quotes the offending line in its message and may cut it inside a UTF-8
        # character, which the Python binding then fails to decode.
        except (duckdb.Error, UnicodeDecodeError):
            raise _TypedReadRefused(index) from None
        first, last, read, rejected = con.execute(
            "SELECT min(rowid), max(rowid), count(*), count(reject_reason) FROM staged_rows"
        ).fetchone()
        # Rows were stored in file order, so a row's place is its line, provided every
        # line was a record (the typed reader skips blank ones).
        if rejected == 0 and read and read == src.line_count and last - first + 1 == read:
            con.execute(f"CREATE OR REPLACE TEMP VIEW staged_calls AS {numbered_rows_sql('staged_rows', 1, False)}")
            return "typed"
    source = load_pre_calls(con, src, keep_payloads)
    Statement.using(f"CREATE OR REPLACE TEMP TABLE staged_rows AS {staged_calls_select(src.kind, source)}",
                    {**stage_params, "path": src.read_path}).execute(con)
    first_line = numbered_after_staging(src)
    if first_line is None:
        con.execute("CREATE OR REPLACE TEMP VIEW staged_calls AS SELECT * FROM staged_rows")
    else:
        any_rejects = con.execute(f"SELECT count(*) > 0 FROM {REJECTS_TABLE}").fetchone()[0]
        con.execute(f"CREATE OR REPLACE TEMP VIEW staged_calls AS {numbered_rows_sql('staged_rows', first_line, any_rejects)}")
    return "general"


def _read_error(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    if "gzip" in text.lower() or "zlib" in text.lower() or "compressed" in text.lower():
        return "the gzip stream is damaged or cut short"
    return "cannot be read: " + text[:300]


def _file_of(line: str, src: SourceFile) -> str:
    """SQL: the file a line of `src` is in — in a bundle, its member ($members)."""
    return redact_sql(f"list_extract($members, CAST({line} AS INTEGER))") if src.members else "$path"


def _line_of(line: str, src: SourceFile) -> str:
    """SQL: a line's number in its file (in a bundle, in its member: $member_lines, or 1
    where each member is one line; an appended part's lines follow the $line_offset lines
    before it)."""
    if src.member_lines:
        return f"list_extract($member_lines, CAST({line} AS INTEGER))"
    if src.members:
        return f"CASE WHEN {line} IS NULL THEN NULL ELSE 1 END"
    return f"({line} + $line_offset)" if src.line_offset else line


def _same_place(line: str, src: SourceFile) -> str:
    """SQL: a stored reject (`old`) is at the place of this run's `line` (in a bundle, the
    same reject of the same member: see `_recorded_before`)."""
    same_line = f"old.line IS NOT DISTINCT FROM {_line_of(line, src)}"
    if not src.members:
        return same_line
    return (f"{same_line} AND old.path = {_file_of(line, src)} AND old.reason = n.reason"
            " AND old.excerpt IS NOT DISTINCT FROM n.excerpt")


def _same_conflict(src: SourceFile) -> str:
    """SQL: a stored conflict (`old`) is this run's (`n`, already at its file's place)."""
    same = "old.line = n.line AND old.request_id = n.request_id"
    return f"{same} AND old.path = n.path AND old.differences = n.differences" if src.members else same


def _recorded_before(table: str, same_record: str, src: SourceFile) -> str:
    """SQL: a row of `table` from an earlier ingest records the same thing (`same_record`,
    over `old` and the new row `n`): for a file, one of the same content ($blake3); for a
    bundle, any — a folder that gained a file is read again whole, and its members' rejects
    and conflicts, which name their member, line and text, are not stored again."""
    if src.members:
        return f"EXISTS (SELECT 1 FROM {table} old WHERE {same_record})"
    return (
        f"EXISTS (SELECT 1 FROM {table} old JOIN ingests i ON i.ingest_id = old.ingest_id"
        f" WHERE i.blake3 = $blake3 AND {same_record})"
    )


def _count_placeholders(con, result: FileResult, rows: str, params: dict | None = None) -> None:  # noqa: ANN001
    """`result`'s calls logged under a placeholder id, from the valid calls `rows` (a FROM
    and WHERE of ours; `params` its values)."""
    found = Statement.using(
        "SELECT placeholder_id, count(*), list(DISTINCT CASE WHEN starts_with(model, provider || '/') THEN model"
        f" ELSE concat_ws('/', provider, model) END) FROM {rows}"
        " AND placeholder_id IS NOT NULL GROUP BY ALL ORDER BY ALL", params or {},
    ).execute(con).fetchall()
    result.placeholder_ids = {placeholder: calls for placeholder, calls, _ in found}
    result.placeholder_models = sorted({model for *_, models in found for model in models})


def _store_staged(con, src: SourceFile, keep_payloads: bool, result: FileResult, params: dict) -> None:  # noqa: ANN001
    """Store `staged_calls`: rejects, conflicts, new calls; count everything in `result`.

    This run's rejects and conflicts are gathered first and counted; only those not yet
    recorded for the same file content are stored, so re-running an ingest (after a
    crash, or a cron job over the same directory) stores nothing twice."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE run_rejects AS"
        f" SELECT line, {redact_sql('reason')} AS reason, {redact_sql('left(excerpt, 200)')} AS excerpt"
        f" FROM ({read_rejects_sql(src)})"
    )
    excerpts = rejected_excerpts_sql(src)
    excerpt = "s.excerpt" if excerpts is None else "coalesce(s.excerpt, r.excerpt)"
    join = "" if excerpts is None else f" LEFT JOIN ({excerpts}) r ON r.src_line = s.src_line"
    staged, staged_rejected, valid, cache_hit_keys, placeholders = con.execute(
        "SELECT count(*), count(reject_reason), count(*) - count(reject_reason), count(*) FILTER"
        " (reject_reason IS NULL AND litellm_call_id IS NOT NULL AND contains(request_id, '_cache_hit')) > 0,"
        " count(placeholder_id) FILTER (reject_reason IS NULL) FROM staged_calls"
    ).fetchone()
    if placeholders:
        _count_placeholders(con, result, "staged_calls WHERE reject_reason IS NULL")
    if staged_rejected:
        con.execute(
            f"INSERT INTO run_rejects SELECT s.src_line, {redact_sql('s.reject_reason')}, {redact_sql(excerpt)}"
            f" FROM staged_calls s{join} WHERE s.reject_reason IS NOT NULL"
        )
    Statement.using(
        f"INSERT INTO rejects SELECT $ingest_id, {_file_of('n.line', src)}, {_line_of('n.line', src)}, n.reason, n.excerpt"
        f" FROM run_rejects n WHERE NOT {_recorded_before('rejects', _same_place('n.line', src), src)}",
        {**params, "blake3": src.blake3},
    ).execute(con)
    for statement in distinct_values_sql("staged_calls"):
        con.execute(statement)
    call_key = _call_key("s") if cache_hit_keys else "s.request_id"
    valid_calls = (
        f"SELECT * EXCLUDE (reject_reason, excerpt, src_line), {call_key} AS call_key"
        " FROM staged_calls s WHERE reject_reason IS NULL"
    )
    repeats = con.execute(
        f"SELECT count({call_key}) > count(DISTINCT {call_key}) FROM staged_calls s WHERE reject_reason IS NULL"
    ).fetchone()[0]
    if repeats:  # number each call's occurrences in file order; the first one counts
        con.execute(
            "CREATE OR REPLACE TEMP TABLE fresh_numbered AS SELECT *,"
            f" row_number() OVER (PARTITION BY call_key ORDER BY source_line) AS occurrence FROM ({valid_calls})"
        )
        fresh = "SELECT * FROM fresh_numbered"
    else:
        fresh = f"SELECT *, 1 AS occurrence FROM ({valid_calls})"
    con.execute(f"CREATE OR REPLACE TEMP VIEW fresh_calls AS {stored_calls_select(fresh)}")
    # Conflicts: a later occurrence in this file, or a first occurrence already stored.
    # A cache hit stored under its twin id is always listed, so the user sees why it was dropped.
    in_file_differences = f"CASE WHEN new.request_id <> old.request_id THEN {_twin_differences('old', 'new')} ELSE {_DIFFERENCES} END"
    conflicts = (
        f" SELECT $ingest_id AS ingest_id, {_file_of('new.source_line', src)} AS path, {_line_of('new.source_line', src)} AS line,"
        f" new.request_id, {in_file_differences} AS differences"
        f" FROM fresh_calls new JOIN fresh_calls old ON new.call_key = old.call_key"
        f" AND old.occurrence = 1 AND new.occurrence > 1 WHERE differences <> ''"
        f" UNION ALL"
        f" SELECT $ingest_id, {_file_of('new.source_line', src)}, {_line_of('new.source_line', src)}, new.request_id,"
        f" {_DIFFERENCES} AS differences"
        f" FROM fresh_calls new JOIN calls old ON new.request_id = old.request_id"
        f" WHERE new.occurrence = 1 AND differences <> ''"
    )
    if cache_hit_keys:
        conflicts += (
            f" UNION ALL"
            f" SELECT $ingest_id, {_file_of('new.source_line', src)}, {_line_of('new.source_line', src)}, new.request_id,"
            f" {_twin_differences('old', 'new')}"
            f" FROM fresh_calls new JOIN calls old ON {_cache_hit_twin('old', 'new')}"
            f" WHERE new.occurrence = 1 AND new.call_key <> new.request_id"
            f" AND NOT EXISTS (SELECT 1 FROM calls same WHERE same.request_id = new.request_id)"
        )
    Statement.using(f"CREATE OR REPLACE TEMP TABLE run_conflicts AS{conflicts}", params).execute(con)
    result.conflicts = con.execute("SELECT count(*) FROM run_conflicts").fetchone()[0]
    if result.conflicts:
        Statement.using(
            "INSERT INTO duplicate_conflicts SELECT * FROM run_conflicts n WHERE NOT"
            f" {_recorded_before('duplicate_conflicts', _same_conflict(src), src)}",
            {"blake3": src.blake3},
        ).execute(con)
    # A callback payload knows the provider's snapshot name (response.model); a SpendLogs
    # row does not. Filling a missing value is enrichment, not a conflict.
    con.execute(
        "UPDATE calls SET model_resolved = new.model_resolved FROM fresh_calls new"
        " WHERE calls.request_id = new.request_id AND new.occurrence = 1"
        " AND calls.model_resolved IS NULL AND new.model_resolved IS NOT NULL"
    )
    if cache_hit_keys:
        con.execute(
            "UPDATE calls SET model_resolved = new.model_resolved FROM fresh_calls new"
            f" WHERE {_cache_hit_twin('calls', 'new')} AND new.occurrence = 1"
            " AND calls.model_resolved IS NULL AND new.model_resolved IS NOT NULL"
        )
    new_calls = "occurrence = 1 AND NOT EXISTS (SELECT 1 FROM calls old WHERE old.request_id = new.request_id)"
    if cache_hit_keys:
        # Listed first, then left out: a subquery with the twin join in the INSERT itself
        # costs DuckDB's direct write (0.6 s more at commit per 300k calls).
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stored_twins AS SELECT DISTINCT new.request_id FROM fresh_calls new"
            f" JOIN calls old ON {_cache_hit_twin('old', 'new')} WHERE new.occurrence = 1"
        )
        new_calls += " AND NOT EXISTS (SELECT 1 FROM stored_twins t WHERE t.request_id = new.request_id)"
    if keep_payloads:
        con.execute(
            "INSERT INTO call_payloads SELECT request_id, ingest_id, payload_messages, payload_response"
            f" FROM fresh_calls new WHERE {new_calls} AND (payload_messages IS NOT NULL OR payload_response IS NOT NULL)"
        )
    numbered = " REPLACE (source_line + $line_offset AS source_line)" if src.line_offset else ""
    inserted = Statement.using(
        f"INSERT INTO calls BY NAME SELECT * EXCLUDE (occurrence, call_key, payload_messages, payload_response){numbered}"
        f" FROM fresh_calls new WHERE {new_calls}",
        params,
    ).execute(con).fetchone()[0]

    read_rejected = con.execute(f"SELECT count(DISTINCT line) FROM {REJECTS_TABLE}").fetchone()[0]
    result.rows_read = staged + read_rejected
    result.rejected = staged_rejected + read_rejected
    result.inserted = inserted
    result.duplicates = valid - inserted
    if result.rejected:
        line, reason = con.execute("SELECT line, reason FROM run_rejects ORDER BY line LIMIT 1").fetchone()
        if not src.members:
            result.first_reject = f"{line + src.line_offset}: {reason}"
        elif src.member_lines:
            result.first_reject = f"{redact(params['members'][line - 1])}:{params['member_lines'][line - 1]}: {reason}"
        else:
            result.first_reject = f"{redact(params['members'][line - 1])}: {reason}"
