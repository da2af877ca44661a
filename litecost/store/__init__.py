"""The DuckDB store: opening with a lock, ordered migrations, transactions.

DuckDB lets one process hold a database file for writing (or several for reading).
A second process gets a lock error: litecost turns it into `DatabaseBusyError`
(exit 5), or waits up to `wait_seconds` for the other process to finish. Every
write happens inside `Store.transaction()`, so an interrupted or failed command
leaves the file as it was (DuckDB discards uncommitted work on reopen).
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litecost import __version__
from litecost.errors import DatabaseBusyError, DatabaseError, UsageError
from litecost.files import file_kind
from litecost.memory import MemorySettings, memory_settings
from litecost.store.migrations import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import duckdb

DEFAULT_DB_PATH = "litecost.duckdb"
DB_ENV_VAR = "LITECOST_DB"

# Every connection litecost has open, so that a signal can stop their queries at once.
_OPEN_STORES: set[Store] = set()


def interrupt_open_stores() -> None:
    """Stop the running query of every open store; its transaction then rolls back.
    Safe to call from any thread (DuckDB's interrupt is)."""
    for store in list(_OPEN_STORES):
        store.con.interrupt()


def resolve_db_path(path: str | os.PathLike[str] | None) -> Path:
    return Path(path or os.environ.get(DB_ENV_VAR) or DEFAULT_DB_PATH)


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


@dataclass(eq=False)
class Store:
    """An open litecost database."""

    path: Path
    con: duckdb.DuckDBPyConnection
    read_only: bool

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        wait_seconds: float = 0.0,
        must_exist: bool = False,
    ) -> Store:
        import duckdb

        db_path = resolve_db_path(path)
        if (read_only or must_exist) and not db_path.exists():
            raise UsageError(
                f"no litecost database at {db_path}",
                hint="run `litecost ingest FILE` first, or point --db / LITECOST_DB at your database",
            )
        if db_path.exists():
            _check_database_file(db_path)
        config = _connection_config(memory_settings())
        deadline = time.monotonic() + max(wait_seconds, 0.0)
        while True:
            try:
                con = duckdb.connect(str(db_path), read_only=read_only, config=config)
                break
            except duckdb.Error as exc:
                if _is_lock_error(exc):
                    if time.monotonic() < deadline:
                        time.sleep(0.1)
                        continue
                    raise DatabaseBusyError(
                        f"database {db_path} is in use by another litecost process",
                        hint="try again when it has finished, or pass --wait SECONDS to wait for it",
                    ) from None
                if "permission denied" in str(exc).lower():
                    where = db_path if db_path.exists() else db_path.resolve().parent
                    raise UsageError(
                        f"cannot open {db_path}: permission denied",
                        hint=f"check the permissions of {where}, or point --db / LITECOST_DB at a database you may "
                        + ("read" if read_only else "write"),
                    ) from None
                raise DatabaseError(
                    f"cannot open {db_path} as a litecost database: {_first_line(exc)}",
                    hint="check the --db path (it must be a DuckDB file made by litecost)",
                ) from None
        store = cls(db_path, con, read_only)
        _OPEN_STORES.add(store)
        try:
            con.execute("SET TimeZone = 'UTC'")
            # DuckDB draws its own bar on long queries; litecost's stderr is its own.
            con.execute("SET enable_progress_bar = false")
            store._refuse_foreign_tables()
            if not read_only:
                store.migrate()
            elif store._check_version() < SCHEMA_VERSION:
                # An old file: upgrade it through a writable connection (a read-only one
                # cannot), then read the upgraded file.
                store.close()
                with cls.open(db_path, wait_seconds=max(deadline - time.monotonic(), 0.0), must_exist=True):
                    pass
                return cls.open(db_path, read_only=True, wait_seconds=max(deadline - time.monotonic(), 0.0))
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        _OPEN_STORES.discard(self)
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- migrations -------------------------------------------------------------

    def applied_version(self) -> int:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = '_litecost_migrations'"
        ).fetchone()[0]
        if not exists:
            return 0
        return self.con.execute("SELECT coalesce(max(version), 0) FROM _litecost_migrations").fetchone()[0]

    def _refuse_foreign_tables(self) -> None:
        """A DuckDB file of another program is left as it is: litecost neither reads it as
        an empty litecost database nor adds its tables to it."""
        if self.applied_version():
            return
        tables = [row[0] for row in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
            " AND table_schema NOT IN ('information_schema', 'pg_catalog') ORDER BY table_name LIMIT 6"
        ).fetchall()]
        if tables:
            shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
            raise DatabaseError(
                f"{self.path} is a DuckDB database of another program (tables: {shown}); litecost left it untouched",
                hint="point --db / LITECOST_DB at a litecost database, or at a new file",
            )

    def _check_version(self) -> int:
        version = self.applied_version()
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"database {self.path} has schema version {version}, newer than this litecost "
                f"{__version__} understands ({SCHEMA_VERSION})",
                hint="upgrade litecost",
            )
        return version

    def migrate(self) -> list[int]:
        """Apply every migration the file lacks, each in its own transaction."""
        version = self._check_version()
        applied = []
        if version == 0:
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS _litecost_migrations ("
                " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL, litecost_version VARCHAR NOT NULL)"
            )
        for number, name, statements in MIGRATIONS:
            if number <= version:
                continue
            with self.transaction():
                for statement in statements:
                    self.con.execute(statement)
                self.con.execute(
                    "INSERT INTO _litecost_migrations VALUES (?, ?, now(), ?)",
                    [number, name, __version__],
                )
            applied.append(number)
        return applied

    # -- transactions -----------------------------------------------------------

    def transaction(self) -> _Transaction:
        """`with store.transaction() as con:` commits on success, rolls back on any error.
        An interrupt may land before the ROLLBACK runs: the transaction is then left open,
        and closing the connection discards it just the same."""
        return _Transaction(self.con)

    # -- inspection ---------------------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        names = [
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'main' ORDER BY table_name"
            ).fetchall()
        ]
        # Table names come from the catalog, never from user input.
        return {n: self.con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


class _Transaction:
    # A class, not a @contextmanager generator: a KeyboardInterrupt raised inside
    # contextlib's __exit__ would leave the generator to be finalised after the
    # connection has closed, with a spurious "Exception ignored" traceback.
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.con.execute("COMMIT" if exc_type is None else "ROLLBACK")


def rows_of(cursor: Any) -> list[dict[str, Any]]:
    """The rows of an executed DuckDB cursor as dicts keyed by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def fetch_rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    return rows_of(con.execute(sql, params or []))


def _connection_config(memory: MemorySettings) -> dict[str, str]:
    """Bounded memory whatever the input size: DuckDB spills to its temp directory.

    A commit that writes more than a little checkpoints at once, without writing its
    changes to the write-ahead log first: the WAL would hold them only until the
    checkpoint the connection's close makes anyway. An ingest numbers the lines of the
    calls it wrote (an UPDATE), which makes DuckDB log those calls whole: ~490 MB of WAL,
    1-2 s of one core per million payload lines. A checkpoint is as atomic as a commit
    (the new blocks count only once its header is written), so a failure or a kill -9
    still leaves the database as it was."""
    config = {"memory_limit": memory.duckdb_limit, "checkpoint_threshold": "1KB", "auto_checkpoint_skip_wal_threshold": "1"}
    if memory.temp_dir is not None:
        config["temp_directory"] = str(memory.temp_dir)
    return config


def _check_database_file(path: Path) -> None:
    """Refuse, before DuckDB opens it, what cannot be a litecost database: a directory, a
    FIFO or device (opening one waits forever or reads without end), a file of another
    format (DuckDB would try to download a SQLite extension for a SQLite file)."""
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise UsageError(f"--db {path} is a directory", hint="give a database file path")
    if not stat.S_ISREG(mode):
        raise UsageError(f"--db {path} is {file_kind(mode)}, not a database file", hint="give a database file path")
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return  # DuckDB names the permission problem
    if head and head[8:12] != b"DUCK":
        what = "a SQLite database" if head.startswith(b"SQLite format 3") else "not a DuckDB database"
        raise DatabaseError(
            f"{path} is {what}; litecost left it untouched",
            hint="point --db / LITECOST_DB at a litecost database, or at a new file",
        )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

