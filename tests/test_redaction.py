"""Secrets never reach the database or any output (issue 21): every text field a log
carries, tags, price entries, file names; every secret form litecost knows."""

from __future__ import annotations

import json
import re

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from conftest import slp, write_jsonl
from litecost.redact import redact

# One canary per secret form; the distinctive part of each must never appear.
CANARIES = {
    "openai": "sk-proj-CANARYopenai0001",
    "anthropic": "sk-ant-api03-CANARYanthropic02",
    "bearer": "Bearer CANARYbearer0003",
    "aws": "AKIACANARYAWS0000004",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJDQU5BUllqd3QiOjV9.CANARYjwtSig005",
    "assignment": "x-api-key=CANARYassign006",
}
NEEDLES = ["CANARYopenai", "CANARYanthropic", "CANARYbearer", "AKIACANARY", "eyJDQU5BUllqd3Qi", "CANARYjwtSig", "CANARYassign"]


@pytest.mark.parametrize("text", list(CANARIES.values()))
def test_every_secret_form_is_redacted(text):
    assert not [n for n in NEEDLES if n in redact(f"before {text} after")]


def _leaky_records() -> list[dict]:
    secrets = list(CANARIES.values())
    records = []
    for i, secret in enumerate(secrets):
        records.append(slp(
            f"req-{i}",
            model=f"gpt-4o-mini {secret}",
            model_group=f"group {secret}",
            model_id=f"dep {secret}",
            custom_llm_provider="openai",
            end_user=f"end {secret}",
            session_id=f"session {secret}",
            request_tags=[f"env:{secret}", "team:search", f"User-Agent: curl {secret}"],
            model_map_information={"model_map_key": f"gpt-4o-mini {secret}",
                                   "model_map_value": {"key": secret, "input_cost_per_token": 1.5e-07}},
            metadata={**slp()["metadata"], "user_api_key_hash": secret, "user_api_key_alias": f"alias {secret}",
                      "user_api_key_team_id": f"team {secret}", "user_api_key_team_alias": f"Team {secret}",
                      "user_api_key_org_id": f"org {secret}", "user_api_key_user_id": f"user {secret}",
                      "spend_logs_metadata": {"note": secret}},
        ))
    # The same call again with other values: a conflict whose differences are listed.
    records.append({**records[0], "model": f"gpt-4o {CANARIES['openai']}"})
    # A secret in a record that is rejected.
    records.append(slp("req-bad", startTime=f"when {CANARIES['bearer']}", model=CANARIES["aws"]))
    return records


def _outputs(cli) -> str:
    texts = []
    for by in ("key", "team", "user", "end_user", "model", "model_group", "provider", "org", "status", "tag", "tag:env"):
        for fmt in ("csv", "json"):
            run = cli("report", "--by", by, "--format", fmt)
            assert run.exit_code == 0, run.stderr
            texts += [run.stdout, run.stderr]
    for args in (("db", "rejects", "--format", "json"), ("db", "conflicts", "--format", "json"), ("db", "ingests", "--format", "json"),
                 ("db", "rejects"), ("db", "conflicts"), ("db", "ingests")):
        run = cli(*args)
        assert run.exit_code == 0, run.stderr
        texts += [run.stdout, run.stderr]
    return "\n".join(texts)


