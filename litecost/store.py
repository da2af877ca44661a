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
from litecost.sql import MONEY
from litecost.tokens import CATEGORY_COLUMNS

if TYPE_CHECKING:
    import duckdb

DEFAULT_DB_PATH = "litecost.duckdb"
DB_ENV_VAR = "LITECOST_DB"



def _calls_ddl(table: str, request_id: str) -> str:
    return f"""
CREATE TABLE {table} (
    request_id           {request_id},
    start_time           TIMESTAMPTZ NOT NULL,
    end_time             TIMESTAMPTZ,
    status               VARCHAR NOT NULL,
    call_type            VARCHAR,
    provider             VARCHAR,
    model                VARCHAR,
    model_resolved       VARCHAR,
    model_group          VARCHAR,
    deployment_id        VARCHAR,
    api_key_hash         VARCHAR,
    key_alias            VARCHAR,
    team_id              VARCHAR,
    team_alias           VARCHAR,
    org_id               VARCHAR,
    user_id              VARCHAR,
    end_user             VARCHAR,
    tags                 VARCHAR[] NOT NULL,
    user_agent_tags      VARCHAR[] NOT NULL,
    cache_hit            BOOLEAN NOT NULL,
    service_tier         VARCHAR NOT NULL,
    prompt_tokens        BIGINT NOT NULL,
    completion_tokens    BIGINT NOT NULL,
    total_tokens         BIGINT NOT NULL,
    {", ".join(f"{c} BIGINT NOT NULL" for c in CATEGORY_COLUMNS)},
    logged_cost          {MONEY} NOT NULL,
    logged_cost_original {MONEY},
    cost_breakdown_total {MONEY},
    model_map_key        VARCHAR,
    model_map_value      JSON,
    spend_logs_metadata  JSON,
    litellm_call_id      VARCHAR,
    session_id           VARCHAR,
    source_kind          VARCHAR NOT NULL,
    ingest_id            BIGINT NOT NULL,
    source_line          BIGINT NOT NULL
)
"""

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "calls, ingests, rejects, duplicate conflicts",
        [
            "CREATE SEQUENCE ingest_id_seq START 1",
            """
            CREATE TABLE ingests (
                ingest_id        BIGINT PRIMARY KEY,
                path             VARCHAR NOT NULL,
                kind             VARCHAR NOT NULL,
                format           VARCHAR NOT NULL,
                sha256           VARCHAR NOT NULL,
                size_bytes       BIGINT NOT NULL,
                rows_read        BIGINT NOT NULL,
                inserted         BIGINT NOT NULL,
                duplicates       BIGINT NOT NULL,
                rejected         BIGINT NOT NULL,
                conflicts        BIGINT NOT NULL,
                source_tz        VARCHAR NOT NULL,
                started_at       TIMESTAMPTZ NOT NULL,
                finished_at      TIMESTAMPTZ NOT NULL,
                litecost_version VARCHAR NOT NULL
            )
            """,
            """
            CREATE TABLE rejects (
                ingest_id BIGINT NOT NULL,
                path      VARCHAR NOT NULL,
                line      BIGINT,
                reason    VARCHAR NOT NULL,
                excerpt   VARCHAR
            )
            """,
            """
            CREATE TABLE duplicate_conflicts (
                ingest_id   BIGINT NOT NULL,
                path        VARCHAR NOT NULL,
                line        BIGINT NOT NULL,
                request_id  VARCHAR NOT NULL,
                differences VARCHAR NOT NULL
            )
            """,
            _calls_ddl("calls", "VARCHAR PRIMARY KEY"),
        ],
    ),
]

