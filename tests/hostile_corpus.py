"""The hostile corpus (issue 21): generates, into a directory, every class of hostile
input the field has thrown at litecost — logs, bills, price files, arguments, output
paths and database files — each planted with canaries (a secret in six forms, a prompt)
that must never come out. `cases()` lists what to run and which exit codes are right;
tests/test_hostile_corpus.py runs them all through the CLI.

Usage alone: `python tests/hostile_corpus.py DIR` writes the files and prints the cases."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
BILL = DATA / "billing" / "openai_dashboard_costs_synthetic.csv"

SECRETS = ["sk-proj-CANARYopenai0001", "sk-ant-api03-CANARYanthropic02", "Bearer CANARYbearer0003", "AKIACANARYAWS0000004",
           "eyJhbGciOiJIUzI1NiJ9.eyJDQU5BUllqd3QiOjV9.CANARYjwtSig005", "x-api-key=CANARYassign006"]
PROMPT = "CANARY-PROMPT-4b7d"
NEEDLES = ["CANARYopenai", "CANARYanthropic", "CANARYbearer", "AKIACANARY", "eyJDQU5BUllqd3Qi", "CANARYassign", PROMPT]

OK, BAD_INPUT, USAGE = (0,), (3,), (2,)


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]  # after `--db DB`; {dir} is the corpus directory
    exit_codes: tuple[int, ...]
    db: str | None = None  # a database file of the corpus to use instead of the test's own


def _payload(request_id: str, **fields) -> dict:  # noqa: ANN003
    record = {
        "id": request_id, "call_type": "acompletion", "status": "success", "custom_llm_provider": "openai",
        "model": "gpt-4o-mini", "startTime": 1790850000.25, "endTime": 1790850001.5, "prompt_tokens": 1000,
        "completion_tokens": 100, "total_tokens": 1100, "response_cost": 0.0002,
        "metadata": {"user_api_key_hash": "ab" * 32, "user_api_key_alias": "bot", "user_api_key_team_id": "team-1"},
        "request_tags": ["env:prod"], "messages": [{"role": "user", "content": PROMPT}],
        "response": {"choices": [{"message": {"content": PROMPT}}]},
    }
    record.update(fields)
    return record


def _lines(path: Path, records: list, raw: list[bytes] = ()) -> None:  # noqa: B006
    path.write_bytes(b"".join([json.dumps(r).encode() + b"\n" for r in records] + [r + b"\n" for r in raw]))


def write(directory: Path) -> list[Case]:
    d = directory
    d.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def case(name: str, *args: object, codes: tuple[int, ...], db: str | None = None) -> None:
        cases.append(Case(name, tuple(str(a) for a in args), codes, db))

    # -- logs ------------------------------------------------------------------------------
    leaky = [_payload(f"leak-{i}", model=f"gpt-4o-mini {s}", end_user=s, request_tags=[f"team:{s}", s],
                      metadata={"user_api_key_hash": s, "user_api_key_alias": s, "user_api_key_team_id": s,
                                "user_api_key_user_id": s, "spend_logs_metadata": {"k": s}})
             for i, s in enumerate(SECRETS)]
    _lines(d / "secrets.jsonl", leaky)
    case("secrets in every field", "ingest", d / "secrets.jsonl", codes=OK)
    numbers = [_payload("n1", prompt_tokens=10**40), _payload("n2", response_cost=1e300), _payload("n3", prompt_tokens=-5),
               _payload("n4", completion_tokens="NaN"), _payload("n5", startTime="0000-01-01T00:00:00"),
               _payload("n6", startTime=99999999999999999999), _payload("ok-1")]
    _lines(d / "numbers.jsonl", numbers, [b'{"id": "n7", "prompt_tokens": 1e400, "startTime": 1790850000}'])
    case("numbers out of range", "ingest", d / "numbers.jsonl", codes=OK)
    _lines(d / "prompts_in_rejects.jsonl", [_payload("ok-2")], [
        json.dumps({"id": "u", "system_prompt": PROMPT}).encode()[:-1] + b', "x": "\xff"}',
        json.dumps({"id": "cut", "instructions": PROMPT, "pad": "x" * 40}).encode()[:-10],
        json.dumps({"standard_logging_object": {"id": "kw", "startTime": "soon"}, "messages": [PROMPT]}).encode(),
    ])
    case("prompts in rejected lines", "ingest", d / "prompts_in_rejects.jsonl", codes=OK)
    _lines(d / "deep.jsonl", [], [b'{"id": "deep", "metadata": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3000 + b"}"])
    case("deep JSON line", "ingest", d / "deep.jsonl", codes=OK + BAD_INPUT)
    _lines(d / "markup.jsonl", [_payload("m1", model="[/bold]", request_tags=["[red]x[/red]", "=1+1", "@cmd", "a|b"])])
    case("markup and formulas", "ingest", d / "markup.jsonl", codes=OK)
    (d / "array.jsonl").write_text("[" * 50_000 + "]" * 50_000)
    case("deep array as a log", "ingest", d / "array.jsonl", codes=BAD_INPUT)
    (d / "binary.jsonl").write_bytes(os.urandom(4096))
    case("binary", "ingest", d / "binary.jsonl", codes=BAD_INPUT)
    (d / "cut.jsonl.gz").write_bytes(gzip.compress(json.dumps(_payload("g")).encode() * 200)[:300])
    case("cut gzip", "ingest", d / "cut.jsonl.gz", codes=BAD_INPUT)
    (d / "empty.jsonl").write_text("")
    case("empty file", "ingest", d / "empty.jsonl", codes=OK)
    header = (DATA / "spendlogs_v1110.csv").read_text(encoding="utf-8").splitlines()
    (d / "ragged.csv").write_text("\n".join([header[0], header[1] + f',"{PROMPT}"', header[2][:40], header[3]]) + "\n")
    case("ragged SpendLogs CSV", "ingest", d / "ragged.csv", codes=OK)
    (d / f"name-{SECRETS[0]}.jsonl").write_bytes((d / "markup.jsonl").read_bytes())
    case("secret in a file name", "ingest", d / f"name-{SECRETS[0]}.jsonl", codes=OK)
    (d / "sub [").mkdir(exist_ok=True)
    (d / "sub [" / "x] [b].jsonl").write_bytes((d / "markup.jsonl").read_bytes())
    case("markup in a file name", "ingest", d / "sub [" / "x] [b].jsonl", codes=OK)

    # -- bills -----------------------------------------------------------------------------
    text = BILL.read_text(encoding="utf-8")
    (d / "bill_secrets.csv").write_text(text.replace("proj_Q7mK2xL9aTzR4vB1", SECRETS[1]))
    case("secrets in a bill", "invoices", "import", d / "bill_secrets.csv", codes=OK)
    rows = text.splitlines()
    (d / "bill_huge.csv").write_text("\n".join([rows[0], rows[1].replace("1.350000000000000000000000000000", "1" + "0" * 60)]) + "\n")
    case("bill amount beyond HUGEINT", "invoices", "import", d / "bill_huge.csv", codes=BAD_INPUT)

    # -- price files -----------------------------------------------------------------------
    def prices(name: str, body: str) -> Path:
        (d / name).write_text("unit: usd_per_1m_tokens\nmodels:\n" + body)
        return d / name

    for name, body, codes in [
        ("p_tag.yaml", "  - model: gpt-4o\n    prices:\n      input: !!python/object/apply:os.system [\"true\"]\n", BAD_INPUT),
        ("p_date.yaml", "  - model: gpt-4o\n    effective_from: 2026-13-01\n    prices:\n      input: 1\n", BAD_INPUT),
        ("p_year0.yaml", "  - model: gpt-4o\n    effective_from: 0000-01-01\n    prices:\n      input: 1\n", BAD_INPUT),
        ("p_huge.yaml", "  - model: gpt-4o\n    prices:\n      input: 1E+300\n", BAD_INPUT),
        ("p_overlap.yaml", "  - model: gpt-4o\n    prices:\n      input: 1\n  - model: gpt-4o\n    effective_from: 2026-10-01\n"
                           "    prices:\n      input: 2\n", BAD_INPUT),
    ]:
        case(f"price file {name}", "report", "--by", "model", "--pricing", prices(name, body), codes=codes)
    (d / "p_bomb.yaml").write_text("".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "1"] * 9) + "]\n" for i in range(9)))
    case("YAML alias bomb", "report", "--by", "model", "--pricing", d / "p_bomb.yaml", codes=BAD_INPUT)
    (d / "map_deep.json").write_text("[" * 100_000 + "]" * 100_000)
    case("deep price map", "report", "--by", "model", "--pricing", d / "map_deep.json", codes=BAD_INPUT)
    (d / "map_negative.json").write_text(json.dumps({"gpt-4o": {"input_cost_per_token": -1e-6}}))
    case("negative map price", "report", "--by", "model", "--pricing", d / "map_negative.json", codes=BAD_INPUT)
    case("sync from deep JSON", "pricing", "sync", "--from-file", d / "map_deep.json", codes=BAD_INPUT)

    # -- arguments -------------------------------------------------------------------------
    for tz in ("right/UTC", "posixrules", "localtime"):
        case(f"time zone {tz}", "report", "--by", "day", "--tz", tz, codes=USAGE)
    for period in ("0001-01", "9999-W52", "2026-13", "2026-02-30"):
        case(f"period {period}", "report", "--by", "day", "--period", period, "--tz", "Pacific/Kiritimati", codes=USAGE)
    for name in ("x\"y", "x'y", "x'||read_text('/etc/hostname')||'"):
        case(f"tag dimension {name}", "report", "--by", f"tag:{name}", "--format", "csv", codes=OK)
    case("secret in --where", "report", "--by", "model", "--where", f"key={SECRETS[0]}", "--format", "markdown", codes=OK)
    for rate in ("EUR=0", "EUR=1e400", "EUR=nan"):
        case(f"rate {rate}", "reconcile", "--rate", rate, BILL, codes=USAGE)
    case("superscript id", "reconcile", "²", codes=USAGE)
    (d / "out_dir").mkdir(exist_ok=True)
    case("-o a directory", "report", "--by", "model", "--format", "csv", "-o", d / "out_dir", codes=USAGE)
    case("-o a missing directory", "report", "--by", "model", "--format", "csv", "-o", d / "nowhere" / "x.csv", codes=USAGE)
    case("-o a file", "report", "--by", "tag", "--format", "csv", "-o", d / "out_dir" / "tags.csv", codes=OK)
    if not (d / "pipe").exists():
        os.mkfifo(d / "pipe")
    case("-o a FIFO", "report", "--by", "model", "--format", "csv", "-o", d / "pipe", codes=USAGE)
    case("a FIFO as a log", "ingest", d / "pipe", codes=USAGE)
    case("a FIFO as a price file", "report", "--by", "model", "--pricing", d / "pipe", codes=USAGE)

    # -- database files --------------------------------------------------------------------
    (d / "garbage.duckdb").write_bytes(b"not a database\n")
    case("garbage database", "report", "--by", "model", codes=BAD_INPUT, db="garbage.duckdb")
    if not (d / "sqlite.db").exists():
        con = sqlite3.connect(d / "sqlite.db")
        con.execute("CREATE TABLE t (a)")
        con.commit()
        con.close()
    case("SQLite database", "ingest", DATA / "spendlogs.jsonl", codes=BAD_INPUT, db="sqlite.db")
    case("a FIFO as the database", "report", "--by", "model", codes=USAGE, db="pipe")
    return cases


if __name__ == "__main__":
    for c in write(Path(sys.argv[1])):
        print(f"{c.name}: litecost {' '.join(c.args)} -> exit {'/'.join(map(str, c.exit_codes))}")