def test_no_canary_in_the_database_or_any_output(cli, db, tmp_path):
    name = tmp_path / f"calls-{CANARIES['openai']}.jsonl"
    path = write_jsonl(name, _leaky_records())
    run = cli("ingest", path, "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["inserted"], doc["rejected"], doc["conflicts"]) == (6, 1, 1)
    found = [n for n in NEEDLES if n in run.stdout + run.stderr]
    assert not found, found
    outputs = _outputs(cli)
    assert "[REDACTED]" in outputs
    assert not [n for n in NEEDLES if n in outputs]
    with duckdb.connect(str(db)) as con:
        con.execute("CHECKPOINT")
        keys = {r[0] for r in con.execute("SELECT api_key_hash FROM calls").fetchall()}
    # Keys that are secrets are stored as their hash: six calls, six keys.
    assert len(keys) == 6 and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    data = db.read_bytes()
    assert not [n for n in NEEDLES if n.encode() in data]


def test_a_spendlogs_bearer_key_is_hashed_not_stored(cli, db, tmp_path):
    from conftest import DATA

    rows = (DATA / "spendlogs_v1110.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    assert header.index("api_key") >= 0
    leaky = tmp_path / "leaky.csv"
    key = re.search(r",([0-9a-f]{64}),", rows[1]).group(1)
    leaky.write_text("\n".join([rows[0], rows[1].replace(key, CANARIES["bearer"])]) + "\n", encoding="utf-8")
    assert cli("ingest", leaky).exit_code == 0
    with duckdb.connect(str(db)) as con:
        con.execute("CHECKPOINT")
    assert b"CANARYbearer" not in db.read_bytes()


def test_where_values_are_echoed_redacted(cli, db):
    from conftest import DATA

    assert cli("ingest", DATA / "spendlogs.jsonl").exit_code == 0
    texts = []
    for fmt in ("json", "markdown", "csv"):
        run = cli("report", "--by", "model", "--where", f"key={CANARIES['openai']}", "--format", fmt)
        assert run.exit_code == 0, run.stderr
        texts += [run.stdout, run.stderr]
    joined = "\n".join(texts)
    assert "key=[REDACTED]" in joined and "CANARYopenai" not in joined


def test_no_canary_from_a_bill_is_stored_or_shown(tmp_path):
    """Account ids, names and descriptions of a bill carry a secret; the file name too."""
    import subprocess
    import sys

    from invoices_support import BILLING

    secret = CANARIES["anthropic"]
    text = (BILLING / "focus12_llm_api_synthetic.csv").read_text(encoding="utf-8")
    text = text.replace("proj_Q7mK2xL9aTzR4vB1", f"proj {secret}").replace("org-8fJ2kLmN0pQrStUv", secret)
    bill = tmp_path / f"focus-{secret}.csv"
    bill.write_text(text, encoding="utf-8")
    db = tmp_path / "bills.duckdb"
    outputs = []
    for args in (("invoices", "import", bill), ("invoices", "import", bill, "--format", "json"), ("invoices", "list"),
                 ("invoices", "list", "--format", "json"), ("invoices", "show", "1", "--format", "csv"), ("invoices", "models")):
        done = subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), *map(str, args)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (args, done.stderr)
        outputs += [done.stdout, done.stderr]
    joined = "\n".join(outputs)
    assert "[REDACTED]" in joined and "CANARYanthropic" not in joined
    with duckdb.connect(str(db)) as con:
        con.execute("CHECKPOINT")
    assert b"CANARYanthropic" not in db.read_bytes()


PROMPT = "CANARY-PROMPT-9c1e"


def test_reject_excerpts_never_carry_prompts(cli, db, tmp_path):
    """Every way a record is rejected — bad UTF-8 and truncated JSON (raw text), a valid
    record with a bad field, a CSV row with too many columns — keeps an excerpt of its
    identity fields only, never the prompt, whatever key carries it."""
    import json as _json

    from conftest import DATA

    kwargs_dump = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": PROMPT}],
                   "standard_logging_object": {**slp("kw-1"), "startTime": "not a time"}}
    lines = [
        _json.dumps(slp("good-1")).encode(),
        # Bad UTF-8: rejected by the reader itself, before any parsing.
        _json.dumps({"id": "bad-utf8", "system_prompt": PROMPT}).encode()[:-1] + b', "x": "\xff\xfe"}',
        # Truncated JSON: not parseable, the prompt under a key no list would know.
        _json.dumps({"id": "cut-1", "model": "gpt-4o", "instructions": PROMPT, "extra": "x" * 50})[:-20].encode(),
        # Valid JSON, a bad start time: the prompt at the top and in the kwargs dump.
        _json.dumps({**slp("bad-time", startTime="yesterday"), "documents": [PROMPT]}).encode(),
        _json.dumps(kwargs_dump).encode(),
    ]
    jsonl = tmp_path / "mixed.jsonl"
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    run = cli("ingest", jsonl, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert _json.loads(run.stdout)["rejected"] == 4
    rows = (DATA / "spendlogs_v1110.csv").read_text(encoding="utf-8").splitlines()
    csv_file = tmp_path / "extra.csv"
    csv_file.write_text("\n".join([rows[0], rows[1], rows[2] + f',"[{{""content"": ""{PROMPT}""}}]"']) + "\n", encoding="utf-8")
    assert _json.loads(cli("ingest", csv_file, "--format", "json").stdout)["rejected"] == 1
    listing = cli("db", "rejects", "--format", "json")
    rejects = _json.loads(listing.stdout)["rejects"]
    assert len(rejects) == 5
    assert PROMPT not in listing.stdout + cli("db", "rejects").stdout
    excerpts = {r["line"]: r["excerpt"] for r in rejects if r["path"].endswith("mixed.jsonl")}
    assert '"id": "bad-utf8"' in excerpts[2] and '"id": "cut-1"' in excerpts[3] and '"model": "gpt-4o"' in excerpts[3]
    assert '"id": "bad-time"' in excerpts[4] and '"id": "kw-1"' in excerpts[5]
    with duckdb.connect(str(db)) as con:
        con.execute("CHECKPOINT")
    assert PROMPT.encode() not in db.read_bytes()


def test_a_secret_typed_as_a_tag_name_finds_its_redacted_tags_and_is_never_shown(cli, db, tmp_path):
    secret = CANARIES["openai"]
    path = write_jsonl(tmp_path / "cb.jsonl", [slp("req-1", request_tags=[f"{secret}:alpha", "env:prod"])])
    assert cli("ingest", path, "--format", "json").exit_code == 0
    texts = []
    for fmt in ("csv", "json", "markdown", "table"):
        run = cli("report", "--by", f"tag:{secret}", "--where", f"tag:{secret}=alpha", "--format", fmt)
        assert run.exit_code == 0, run.stderr
        texts += [run.stdout, run.stderr]
    bad = cli("report", "--by", f"{secret}", "--where", f"{secret}")
    assert bad.exit_code == 2
    texts += [bad.stdout, bad.stderr]
    joined = "\n".join(texts)
    assert "CANARYopenai" not in joined
    rows = json.loads(texts[2])["rows"]
    assert [row["tag:[REDACTED]"] for row in rows] == ["alpha"]


# Pieces of secrets and their near misses, in any case, between other text: the hint must
# hold wherever any secret pattern finds something to redact.
_FRAGMENTS = ["sk-", "SK-", "sk_", "bearer ", "BeArEr\t", "api_key=", "API-KEY: ", "apikey=", "AKIA", "akia", "ASIA",
              "eyJ", "EYJ", "abcdef0123456789", "ABCDEFGHIJKLMNOP", "QRSTUVWXYZ", "x-", "-", "_", ".", "\"", "'", ":",
              "=", " ", "é", "K", "ſ"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)),
                max_size=12))
def test_the_secret_hint_holds_wherever_a_secret_pattern_matches(pieces):
    from litecost.redact import _ANY_SECRET, _SECRET_HINT, SECRET_PATTERNS, secret_hint_sql

    text = "".join(pieces)
    secret_in_it = any(re.search(p.replace("(?i)", ""), text, re.IGNORECASE if p.startswith("(?i)") else 0)
                       for p, _ in SECRET_PATTERNS)
    con = duckdb.connect()
    hint, one_value_hint, any_secret = con.execute(
        f"SELECT {secret_hint_sql('t')}, regexp_matches(t, ?), regexp_matches(t, ?) FROM (SELECT ?::VARCHAR AS t)",
        [_SECRET_HINT, _ANY_SECRET, text]).fetchone()
    # (RE2's \b knows only ASCII word characters, Python's all: either may find one.)
    assert hint or not (secret_in_it or any_secret), text
    assert one_value_hint == hint, text  # redact_sql's own test, as one pattern
