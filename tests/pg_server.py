"""A real PostgreSQL server for the tests of the live source, and LiteLLM's own schema in it.

The server: `LITECOST_TEST_PG` (a URL of a role that may create databases), else the local
server on 127.0.0.1:5432 (trust auth, as on this project's machines), else one started
here from the PostgreSQL binaries on PATH or in /usr/lib/postgresql/*/bin (as `nobody`
when the tests run as root: initdb refuses root), else the tests are skipped with why.

The schema: every migration of the `litellm-proxy-extras` wheel (the SQL LiteLLM's proxy
applies with `prisma migrate deploy`), in order, up to a given one — the table is LiteLLM's,
not one written here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

LITELLM_EXTRAS_VERSION = "0.4.110"
# The first migration: LiteLLM_SpendLogs as LiteLLM 1.65 (March 2025) created it, before
# session_id, status, organization_id, litellm_call_id, request_duration_ms, …
BASELINE = "20250326162113_baseline"


def migrations(upto: str | None = None) -> list[Path]:
    import litellm_proxy_extras

    folder = Path(litellm_proxy_extras.__file__).parent / "migrations"
    found = sorted(p for p in folder.iterdir() if (p / "migration.sql").is_file())
    if upto is not None:
        found = [p for p in found if p.name <= upto]
    return [p / "migration.sql" for p in found]


def _reachable(dsn: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(dsn, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return versions[0].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A PostgreSQL server the tests may create databases in; `stop()` ends one started here."""

    def __init__(self) -> None:
        self.admin_dsn: str | None = None
        self.why_not: str | None = None
        self._started: tuple[Path, Path, list[str]] | None = None
        given = os.environ.get("LITECOST_TEST_PG")
        local = "postgresql://postgres@127.0.0.1:5432/postgres"
        if given:
            if not _reachable(given):
                self.why_not = "LITECOST_TEST_PG is set but the server does not answer"
                return
            self.admin_dsn = given
        elif _reachable(local):
            self.admin_dsn = local
        else:
            self._start()

    def _start(self) -> None:
        binaries = _binaries()
        if binaries is None:
            self.why_not = "no PostgreSQL: set LITECOST_TEST_PG, or install postgresql (initdb, pg_ctl)"
            return
        home = Path(tempfile.mkdtemp(prefix="litecost-pg-"))
        data, port = home / "data", _free_port()
        as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: the server runs as nobody
            shutil.chown(home, "nobody")
            os.chmod(home, 0o700)
            as_user = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
        env = {**os.environ, "LC_ALL": "C.UTF-8"}
        subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8"], check=True, capture_output=True, env=env)
        subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(home / "log"), "-w", "-o",
                        f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                       check=True, capture_output=True, env=env)
        self._started = (binaries, data, as_user)
        self.admin_dsn = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 20
        while not _reachable(self.admin_dsn):
            if time.monotonic() > deadline:
                self.why_not = f"the PostgreSQL started in {home} does not answer"
                return
            time.sleep(0.2)

    def database(self, upto: str | None = None) -> str:
        """A new database holding LiteLLM's schema (its migrations up to `upto`); its URL."""
        import psycopg

        assert self.admin_dsn is not None
        name = f"lc_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        dsn = self.admin_dsn.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(dsn, autocommit=True) as conn:
            for migration in migrations(upto):
                conn.execute(migration.read_text())
        return dsn

    def drop(self, dsn: str) -> None:
        import psycopg

        name = dsn.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self._started is not None:
            binaries, data, as_user = self._started
            subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True)
            shutil.rmtree(data.parent, ignore_errors=True)
            self._started = None
