"""`litecost ingest`: load LiteLLM SpendLogs exports and callback JSON lines."""

from __future__ import annotations

import sys
import threading
import time
from typing import List, Optional

import typer

from litecost.cli import options
from litecost.cli.common import OutputFormat, choose_format, db_path, note, write_output
from litecost.errors import UsageError

HELP = """Ingest LiteLLM logs into the database (idempotent).

PATHS are files, directories or globs: LiteLLM_SpendLogs exports (CSV from psql
\\copy, JSON list, /spend/logs/v2 page, JSON lines, Parquet) and callback JSON
lines (StandardLoggingPayload, kwargs dumps, minimal dicts); .gz is read
transparently. Live sources are read from where their last read stopped: a
postgresql://USER@HOST:PORT/DBNAME URL reads the proxy's LiteLLM_SpendLogs table
(the password from PGPASSWORD or ~/.pgpass), an https://PROXY/spend/logs/v2 URL
its spend API (the key from LITECOST_PROXY_KEY). Each request is stored once;
every record is counted as inserted, duplicate or rejected (see `litecost db
rejects`). One run is one transaction."""

_SUMMARY_COLUMNS = ("rows_read", "inserted", "duplicates", "rejected", "conflicts")


def ingest_command(
    ctx: typer.Context,
    paths: List[str] = typer.Argument(..., help="Files, directories or glob patterns.", metavar="PATH..."),
    kind: str = typer.Option("auto", "--kind", help="auto, spendlogs or callbacks."),
    source_tz: str = typer.Option(
        "UTC", "--source-tz", help="Time zone of naive timestamps in the input (LiteLLM writes UTC).", metavar="TZ"
    ),
    strict: bool = typer.Option(False, "--strict", help="Fail (exit 3) and store nothing if any record is rejected."),
    keep_payloads: bool = typer.Option(
        False, "--keep-payloads",
        help="Also store prompts and responses (table call_payloads, secrets redacted). Off by default.",
    ),
    reread: bool = typer.Option(
        False, "--reread",
        help="Read every file again, even one the ledger shows unchanged since an earlier ingest.",
    ),
    since: Optional[str] = typer.Option(
        None, "--since", help="Live sources: read calls that started at or after WHEN (UTC), whatever was read before.",
        metavar="WHEN"),
    until: Optional[str] = typer.Option(None, "--until", help="Live sources: only calls that started before WHEN (UTC).",
                                        metavar="WHEN"),
    overlap: str = typer.Option(
        "1h", "--overlap", help="Live sources: read again the calls that started this long before the newest one"
        " read last time (LiteLLM writes its spend logs late).", metavar="DURATION"),
    table: str = typer.Option("LiteLLM_SpendLogs", "--table", help="Live PostgreSQL sources: the SpendLogs table.",
                              metavar="NAME"),
    fmt: Optional[OutputFormat] = options.FORMAT,
    wait: float = options.WAIT,
) -> None:
    from litecost.cli.common import warn
    from litecost.sources.ingest import detect_files, ingest
    from litecost.sources import live as live_sources
    from litecost.sources import postgres
    from litecost.periods import parse_instant, zone_info
    from litecost.store import Store

    fmt = choose_format(fmt)
    zone_info(source_tz)  # before anything is read or a database made
    live = [p for p in paths if live_sources.is_live(p)]
    named = [p for p in paths if not live_sources.is_live(p)]
    if (since or until) and not live:
        raise UsageError("--since and --until bound a read of a live source (a postgresql:// or spend-logs URL);"
                         " files are read whole")
    window = {
        "since": parse_instant(since, "UTC", what="--since") if since else None,
        "until": parse_instant(until, "UTC", what="--until") if until else None,
        "overlap": postgres.parse_overlap(overlap),
    }
    names = [live_sources.source_name(text) for text in live]  # a malformed URL fails before anything is read
    sources = []
    if named:
        with _detecting() as on_progress:
            sources = detect_files(named, kind, on_skip=lambda path, why: warn(f"skipped {why}"), on_progress=on_progress)
    for src in sources:
        note(f"{src.shown}: {src.description}")
    stopped = []
    for text, name in zip(live, names):
        note(f"{name}: reading …")
        read = live_sources.read_live(db_path(ctx), text, table=table, keep_payloads=keep_payloads,
                                      source_tz=source_tz, wait_seconds=wait, **window)
        note(f"{read.source.shown}: {_pulled(read.source)}")
        sources.append(read.source)
        if read.stopped is not None:
            stopped.append(read.stopped)
    with Store.open(db_path(ctx), wait_seconds=wait) as store:
        with _progress([src.size_bytes for src in sources]) as on_file:
            result = ingest(store, sources, source_tz=source_tz, strict=strict, keep_payloads=keep_payloads,
                            reread=reread, on_file=on_file)

    if fmt is OutputFormat.json:
        from litecost.cli.render import to_json_document

        write_output(to_json_document(result.to_dict()))
    else:
        write_output(_summary(result, fmt))
    skipped = result.skipped
    if skipped:
        first = skipped[0]
        if len(skipped) == 1:
            note(f"skipped: already ingested: {first.path} is unchanged since ingest {first.ingest_id}; --reread reads it again")
        else:
            note(f"skipped: already ingested: {len(skipped)} files are unchanged since an earlier ingest (first {first.path},"
                 f" ingest {first.ingest_id}); --reread reads them again")
    for f in result.files:
        if f.appended_since is not None:
            if f.rows_read:
                note(f"{f.path}: read the {f.rows_read:,} line(s) appended since ingest {f.appended_since}, from line"
                     f" {f.first_line:,} (byte {f.first_byte:,})")
            else:
                note(f"{f.path}: no whole line appended since ingest {f.appended_since} (one is being written);"
                     " the next run reads it")
        if f.rejected:
            first = f"line {f.first_reject}" if f.files == 1 else f.first_reject  # a bundle names the file
            note(f"{f.path}: {f.rejected} record(s) rejected, first at {first}; see `litecost db rejects --ingest {f.ingest_id}`")
        if f.placeholder_ids:
            forms = ", ".join(f'"{placeholder}"' for placeholder in f.placeholder_ids)
            note(f"{f.path}: {sum(f.placeholder_ids.values())} call(s) were logged under LiteLLM's placeholder id {forms}"
                 " (the provider returned no id; LiteLLM #39749): each is stored under its litellm_call_id, else its trace id")
            if f.kind == "spendlogs":
                note(f"{f.path}: LiteLLM (since 1.99) keeps only the first SpendLogs row under such an id, so later calls of"
                     f" {', '.join(f.placeholder_models)} that the provider returned no id for are missing from this export"
                     " (LiteLLM #39749); their callback logs still have them")
        if f.conflicts:
            note(f"{f.path}: {f.conflicts} duplicate(s) differ from the stored call or repeat a cache hit stored under another id (kept the first); see `litecost db conflicts --ingest {f.ingest_id}`")
    if stopped:  # what was read is stored; the rest is the next run's
        raise stopped[0]


