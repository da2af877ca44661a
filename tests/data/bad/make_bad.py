"""Writes the bad-input corpus next to this file. Deterministic; run from anywhere:

    python tests/data/bad/make_bad.py

Each file is one kind of damage a real export can have; tests/test_guarantees.py says
what litecost must do with it.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE.parent


def payload(request_id: str, **overrides) -> dict:
    record = {
        "id": request_id, "call_type": "acompletion", "response_cost": 0.00123, "status": "success",
        "custom_llm_provider": "openai", "model": "gpt-4o-mini", "prompt_tokens": 10000, "completion_tokens": 300,
        "total_tokens": 10300, "startTime": 1790850000.25, "endTime": 1790850001.5,
        "metadata": {"user_api_key_alias": "support-bot",
                     "usage_object": {"prompt_tokens_details": {"cached_tokens": 6000}}},
        "request_tags": ["env:prod"], "cache_hit": False,
    }
    record.update(overrides)
    return record


def lines(*records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def main() -> None:
    good = lines(payload("ok-1"), payload("ok-2"))
    (HERE / "truncated.jsonl").write_text(good + json.dumps(payload("cut"))[:57])
    (HERE / "malformed.jsonl").write_text(lines(payload("ok-1")) + "{this is not json}\n" + lines(payload("ok-2")))
    (HERE / "invalid_utf8.jsonl").write_bytes(
        json.dumps(payload("ok-1")).encode() + b"\n" + b'{"id": "bad-\xff\xfe", "model": "x"}\n' + json.dumps(payload("ok-2")).encode() + b"\n"
    )
    (HERE / "bom_crlf.jsonl").write_bytes(b"\xef\xbb\xbf" + good.replace("\n", "\r\n").encode())
    (HERE / "empty.jsonl").write_text("")
    header = (DATA / "spendlogs_v1110.csv").read_text().splitlines()[0]
    (HERE / "header_only.csv").write_text(header + "\n")
    shutil.copyfile(DATA / "billing" / "openai_dashboard_costs_synthetic.csv", HERE / "invoice_as_log.csv")
    (HERE / "numbers_as_strings.jsonl").write_text(lines(
        payload("str-1", prompt_tokens="10000", completion_tokens="300", response_cost="0.00123", startTime="1790850000.25")))
    (HERE / "bad_counts.jsonl").write_text(lines(
        payload("negative", prompt_tokens=-1),
        payload("nan", completion_tokens="NaN"),
        payload("huge", prompt_tokens=10**15),
        payload("fraction", prompt_tokens=12.5),
        payload("money", response_cost="12,50 EUR"),
        payload("fine", prompt_tokens=12.0),
    ))
    (HERE / "missing_id.jsonl").write_text(lines(payload(""), payload("ok-1")))
    (HERE / "timestamps.jsonl").write_text(lines(
        payload("epoch-s", startTime=1790850000),
        payload("epoch-ms", startTime=1790850000123),
        payload("iso-z", startTime="2026-10-01T10:20:00Z"),
        payload("iso-offset", startTime="2026-10-01T12:20:00+02:00"),
        payload("naive-space", startTime="2026-10-01 10:20:00.5"),
        payload("naive-t", startTime="2026-10-01T10:20:00"),
        payload("utc-suffix", startTime="2026-10-01 10:20:00 UTC"),
        payload("garbage", startTime="next tuesday"),
        payload("too-early", startTime="1970-01-02T00:00:00Z"),
    ))
    (HERE / "conflicting_duplicates.jsonl").write_text(lines(
        payload("dup"), payload("dup", completion_tokens=999, response_cost=0.5), payload("dup")))
    rows = (DATA / "spendlogs_v1110.csv").read_text().splitlines()
    (HERE / "extra_and_missing_columns.csv").write_text(
        rows[0] + ",my_extra_column\n" + rows[1] + ",x\n" + ",".join(rows[2].split(",")[:5]) + "\n" + rows[3] + ",y\n"
    )
    blob = gzip.compress(("".join(lines(payload(f"gz-{i}")) for i in range(3000))).encode())
    (HERE / "cut.jsonl.gz").write_bytes(blob[: len(blob) // 2])
    (HERE / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (HERE / "not_an_object.jsonl").write_text(lines(payload("ok-1")) + "[1, 2, 3]\n42\n\"text\"\n")


if __name__ == "__main__":
    main()
