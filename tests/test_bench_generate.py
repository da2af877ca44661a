"""bench/generate.py's bucket tree: LiteLLM's bucket-logger layout, the same calls as the JSON lines."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import generate  # noqa: E402


def test_a_bucket_tree_holds_the_jsonl_calls_one_object_per_file_in_their_start_day(tmp_path):
    info = generate.write_bucket_tree(tmp_path / "bucket", rows=120, seed=7)
    generate.write_callbacks_jsonl(tmp_path / "calls.jsonl", rows=120, seed=7)
    lines = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text(encoding="utf-8").splitlines()]

    objects = {}
    for path in (tmp_path / "bucket").rglob("*"):
        if path.is_file():
            record = json.loads(path.read_text(encoding="utf-8"))
            assert "\n" not in path.read_text(encoding="utf-8")
            assert path.name == f"{record['id']}.json"
            day = datetime.fromtimestamp(record["startTime"], timezone.utc).strftime("%Y-%m-%d")
            assert path.parent.name == day and path.parent.parent == tmp_path / "bucket"
            objects[record["id"]] = record
    assert info["files"] == info["rows"] == len(objects) == 120
    assert objects == {line["id"]: line for line in lines}
    assert not list(tmp_path.glob("*.partial"))