def _pulled(src) -> str:  # noqa: ANN001
    """What a read of a live source took: its window of start times and how much it read."""
    from litecost.files import human_bytes

    pull = src.pull
    start = f"from {pull.window_start:%Y-%m-%d %H:%M:%S} UTC" if pull.window_start else "from the first"
    if src.format == "csv":  # a database's rows, copied as a SpendLogs export
        end = f"before {pull.window_end:%Y-%m-%d %H:%M:%S} UTC" if pull.window_end else "to the newest"
        rows = max((src.line_count or 1) - 1, 0)  # less the header
        return f"{rows:,} row(s) with startTime {start} {end} ({human_bytes(src.size_bytes)} of CSV, read as a SpendLogs export)"
    # pages of the spend API: their rows are counted as they are stored
    end = f"before {pull.window_end:%Y-%m-%d %H:%M:%S} UTC" if pull.window_end else "to now"
    return f"calls with startTime {start} {end}: {human_bytes(src.size_bytes)} of pages"


def _summary(result, fmt: OutputFormat):  # noqa: ANN001, ANN202
    """One row per file (and a total row for several); machine formats add the ingest id,
    format, reader and BLAKE3 of each file."""
    from litecost.cli.render import Column, render_rows

    columns = [Column("path", "file"), Column("kind"), *(Column(n, n.replace("_", " "), "int") for n in _SUMMARY_COLUMNS)]
    if fmt is not OutputFormat.table:
        columns = [Column("ingest_id", kind="int"), *columns, Column("format"), Column("reader"), Column("blake3")]
    if fmt is not OutputFormat.table:
        columns.append(Column("skipped"))
    rows = [f.to_dict() for f in result.files]
    if fmt is OutputFormat.table:
        for row in rows:
            if row["skipped"]:
                row["path"] = f"{row['path']} (unchanged, skipped)"
    if len(rows) > 1:
        rows.append({"path": "(total)", "kind": result.kind, **{n: result.total(n) for n in _SUMMARY_COLUMNS}})
    return render_rows(fmt.value, rows, columns)


