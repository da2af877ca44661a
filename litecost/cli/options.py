"""Options more than one command takes, defined once: the same name, help and metavar
wherever they appear (typer reuses an Option object as a parameter's default)."""

from __future__ import annotations

import typer

FORMAT = typer.Option(
    None, "--format", help="table (the default on a terminal), csv (the default when piped), json, jsonl, markdown."
)
OUTPUT = typer.Option(None, "--output", "-o", help="Write to FILE atomically instead of stdout.", metavar="FILE")
WAIT = typer.Option(0.0, "--wait", help="Wait up to SECONDS for another litecost writer.", metavar="SECONDS")
PRICING = typer.Option(
    None, "--pricing", help="Price file to layer over the bundled snapshot: LiteLLM-format JSON or litecost YAML "
    "overrides (repeatable; later wins) [env: LITECOST_PRICING, ':'-separated].", metavar="FILE",
)
PERIOD = typer.Option(None, "--period", help="2026-10, 2026-Q4, 2026-W41, 2026-10-05, last-month, this-month, yesterday…",
                      metavar="PERIOD")
SINCE = typer.Option(None, "--since", help="Start (inclusive): date or time.", metavar="WHEN")
UNTIL = typer.Option(None, "--until", help="End (exclusive): date or time.", metavar="WHEN")
TZ = typer.Option("UTC", "--tz", help="Calendar for periods and day/week/month buckets.", metavar="ZONE")
MAPPING = typer.Option(None, "--mapping", help="YAML column mapping for the generic adapter.", metavar="MAP.yaml")
INGEST_ID = typer.Option(None, "--ingest", help="Only this ingest id.", metavar="ID")
LIMIT = typer.Option(None, "--limit", help="Show at most N (the newest first).", metavar="N")
SHOW_ALL = typer.Option(False, "--all", help="Include superseded files.")
RATE = typer.Option(None, "--rate", help="USD per unit of another invoice currency, e.g. EUR=1.08 (repeatable).", metavar="CUR=RATE")
