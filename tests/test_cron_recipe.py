"""The README's cron recipe, run literally: the script and the crontab line exactly as the
README prints them, in the environment cron gives a job (`env -i PATH=/usr/bin:/bin`,
started in $HOME, through `sh`)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
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


def _as_cron(command: str, home: Path) -> subprocess.CompletedProcess:
    """`command` as cron runs a crontab line: through sh, from $HOME, with PATH=/usr/bin:/bin
    and nothing else set."""
    return subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}", "SHELL=/bin/sh", "sh", "-c", command],
                          cwd=home, capture_output=True, text=True, timeout=300)


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
        return _as_cron(command, tmp_path)

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
            return _as_cron(command, tmp_path)

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


def _close_recipe() -> tuple[str, str]:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Cron: the monthly close"):]
    return _fence(section, "sh", "#!/bin/sh"), _fence(section, "cron")


def _last_month() -> tuple[str, timedelta]:
    """Last month (UTC) as YYYY-MM, and how far the sample month moves to begin there."""
    first_of_this = datetime.now(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first_of_last = (first_of_this - timedelta(days=1)).replace(day=1)
    return first_of_last.strftime("%Y-%m"), first_of_last - datetime(2026, 10, 1, tzinfo=timezone.utc)


def _moved_spendlogs(target: Path, shift: timedelta) -> None:
    """The sample month's SpendLogs export with every time moved by `shift` (whole days)."""
    columns = ("startTime", "endTime", "completionStartTime", "created_at", "updated_at")
    with open(ROOT / "sample_data" / "spendlogs_2026-10.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        rows, header = list(reader), reader.fieldnames
    for row in rows:
        for column in columns:
            if row[column]:
                row[column] = str(datetime.fromisoformat(row[column]) + shift)
    with target.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow
def test_the_monthly_close_recipe_fetches_ingests_and_reconciles_as_cron_runs_it(tmp_path):
    """The script as written, its fetches pointed at loopback admin APIs that answer the
    sample month's bills moved to last month, with the logs moved alike: OpenAI's unexplained
    gap (a day of missing logs, $1.09) fails the job with exit 1, Anthropic's price change is
    explained; both reports are written. Then an API that is down: exit 7."""
    from test_fetch_sample_month import costs_api_buckets
    from test_invoices_fetch import ANTHROPIC_KEY, KEY, AnthropicApi, OpenAiApi, buckets

    month, shift = _last_month()
    days = int(shift.total_seconds())
    invoices = ROOT / "sample_data" / "invoices"
    openai_buckets = [{**b, "start_time": b["start_time"] + days, "end_time": b["end_time"] + days}
                      for b in costs_api_buckets(invoices / "openai_costs_2026-10.csv")]

    def moved(name: str) -> list[dict]:
        def at(text: str) -> str:
            return (datetime.fromisoformat(text.replace("Z", "+00:00")) + shift).strftime("%Y-%m-%dT%H:%M:%SZ")
        return [{**b, "starting_at": at(b["starting_at"]), "ending_at": at(b["ending_at"])} for b in buckets(str(invoices / name))]

    openai = OpenAiApi({"/v1/organization/costs": openai_buckets, "/v1/organization/usage/completions": [],
                        "/v1/organization/usage/embeddings": []}, per_page=7)
    anthropic = AnthropicApi({"/v1/organizations/cost_report": moved("anthropic_cost_report_2026-10.json"),
                              "/v1/organizations/usage_report/messages": moved("anthropic_usage_report_2026-10.json")},
                             per_page=7)
    try:
        script, cron = _close_recipe()
        assert "ADMIN_KEY=" not in script  # the keys live in admin-keys.env
        fetch = 'invoices fetch "$provider"'
        assert fetch in script
        home = tmp_path / "finops"
        (home / "exports").mkdir(parents=True)
        (home / ".venv").symlink_to(Path(sys.prefix))
        (home / "admin-keys.env").write_text(f"OPENAI_ADMIN_KEY={KEY}\nANTHROPIC_ADMIN_KEY={ANTHROPIC_KEY}\n")
        (home / "admin-keys.env").chmod(0o600)
        (home / "openai.url").write_text(openai.base_url)
        (home / "anthropic.url").write_text(anthropic.base_url)
        (home / "close.sh").write_text(script.replace(fetch, f'{fetch} --base-url "$(cat "$provider.url")"'))
        (home / "close.sh").chmod(0o755)
        _moved_spendlogs(home / "exports" / "spendlogs.csv", shift)
        command = cron.strip().split(None, 5)[5].replace(RECIPE_DIR, str(home))

        def run_as_cron() -> subprocess.CompletedProcess:
            return _as_cron(command, tmp_path)

        first = run_as_cron()
        log = (home / "close.log").read_text()
        assert first.returncode == 1, log  # OpenAI's unexplained gap
        close = home / "close" / month
        assert "openai · gpt-4o-mini · input: missing_logs" in log and KEY not in log and ANTHROPIC_KEY not in log
        openai_report = (close / "openai-reconcile.md").read_text()
        anthropic_report = (close / "anthropic-reconcile.md").read_text()
        assert "missing_logs" in openai_report and "price_mismatch" in anthropic_report
        assert "missing_logs" not in anthropic_report
        assert {p.name for p in close.iterdir()} >= {
            f"openai-costs-{month}.json", f"openai-costs-{month}.fetch.json", f"anthropic-cost-report-{month}.json",
            f"anthropic-usage-messages-{month}.fetch.json", "openai-import.json", "anthropic-import.json"}

        package = close / "package"
        assert (package / "index.html").is_file()
        manifest = json.loads((package / "manifest.json").read_text())
        assert {b["provider"] for b in manifest["inputs"]["bills"]} == {"openai", "anthropic"}
        assert manifest["period"]["label"] == month
        team = list(csv.DictReader((package / "chargeback-team.csv").open()))
        assert Decimal(team[-1]["invoice_cost"]) == sum(Decimal(b["total_amount"] or 0) for b in manifest["inputs"]["bills"]
                                                        if b["superseded_by"] is None)

        again = run_as_cron()  # a re-run fetches again (superseding) and decides the same
        assert again.returncode == 1 and (close / "anthropic-reconcile.md").read_text() == anthropic_report
        verify = subprocess.run([sys.executable, "-m", "litecost", "close", "--verify", str(package)], capture_output=True)
        assert verify.returncode == 0, verify.stderr  # the re-run replaced the package whole

        anthropic.close()
        anthropic = None
        down = run_as_cron()
        assert down.returncode == 7, (home / "close.log").read_text()
    finally:
        openai.close()
        if anthropic is not None:
            anthropic.close()