class _detecting:
    """On a terminal, a bar on stderr over the files being recognised, once there are
    thousands (a synced bucket: 100,000 files take ~5 s); gone when detection ends."""

    def __init__(self) -> None:
        self.bar = None

    def __enter__(self):  # noqa: ANN204
        return self.advance

    def advance(self, done: int, total: int) -> None:
        if self.bar is None:
            if not sys.stderr.isatty() or done >= total:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            from litecost.cli.common import stderr_console

            self.bar = Progress(TextColumn("detecting"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                                TimeElapsedColumn(), TextColumn("left"), _TimeLeft(), console=stderr_console(),
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task("detecting", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


class _progress:
    """A progress bar over the run's bytes, with the time left, on stderr, only when
    stderr is a terminal; at the end, one line with the rate and the peak memory.

    DuckDB reads a file in one query and reports no progress of its own through it, so
    within a file the bar counts the bytes this process has read since the file began
    (Linux's /proc/self/io) less those of the digest worker, which reads the same file
    faster (its thread's own /proc entry; without it, half of all bytes read). The
    estimate stops short of the file's end until the file is stored. Elsewhere the bar
    advances file by file."""

    POLL_SECONDS = 0.2

    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes
        self.bar = None
        self.base = 0  # bytes of the files already done
        self.current = 0  # size of the file in progress
        self.read_at_start: int | None = None
        self.stopped = threading.Event()

    def __enter__(self):  # noqa: ANN204
        if sys.stderr.isatty() and self.sizes:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

            from litecost.cli.common import stderr_console

            self.bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                                DownloadColumn(), TimeElapsedColumn(), TextColumn("left"),
                                _TimeLeft(), console=stderr_console(), transient=True)
            self.started = time.monotonic()
            self.bar.start()
            self.task = self.bar.add_task("ingesting", total=max(sum(self.sizes), 1))
            threading.Thread(target=self._poll, name="litecost-progress", daemon=True).start()
        return self.advance

    def advance(self, index: int, src) -> None:  # noqa: ANN001
        if self.bar is not None:
            self.base, self.current = sum(self.sizes[:index]), self.sizes[index]
            self.read_at_start = _bytes_read_by_readers()
            self.bar.update(self.task, completed=self.base, description=f"ingesting {src.pull.table if src.pull else src.path.name}")

    def _poll(self) -> None:
        while not self.stopped.wait(self.POLL_SECONDS):
            now, start = _bytes_read_by_readers(), self.read_at_start
            if now is None or start is None:
                continue
            within = min(now - start, self.current * 0.99)
            completed = self.base + max(within, 0)
            if completed > self.bar.tasks[0].completed:
                self.bar.update(self.task, completed=completed)

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.stopped.set()
        if self.bar is not None:
            self.bar.update(self.task, completed=sum(self.sizes))
            self.bar.stop()
            if exc_type is None:
                note(_run_figures(sum(self.sizes), time.monotonic() - self.started))


def _TimeLeft():  # noqa: ANN202, N802 - a rich column class, made when a bar is shown
    from rich.progress import TimeRemainingColumn
    from rich.text import Text

    class TimeLeft(TimeRemainingColumn):
        """Rich's estimate, once it means something: not in the first seconds, when one
        early sample can promise hundreds of hours."""

        def render(self, task):  # noqa: ANN001, ANN202
            remaining = task.time_remaining
            if (task.elapsed or 0) < 2 or remaining is None or remaining > 24 * 3600:
                return Text("-:--:--", style="progress.remaining")
            return super().render(task)

    return TimeLeft()


def _bytes_read(path: str = "/proc/self/io") -> int | None:
    """Bytes this process (or one of its threads) has read so far (Linux), or None where
    that is not known."""
    try:
        with open(path, "rb") as io_stats:
            for line in io_stats:
                if line.startswith(b"rchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _bytes_read_by_readers() -> int | None:
    """Bytes read by DuckDB: the process's less the digest worker's."""
    from litecost.files import digest_thread_id

    total = _bytes_read()
    worker = digest_thread_id()
    if total is None:
        return None
    digest = _bytes_read(f"/proc/self/task/{worker}/io") if worker is not None else None
    return total - digest if digest is not None else total // 2


def _run_figures(nbytes: int, seconds: float) -> str:
    """'read 11.3 GB in 27.7 s (409 MB/s), peak memory 2.4 GB within the memory limit of 4.0 GiB (...)'."""
    import resource

    from litecost.memory import memory_settings

    rate = f" ({nbytes / 1e6 / seconds:,.0f} MB/s)" if seconds > 0 else ""
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return (f"read {nbytes / 1e9:,.1f} GB in {seconds:,.1f} s{rate}, peak memory {peak / 1e9:,.1f} GB"
            f" within the memory limit of {memory_settings().describe()}")
