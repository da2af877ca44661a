"""The README's cron recipe, run literally: the script and the crontab line exactly as the
README prints them, in the environment cron gives a job (`env -i PATH=/usr/bin:/bin`,
started in $HOME, through `sh`)."""

from __future__ import annotations

import csv
import gzip
import io
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECIPE_DIR = "/srv/finops"  # where the README puts the job


def _fence(readme: str, language: str, first_line: str | None = None) -> str:
    for match in re.finditer(rf"^```{language}\n(.*?)^```", readme, flags=re.S | re.M):
        if first_line is None or match.group(1).startswith(first_line):
            return match.group(1)
    raise AssertionError(f"no ```{language} block in README.md")


def _recipe() -> tuple[str, str]:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Cron: the nightly job"):]
    return _fence(section, "sh", "#!/bin/sh"), _fence(section, "cron")


def test_the_crontab_line_installs_as_written():
    _, cron = _recipe()
    lines = [line for line in cron.splitlines() if line.strip() and not line.startswith("#")]
    assert len(lines) == 1, "one crontab entry, on one line"
    fields = lines[0].split(None, 5)
    assert len(fields) == 6 and all(re.fullmatch(r"[0-9*/,-]+", f) for f in fields[:5])
    assert "%" not in lines[0] and not lines[0].rstrip().endswith("\\")


def _yesterdays_export(path: Path, day_in_berlin: datetime) -> int:
    """Sample SpendLogs rows moved to noon of yesterday (Berlin); returns how many."""
    with open(ROOT / "sample_data" / "spendlogs_2026-10.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [row for _, row in zip(range(40), reader)]
        header = reader.fieldnames
    noon = day_in_berlin.replace(hour=12, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
    for n, row in enumerate(rows):
        start = noon + timedelta(seconds=n)
        row["startTime"] = row["created_at"] = start.strftime("%Y-%m-%d %H:%M:%S")
        row["endTime"] = row["completionStartTime"] = row["updated_at"] = (start + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(gzip.compress(out.getvalue().encode()))
    return len(rows)


@pytest.mark.slow
def test_the_nightly_recipe_runs_as_cron_runs_it(tmp_path):
    script, cron = _recipe()
    home = tmp_path / "finops"
    (home / "exports").mkdir(parents=True)
    (home / ".venv").symlink_to(Path(sys.prefix))  # the venv litecost is installed in
    (home / "nightly.sh").write_text(script)
    (home / "nightly.sh").chmod(0o755)
    now = datetime.now(timezone.utc)
    utc_yesterday = (now - timedelta(days=1)).strftime("%Y-%m-%d")
    berlin_yesterday = now.astimezone(ZoneInfo("Europe/Berlin")) - timedelta(days=1)
    calls = _yesterdays_export(home / "exports" / f"spendlogs-{utc_yesterday}.csv.gz", berlin_yesterday)

    command = cron.strip().split(None, 5)[5].replace(RECIPE_DIR, str(home))

    def run_as_cron() -> subprocess.CompletedProcess:
        return subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", f"HOME={tmp_path}", "SHELL=/bin/sh", "sh", "-c", command],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)

    first = run_as_cron()
    log = (home / "nightly.log").read_text()
    assert first.returncode == 0, log
    report = home / "reports" / f"spend-by-team-{utc_yesterday}.csv"
    rows = list(csv.DictReader(report.open()))
    assert rows[-1]["team"] == "(total)" and int(rows[-1]["requests"]) == calls
    assert (home / "litecost.duckdb").is_file() and not (tmp_path / "litecost.duckdb").exists()

    second = run_as_cron()  # a re-run stores nothing new and writes the same report
    assert second.returncode == 0, (home / "nightly.log").read_text()
    assert list(csv.DictReader(report.open())) == rows

    (home / "exports" / f"spendlogs-{utc_yesterday}.csv.gz").unlink()
    missing = run_as_cron()  # cron mails the failure: the job must not exit 0
    assert missing.returncode == 2
    assert "no such file or directory" in (home / "nightly.log").read_text().splitlines()[-1]


def _pg_recipe() -> tuple[str, str]:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Cron: straight from the proxy's database"):]
    return _fence(section, "sh", "#!/bin/sh"), _fence(section, "cron")


README_DSN = "postgresql://litecost_ro@db.internal:5432/litellm"


@pytest.mark.slow
def test_the_proxy_database_recipe_runs_as_cron_runs_it(tmp_path):
    """The script as written, with its URL pointed at a real PostgreSQL holding LiteLLM's
    schema and yesterday's calls (the password in the script's .pgpass)."""
    pytest.importorskip("litellm_proxy_extras")
    import psycopg

    from pg_server import Server
    from test_postgres_source import load_sample

    server = Server()
    if server.admin_dsn is None or server.why_not:
        pytest.skip(server.why_not or "no PostgreSQL")
    dsn = server.database()
    try:
        load_sample(dsn)
        berlin_yesterday = datetime.now(timezone.utc).astimezone(ZoneInfo("Europe/Berlin")) - timedelta(days=1)
        noon = berlin_yesterday.replace(hour=12, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
        with psycopg.connect(dsn, autocommit=True) as conn:  # 40 calls at yesterday noon (Berlin), stored as naive UTC
            conn.execute('DELETE FROM "LiteLLM_SpendLogs" WHERE request_id NOT IN'
                         ' (SELECT request_id FROM "LiteLLM_SpendLogs" ORDER BY request_id LIMIT 40)')
            conn.execute('UPDATE "LiteLLM_SpendLogs" s SET "startTime" = %s + n.k * interval \'1 second\','
                         ' "endTime" = %s + (n.k + 1) * interval \'1 second\' FROM (SELECT request_id,'
                         ' row_number() OVER (ORDER BY request_id) AS k FROM "LiteLLM_SpendLogs") n'
                         ' WHERE n.request_id = s.request_id', [noon.replace(tzinfo=None)] * 2)
        script, cron = _pg_recipe()
        assert README_DSN in script and "PGPASSWORD" not in script
        home = tmp_path / "finops"
        home.mkdir()
        (home / ".venv").symlink_to(Path(sys.prefix))
        (home / ".pgpass").write_text("*:*:*:*:never-shown-pw\n")
        (home / ".pgpass").chmod(0o600)
        (home / "nightly-pg.sh").write_text(script.replace(README_DSN, dsn))
        (home / "nightly-pg.sh").chmod(0o755)
        command = cron.strip().split(None, 5)[5].replace(RECIPE_DIR, str(home))

        def run_as_cron() -> subprocess.CompletedProcess:
            return subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", f"HOME={tmp_path}", "SHELL=/bin/sh", "sh", "-c",
                                   command], cwd=tmp_path, capture_output=True, text=True, timeout=300)

        first = run_as_cron()
        log = (home / "nightly.log").read_text()
        assert first.returncode == 0, log
        utc_yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")
        report = home / "reports" / f"spend-by-team-{utc_yesterday}.csv"
        rows = list(csv.DictReader(report.open()))
        assert rows[-1]["team"] == "(total)" and int(rows[-1]["requests"]) == 40
        assert "2,500" not in log and "40 row(s)" in log and "never-shown-pw" not in log

        second = run_as_cron()  # reads the overlap again, stores nothing new
        assert second.returncode == 0 and list(csv.DictReader(report.open())) == rows
    finally:
        server.drop(dsn)
        server.stop()