MIGRATIONS.append(
    (
        2,
        "invoice files and invoice lines",
        [
            "CREATE SEQUENCE invoice_file_id_seq START 1",
            f"""
            CREATE TABLE invoice_files (
                invoice_file_id  BIGINT PRIMARY KEY,
                path             VARCHAR NOT NULL,
                sha256           VARCHAR NOT NULL,
                provider         VARCHAR NOT NULL,
                layout           VARCHAR NOT NULL,
                period_start     TIMESTAMPTZ,
                period_end       TIMESTAMPTZ,
                accounts         VARCHAR[],
                rows_read        BIGINT NOT NULL,
                lines            BIGINT NOT NULL,
                total_amount     {MONEY},
                currency         VARCHAR,
                imported_at      TIMESTAMPTZ NOT NULL,
                superseded_by    BIGINT,
                litecost_version VARCHAR NOT NULL
            )
            """,
            f"""
            CREATE TABLE invoice_lines (
                invoice_file_id BIGINT NOT NULL,
                source_row      BIGINT NOT NULL,
                period_start    TIMESTAMPTZ NOT NULL,
                period_end      TIMESTAMPTZ NOT NULL,
                provider        VARCHAR NOT NULL,
                account         VARCHAR,
                kind            VARCHAR NOT NULL,
                model_raw       VARCHAR,
                model           VARCHAR,
                category        VARCHAR,
                service_tier    VARCHAR NOT NULL,
                context_tier    VARCHAR,
                region          VARCHAR,
                quantity        DECIMAL(38, 6),
                unit            VARCHAR,
                amount          {MONEY} NOT NULL,
                currency        VARCHAR NOT NULL,
                description     VARCHAR
            )
            """,
        ],
    )
)

MIGRATIONS.append(
    (
        3,
        "opt-in call payloads (--keep-payloads)",
        [
            """
            CREATE TABLE call_payloads (
                request_id VARCHAR PRIMARY KEY,
                ingest_id  BIGINT NOT NULL,
                messages   VARCHAR,
                response   VARCHAR
            )
            """,
        ],
    )
)

MIGRATIONS.append(
    (
        4,
        "drop a reader's scratch table that older versions left in the file",
        # Readers keep the lines DuckDB could not read in a temp table; before this
        # version some created it in the database itself (empty, but listed by db info).
        ["DROP TABLE IF EXISTS main.lc_read_rejects"],
    )
)

MIGRATIONS.append(
    (
        5,
        "calls without a primary-key index",
        # Ingest keeps request ids unique itself (one transaction, under the store's write
        # lock, stores only ids not yet present). The index doubled the cost of storing a
        # million calls and grew in memory with the store; rebuilding the table drops it.
        [
            _calls_ddl("calls_rebuilt", "VARCHAR NOT NULL"),
            "INSERT INTO calls_rebuilt BY NAME SELECT * FROM calls",
            "DROP TABLE calls",
            "ALTER TABLE calls_rebuilt RENAME TO calls",
        ],
    )
)

MIGRATIONS.append(
    (
        6,
        "whether a call logged its token counts",
        # Calls stored before logged usage or were minimal records counted as zero tokens;
        # true keeps them as they were priced.
        [
            "ALTER TABLE calls ADD COLUMN usage_logged BOOLEAN DEFAULT true",
            "UPDATE calls SET usage_logged = true WHERE usage_logged IS NULL",
            "ALTER TABLE calls ALTER COLUMN usage_logged SET NOT NULL",
        ],
    )
)

MIGRATIONS.append(
    (
        7,
        "the Vertex AI location a call was served from",
        # LiteLLM records it in cost_breakdown.vertex_location and prices a non-global
        # location with the entry's regional uplift. Calls stored before have none.
        ["ALTER TABLE calls ADD COLUMN vertex_location VARCHAR"],
    )
)

MIGRATIONS.append(
    (
        8,
        "why LiteLLM could not price a call",
        # A callback payload's response_cost_failure_debug_info.error_str (its first line): LiteLLM
        # logged $0 because its own cost calculation failed, e.g. a model it routed to a provider
        # its map does not list. `pricing diff` gives it as the reason. Calls stored before have none.
        ["ALTER TABLE calls ADD COLUMN litellm_cost_failure VARCHAR"],
    )
)

MIGRATIONS.append(
    (
        9,
        "the placeholder id a call was logged under",
        # LiteLLM logs "None" (also "null", "", None_cache_hit…) when the provider returned no id
        # (LiteLLM #39749); the call is stored under its own identity and this keeps the
        # placeholder, so reconcile can name the bug where SpendLogs dropped such calls.
        ["ALTER TABLE calls ADD COLUMN placeholder_id VARCHAR"],
    )
)

SCHEMA_VERSION = MIGRATIONS[-1][0]


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
    """Bounded memory whatever the input size: DuckDB spills to its temp directory."""
    config = {"memory_limit": memory.duckdb_limit}
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

