"""Deterministic, fast generators of benchmark inputs for litecost.

Four kinds of input, all for October 2026 (UTC), all reproducible from a seed:

* callback JSON lines: one StandardLoggingPayload per line, of a chosen size (rows or bytes);
* the same calls as a synced LiteLLM bucket: one StandardLoggingPayload object per file in
  date folders (``ROOT/YYYY-MM-DD/<id>.json``);
* a LiteLLM_SpendLogs CSV in the psql ``\\copy ... CSV HEADER`` layout (36 columns);
* a litecost DuckDB store of N calls built directly in SQL (``INSERT INTO calls SELECT ...
  FROM range(N)``), plus a month of synthetic provider invoice lines for ``reconcile``.

The JSONL and CSV generators re-stamp the 2,500 calls of the sample month
(``sample_data/callbacks_2026-10.jsonl`` / ``spendlogs_2026-10.csv``): each output row is
one sample call picked at random, with a fresh unique id, trace/session id,
litellm_call_id and start time spread over the month (end/first-token/created times keep
the sample call's durations). Everything else — metadata with key/team/user, usage
objects with provider-specific ``prompt_tokens_details``, ``cost_breakdown``,
``model_map_information``, ``request_tags`` with ``User-Agent:`` tags, ``hidden_params``,
failures, LiteLLM cache hits — is exactly as LiteLLM 1.110.2 writes it. Prompt and
response text is never written: ``messages`` and ``response`` are ``null`` in the JSONL
and ``{}`` in the CSV (LiteLLM's default with ``store_prompts_in_spend_logs`` off).

Row k of the JSONL and row k of the CSV made with the same seed describe the same call,
so the first min(n, m) rows of the two files are cross-format duplicates.

Speed: one ``%``-format of a pre-serialised template per row (no json.dumps per row),
written in large chunks: about 1 GB per 10–20 s on one core.

Usage (also used by bench/run.py)::

    python bench/generate.py jsonl OUT.jsonl --bytes 1GB
    python bench/generate.py csv OUT.csv --rows 100000
    python bench/generate.py bucket OUT_DIR --rows 100000
    python bench/generate.py store OUT.duckdb --rows 10000000
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_JSONL = REPO / "sample_data" / "callbacks_2026-10.jsonl"
SAMPLE_CSV = REPO / "sample_data" / "spendlogs_2026-10.csv"

GENERATOR_VERSION = 1
DEFAULT_SEED = 20261001
MONTH_START = datetime(2026, 10, 1, tzinfo=timezone.utc)
MONTH_START_EPOCH = int(MONTH_START.timestamp())  # 1790812800
MONTH_MS = 31 * 86_400_000
CHUNK_ROWS = 2_000

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def parse_size(text: str | int) -> int:
    """'10MB' -> 10_000_000, '1GB' -> 10**9, '512MiB' -> 512 * 2**20 (decimal units unless *iB)."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", text)
    if not m or m.group(2).upper() not in _UNITS:
        raise ValueError(f"not a size: {text!r} (use e.g. 10MB, 1GB, 512MiB)")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


# -- templates from the sample month ----------------------------------------------------------


def _split_csv_record(line: str) -> list[str]:
    """Split one CSV record into its raw field texts, quotes kept (so NULL stays an empty
    unquoted field and the empty string stays ``""``, exactly as psql wrote them)."""
    fields, i, n = [], 0, len(line)
    while True:
        if i < n and line[i] == '"':
            j = i + 1
            while True:
                j = line.index('"', j)
                if j + 1 < n and line[j + 1] == '"':
                    j += 2
                    continue
                break
            fields.append(line[i : j + 1])
            i = j + 1
        else:
            j = line.find(",", i)
            j = n if j < 0 else j
            fields.append(line[i:j])
            i = j
        if i >= n:
            return fields
        assert line[i] == ",", (line[i - 20 : i + 20], i)
        i += 1
        if i == n:
            fields.append("")
            return fields


def _template(text: str, sentinels: dict[str, str]) -> str:
    text = text.replace("%", "%%")
    for sentinel, name in sentinels.items():
        text = text.replace(sentinel, f"%({name})s")
    return text


class Templates:
    """The sample month's calls as %-format templates, one JSONL and one CSV line each."""

    def __init__(self) -> None:
        jsonl_rows = {}
        for raw in SAMPLE_JSONL.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                d = json.loads(raw)
                jsonl_rows[d["id"]] = d
        with SAMPLE_CSV.open(encoding="utf-8", newline="") as f:
            header_line = f.readline().rstrip("\n")
            csv_lines = [line.rstrip("\n") for line in f if line.strip()]
        self.csv_header = header_line
        columns = header_line.split(",")
        col = {name: index for index, name in enumerate(columns)}
        csv_rows = {}
        for line in csv_lines:
            fields = _split_csv_record(line)
            assert len(fields) == len(columns), (len(fields), line[:200])
            assert next(csv.reader([line])) == [
                f[1:-1].replace('""', '"') if f.startswith('"') else f for f in fields
            ]
            csv_rows[fields[col["request_id"]]] = fields

        self.ids = sorted(jsonl_rows)
        assert set(self.ids) == set(csv_rows), "sample JSONL and CSV describe different calls"
        self.jsonl: list[str] = []
        self.csv: list[str] = []
        self.dur_ms: list[int] = []
        self.first_token_ms: list[int] = []
        self.created_ms: list[int] = []
        self.kind: list[str] = []  # success | failure | cache_hit
        json_sentinels = {
            '"@@ID@@"': "id_json", '"@@TRACE@@"': "trace_json", '"@@CALL@@"': "call_json",
            '"@@START@@"': "start_epoch", '"@@END@@"': "end_epoch", '"@@CST@@"': "cst_epoch",
        }
        csv_sentinels = {
            "@@ID@@": "id", "@@TRACE@@": "trace", "@@CALL@@": "call", "@@START@@": "start_ts",
            "@@END@@": "end_ts", "@@CST@@": "cst_ts", "@@CREATED@@": "created_ts",
        }
        for request_id in self.ids:
            d = jsonl_rows[request_id]
            start, end, cst = d["startTime"], d["endTime"], d["completionStartTime"]
            self.dur_ms.append(round((end - start) * 1000))
            self.first_token_ms.append(round((cst - start) * 1000))
            kind = "failure" if d["status"] == "failure" else "cache_hit" if d.get("cache_hit") is True else "success"
            self.kind.append(kind)
            d = dict(d)
            d.update(id="@@ID@@", trace_id="@@TRACE@@", session_id="@@TRACE@@", litellm_call_id="@@CALL@@",
                     startTime="@@START@@", endTime="@@END@@", completionStartTime="@@CST@@",
                     messages=None, response=None)
            self.jsonl.append(_template(json.dumps(d), json_sentinels))

            fields = list(csv_rows[request_id])
            created = datetime.fromisoformat(fields[col["created_at"]]).replace(tzinfo=timezone.utc)
            self.created_ms.append(round((created.timestamp() - start) * 1000))
            for name, sentinel in (("request_id", "@@ID@@"), ("session_id", "@@TRACE@@"),
                                   ("litellm_call_id", "@@CALL@@"), ("startTime", "@@START@@"),
                                   ("endTime", "@@END@@"), ("completionStartTime", "@@CST@@"),
                                   ("created_at", "@@CREATED@@"), ("updated_at", "@@CREATED@@")):
                fields[col[name]] = sentinel
            for name, sentinel in (("messages", "@@MSG@@"), ("response", "@@RESP@@"),
                                   ("proxy_server_request", "@@PSR@@")):
                fields[col[name]] = sentinel
            self.csv.append(_template(",".join(fields), csv_sentinels | {
                "@@MSG@@": "messages", "@@RESP@@": "response", "@@PSR@@": "proxy_server_request"}))


# -- prompts and answers, as a proxy with store_prompts_in_spend_logs writes them --------------

_WORDS = (
    "the invoice total for october differs from the usage export because cached input tokens are "
    "billed at a lower rate and batch calls are half price; summarise the contract clauses below, "
    "list every obligation with its due date, and flag any penalty over 5,000 EUR. Réponse en français "
    "si le client l'a demandé — 東京 office notes, naïve café résumé, \"quoted\" text, tabs\tand "
    "newlines\nincluded. SELECT team, sum(spend) FROM spend_logs GROUP BY team; "
).split(" ")
PAYLOAD_VARIANTS = 64


def _prose(rng: random.Random, nbytes: int) -> str:
    out, size = [], 0
    while size < nbytes:
        word = _WORDS[rng.randrange(len(_WORDS))]
        out.append(word)
        size += len(word.encode()) + 1
    return " ".join(out)


def payload_variants(payload_bytes: int, seed: int = DEFAULT_SEED) -> list[dict[str, str]]:
    """PAYLOAD_VARIANTS (messages, response, proxy_server_request) JSON texts of about
    `payload_bytes` together (0.5x to 1.5x), as LiteLLM stores them when
    `store_prompts_in_spend_logs` is on: the request's messages, the response object, the
    request body. Empty objects when payload_bytes is 0 (LiteLLM's default)."""
    if payload_bytes <= 0:
        return [{"messages": "{}", "response": "{}", "proxy_server_request": "{}"}]
    rng = random.Random(seed ^ 0x5EED)
    variants = []
    for i in range(PAYLOAD_VARIANTS):
        share = payload_bytes * (0.5 + i / PAYLOAD_VARIANTS)
        system = _prose(rng, int(share * 0.1))
        user = _prose(rng, int(share * 0.3))
        answer = _prose(rng, int(share * 0.15))
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        response = {
            "id": "chatcmpl-variant%02d" % i, "model": "gpt-4o-mini-2024-07-18", "object": "chat.completion",
            "usage": {"total_tokens": 0, "prompt_tokens": 0, "completion_tokens": 0},
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "created": 1790812800, "system_fingerprint": "fp_bench",
        }
        request = {"model": "gpt-4o-mini", "messages": messages, "temperature": 0.2, "stream": False}
        variants.append({"messages": json.dumps(_jsonb_order(messages), ensure_ascii=False),
                         "response": json.dumps(_jsonb_order(response), ensure_ascii=False),
                         "proxy_server_request": json.dumps(_jsonb_order(request), ensure_ascii=False)})
    return variants


def _jsonb_order(value):  # noqa: ANN001, ANN202
    """Keys in PostgreSQL jsonb's output order (shorter first, then bytewise), so a
    generated CSV is what `\\copy` of a jsonb column prints."""
    if isinstance(value, dict):
        return {k: _jsonb_order(value[k]) for k in sorted(value, key=lambda k: (len(k.encode()), k.encode()))}
    if isinstance(value, list):
        return [_jsonb_order(v) for v in value]
    return value


def _csv_field(text: str) -> str:
    return text if text == "{}" else '"' + text.replace('"', '""') + '"'


# -- one stream of calls shared by the JSONL and CSV generators ---------------------------------

_DAY_STRINGS = [(MONTH_START + timedelta(days=d)).strftime("%Y-%m-%d") for d in range(40)]


def _ts(ms: int) -> str:
    """Milliseconds since 2026-10-01 UTC as Postgres prints timestamp(3): trailing zeros dropped."""
    day, rem = divmod(ms, 86_400_000)
    seconds, frac = divmod(rem, 1000)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    text = f"{_DAY_STRINGS[day]} {h:02d}:{m:02d}:{s:02d}"
    return text if not frac else text + (".%03d" % frac).rstrip("0")


def _epoch(ms: int) -> str:
    seconds, frac = divmod(ms, 1000)
    return f"{MONTH_START_EPOCH + seconds}.{frac:03d}".rstrip("0").rstrip(".") + ("" if frac else ".0")


def _uuid(bits: int) -> str:
    h = "%032x" % bits
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"


def call_stream(templates: Templates, seed: int = DEFAULT_SEED):
    """Yield (template index, values) forever; deterministic for a seed."""
    rng = random.Random(seed)
    n_templates = len(templates.ids)
    index = 0
    while True:
        t = rng.randrange(n_templates)
        start = rng.randrange(MONTH_MS)
        call_id = _uuid(rng.getrandbits(128))
        trace = _uuid(rng.getrandbits(128))
        kind = templates.kind[t]
        if kind == "failure":
            request_id = call_id  # LiteLLM's request_id for a failed call is the litellm_call_id
        else:
            request_id = "chatcmpl-bench%010d%014x" % (index, rng.getrandbits(56))
            if kind == "cache_hit":
                request_id += "_cache_hit" + _epoch(start + templates.dur_ms[t]) + "%03d" % (index % 1000)
        end = start + templates.dur_ms[t]
        cst = start + templates.first_token_ms[t]
        yield t, {
            "id": request_id, "trace": trace, "call": call_id,
            "id_json": '"' + request_id + '"', "trace_json": '"' + trace + '"', "call_json": '"' + call_id + '"',
            "start_ms": start, "end_ms": end, "cst_ms": cst, "created_ms": start + templates.created_ms[t],
        }
        index += 1


def _write_rows(path: Path, header: str | None, render, templates: Templates, rows: int | None,
                size: int | None, seed: int) -> dict:
    if rows is None and size is None:
        raise ValueError("give rows or a size in bytes")
    began = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    written = 0
    count = 0
    stream = call_stream(templates, seed)
    with tmp.open("wb") as f:
        if header is not None:
            data = (header + "\n").encode()
            f.write(data)
            written += len(data)
        done = False
        while not done:
            chunk = []
            for _ in range(CHUNK_ROWS):
                if rows is not None and count >= rows:
                    done = True
                    break
                t, values = next(stream)
                line = render(t, values).encode()
                chunk.append(line)
                written += len(line)
                count += 1
                if size is not None and written >= size:
                    done = True
                    break
            f.write(b"".join(chunk))
    tmp.replace(path)
    return {"path": str(path), "bytes": written, "rows": count, "seconds": round(time.perf_counter() - began, 3),
            "seed": seed, "generator_version": GENERATOR_VERSION}


def write_callbacks_jsonl(path: Path, *, rows: int | None = None, size: int | None = None,
                          seed: int = DEFAULT_SEED, templates: Templates | None = None,
                          payload_bytes: int = 0) -> dict:
    """`payload_bytes` > 0 fills `messages` and `response` with about that many bytes of
    prompt and answer per line (see payload_variants), as a callback logger sees them."""
    templates = templates or Templates()
    jsonl = templates.jsonl
    null_payload = '"messages": null, "response": null'
    variants = [f'"messages": {p["messages"]}, "response": {p["response"]}'
                for p in payload_variants(payload_bytes, seed)] if payload_bytes > 0 else None
    if variants:
        assert all(null_payload in line for line in jsonl), "the sample's lines changed shape"
    counter = [0]

    def render(t: int, v: dict) -> str:
        v["start_epoch"], v["end_epoch"], v["cst_epoch"] = _epoch(v["start_ms"]), _epoch(v["end_ms"]), _epoch(v["cst_ms"])
        line = jsonl[t] % v
        if variants:
            line = line.replace(null_payload, variants[counter[0] % len(variants)], 1)
            counter[0] += 1
        return line + "\n"

    info = _write_rows(path, None, render, templates, rows, size, seed)
    return info | {"payload_bytes": payload_bytes}


def write_bucket_tree(root: Path, *, rows: int, seed: int = DEFAULT_SEED, templates: Templates | None = None,
                      payload_bytes: int = 0) -> dict:
    """The calls of `write_callbacks_jsonl` (same seed: the same calls, in the same order) as
    LiteLLM's `s3` / `gcs_bucket` loggers leave them once a bucket is synced: one JSON object
    per call in `ROOT/YYYY-MM-DD/<id>.json` (the object key `get_s3_object_key` builds without
    team/key prefixes or an hour partition), the day being the call's start day in UTC."""
    templates = templates or Templates()
    began = time.perf_counter()
    lines_path = root.with_name(root.name + ".jsonl.partial")
    info = write_callbacks_jsonl(lines_path, rows=rows, seed=seed, templates=templates, payload_bytes=payload_bytes)
    days: set[str] = set()
    written = 0
    with lines_path.open("rb") as lines:
        for line in lines:
            start = line.index(b'"startTime": ') + len(b'"startTime": ')
            epoch = float(line[start:line.index(b",", start)])
            day = _DAY_STRINGS[int(epoch - MONTH_START_EPOCH) // 86_400]
            request_id = json.loads(line)["id"]
            folder = root / day
            if day not in days:
                folder.mkdir(parents=True, exist_ok=True)
                days.add(day)
            (folder / f"{request_id}.json").write_bytes(line.rstrip(b"\n"))
            written += len(line) - 1
    lines_path.unlink()
    return {"path": str(root), "bytes": written, "rows": info["rows"], "files": info["rows"], "days": len(days),
            "seconds": round(time.perf_counter() - began, 3), "seed": seed, "generator_version": GENERATOR_VERSION,
            "payload_bytes": payload_bytes}


def write_spendlogs_csv(path: Path, *, rows: int | None = None, size: int | None = None,
                        seed: int = DEFAULT_SEED, templates: Templates | None = None,
                        payload_bytes: int = 0) -> dict:
    """`payload_bytes` > 0 fills messages, response and proxy_server_request with about that
    many bytes of prompt and answer per row (see payload_variants)."""
    templates = templates or Templates()
    lines = templates.csv
    variants = [{k: _csv_field(v) for k, v in p.items()} for p in payload_variants(payload_bytes, seed)]
    counter = [0]

    def render(t: int, v: dict) -> str:
        v["start_ts"], v["end_ts"], v["cst_ts"], v["created_ts"] = (
            _ts(v["start_ms"]), _ts(v["end_ms"]), _ts(v["cst_ms"]), _ts(v["created_ms"]))
        v.update(variants[counter[0] % len(variants)])
        counter[0] += 1
        return lines[t] % v + "\n"

    info = _write_rows(path, templates.csv_header, render, templates, rows, size, seed)
    return info | {"payload_bytes": payload_bytes}


def spendlogs_csv_to_parquet(csv_path: Path, path: Path) -> dict:
    """A SpendLogs CSV as the Parquet export of the same table: columns typed as DuckDB's
    sniffer reads them (numbers, timestamps; jsonb columns as text)."""
    import duckdb

    began = time.perf_counter()
    tmp = path.with_name(path.name + ".partial")
    con = duckdb.connect(config={"memory_limit": "4GB"})
    con.execute("SET preserve_insertion_order = true")
    con.execute("COPY (SELECT * FROM read_csv(?, header=true, max_line_size=67108864, buffer_size=134217728))"
                " TO '" + str(tmp).replace("'", "''") + "' (FORMAT parquet, COMPRESSION zstd)", [str(csv_path)])
    rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(tmp)]).fetchone()[0]
    con.close()
    tmp.replace(path)
    return {"path": str(path), "bytes": path.stat().st_size, "rows": rows,
            "seconds": round(time.perf_counter() - began, 3), "generator_version": GENERATOR_VERSION}


# -- a litecost store of N calls, in SQL ---------------------------------------------------------

# (provider, model, model_group, snapshot name, weight %) — the sample month's 8 deployments
# over 6 providers; rates and model_map_value come from the sample's model_map_information.
DEPLOYMENTS = [
    ("openai", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 28),
    ("openai", "gpt-4o", "gpt-4o", "gpt-4o-2024-08-06", 12),
    ("openai", "o3-mini", "o3-mini", "o3-mini-2025-01-31", 8),
    ("azure", "gpt-4o", "gpt-4o-eu", "gpt-4o-2024-08-06", 10),
    ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", 20),
    ("bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", None, 9),
    ("gemini", "gemini-2.5-pro", "gemini-2.5-pro", "gemini-2.5-pro", 8),
    ("vertex_ai", "gemini-2.5-pro", "gemini-2.5-pro-vertex", "gemini-2.5-pro", 5),
]
ORG_ID = "3f6c2a1e-8d4b-4e7a-9c15-6b2f0d9e4a71"
# (alias, team_id, team_alias, user, app tag, user agent product, full UA, proxy cache, weight %)
KEYS = [
    ("support-bot", "0b7f3c52-1d4e-4a8b-9f61-2c3d4e5f6a7b", "Support", "maria.garcia@acme.example", "app:support",
     "python-requests", "python-requests/2.32.3", True, 18),
    ("search-backend", "5a1c9e3f-7b2d-4f6a-8e0c-1d2b3c4d5e6f", "Search", "marco.bianchi@acme.example", "app:search",
     "python-requests", "python-requests/2.32.3", True, 16),
    ("batch-etl", "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "Platform", "jin.park@acme.example", "app:etl",
     "OpenAI", "OpenAI/Python 1.99.1", False, 8),
    ("batch-etl", "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "Platform", "jin.park@acme.example", "app:etl",
     "OpenAI", "OpenAI/Python 2.1.0", False, 8),  # the same alias after a key rotation: a new hash
    ("eval-harness", "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "Platform", "sam.okafor@acme.example", "app:evals",
     "OpenAI", "OpenAI/Python 1.99.1", False, 10),
    ("growth-experiments", "2f4e6a8c-0b1d-4e3f-a5b7-c9d1e3f5a7b9", "Growth", "li.wei@acme.example", "app:growth",
     "OpenAI", "OpenAI/JS 5.12.0", False, 10),
    ("code-assistant", "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "Platform", "lena.fischer@acme.example",
     "app:code-assistant", "claude-cli", "claude-cli/2.0.14 (external, cli)", False, 12),
    ("research-notebooks", "7c5a3e1f-9d8b-4c6a-b4e2-0f1e2d3c4b5a", "Research", "ana.silva@acme.example",
     "app:research", "OpenAI", "OpenAI/Python 1.99.1", False, 8),
    ("alice-laptop", None, None, "alice@acme.example", None, "curl", "curl/8.5.0", False, 6),
    (None, None, None, "bob@acme.example", None, "OpenAI", "OpenAI/Python 1.99.1", False, 4),  # no alias
]
FEATURES = ["summarize", "extract", "classify", "rerank", "query-rewrite", "chat", "translate", "codegen"]


def _sample_model_maps() -> dict[tuple[str, str], tuple[str, dict]]:
    maps = {}
    for raw in SAMPLE_JSONL.read_text(encoding="utf-8").splitlines():
        d = json.loads(raw)
        info = d.get("model_map_information") or {}
        key = (d["custom_llm_provider"], d["model"])
        if key not in maps and info.get("model_map_value"):
            maps[key] = (info["model_map_key"], info["model_map_value"], d.get("model_id"))
    return maps


def _rate(value: dict, key: str, fallback: str | None = None) -> str:
    rate = value.get(key)
    if rate is None and fallback:
        rate = value.get(fallback)
    return format(rate or 0, ".18f")


def _slots(weights: list[int]) -> list[tuple[int, int]]:
    slots = []
    for index, weight in enumerate(weights):
        slots += [(len(slots) + j, index) for j in range(weight)]
    assert len(slots) == 100, len(slots)
    return slots


def build_store(path: Path, *, rows: int, seed: int = DEFAULT_SEED, batch: int = 2_000_000,
                with_invoices: bool = True, memory_limit: str = "8GB", log=print) -> dict:
    """A litecost database with `rows` calls in October 2026, built in DuckDB SQL."""
    import hashlib

    from litecost.store import Store

    began = time.perf_counter()
    path = Path(path)
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    maps = _sample_model_maps()
    with Store.open(path) as store:
        con = store.con
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("CREATE TEMP TABLE b_dep (d INTEGER, provider VARCHAR, model VARCHAR, model_group VARCHAR,"
                    " model_resolved VARCHAR, deployment_id VARCHAR, map_key VARCHAR, map_value JSON,"
                    " r_in DECIMAL(38,18), r_out DECIMAL(38,18), r_cr DECIMAL(38,18), r_cw DECIMAL(38,18),"
                    " r_cw1h DECIMAL(38,18), discount DECIMAL(4,2))")
        for d, (provider, model, group, resolved, _w) in enumerate(DEPLOYMENTS):
            map_key, value, model_id = maps[(provider, model)]
            con.execute(
                "INSERT INTO b_dep VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::DECIMAL(38,18), ?::DECIMAL(38,18),"
                " ?::DECIMAL(38,18), ?::DECIMAL(38,18), ?::DECIMAL(38,18), ?::DECIMAL(4,2))",
                [d, provider, model, group, resolved, model_id, map_key, json.dumps(value),
                 _rate(value, "input_cost_per_token"), _rate(value, "output_cost_per_token"),
                 _rate(value, "cache_read_input_token_cost", "input_cost_per_token"),
                 _rate(value, "cache_creation_input_token_cost", "input_cost_per_token"),
                 format(float(_rate(value, "cache_creation_input_token_cost", "input_cost_per_token")) * 1.6, ".18f"),
                 "0.95" if provider == "vertex_ai" else "1"],
            )
        con.execute("CREATE TEMP TABLE b_key (k INTEGER, key_hash VARCHAR, alias VARCHAR, team_id VARCHAR,"
                    " team_alias VARCHAR, org_id VARCHAR, user_id VARCHAR, app_tag VARCHAR, ua_tags VARCHAR[],"
                    " cache_on BOOLEAN, end_user_prefix VARCHAR)")
        for k, (alias, team_id, team_alias, user, app, product, ua, cache_on, _w) in enumerate(KEYS):
            key_hash = hashlib.sha256(f"bench-key-{k}-{seed}".encode()).hexdigest()
            prefix = {"support-bot": "cust_", "growth-experiments": "acct_"}.get(alias)
            con.execute("INSERT INTO b_key VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [k, key_hash, alias, team_id, team_alias, ORG_ID if team_id else None, user, app,
                         [f"User-Agent: {product}", f"User-Agent: {ua}"], cache_on, prefix])
        con.execute("CREATE TEMP TABLE b_dep_slot (slot INTEGER, d INTEGER)")
        con.executemany("INSERT INTO b_dep_slot VALUES (?, ?)", _slots([w[-1] for w in DEPLOYMENTS]))
        con.execute("CREATE TEMP TABLE b_key_slot (slot INTEGER, k INTEGER)")
        con.executemany("INSERT INTO b_key_slot VALUES (?, ?)", _slots([w[-1] for w in KEYS]))

        features = "[" + ", ".join(f"'feature:{f}'" for f in FEATURES) + "]"
        month_start = MONTH_START.strftime("%Y-%m-%d %H:%M:%S+00")
        # h(k): an independent pseudo-random stream per k; DuckDB's hash() is deterministic.
        h = lambda k: f"hash(i, {seed % 100000 + k})"  # noqa: E731
        insert = f"""
        INSERT INTO calls BY NAME
        WITH base AS (
            SELECT i,
                   -- roughly chronological (logs arrive in time order), jittered by up to ±10 minutes
                   greatest(0, least({MONTH_MS - 1}, CAST(i * {MONTH_MS}::DOUBLE / {rows} AS BIGINT)
                            + CAST({h(3)} % 1200000 AS BIGINT) - 600000)) AS start_ms,
                   CAST(300 + {h(4)} % 30000 AS BIGINT) AS dur_ms,
                   {h(5)} % 1000 AS r_status,
                   CAST({h(1)} % 100 AS INTEGER) AS dep_slot, CAST({h(2)} % 100 AS INTEGER) AS key_slot,
                   {h(6)} AS h6, {h(7)} AS h7, {h(8)} AS h8, {h(9)} AS h9, {h(10)} AS h10,
                   {h(11)} AS h11, {h(12)} AS h12, {h(13)} AS h13, {h(14)} AS h14, {h(15)} AS h15
            FROM range($lo, $hi) r(i)
        ), picked AS (
            SELECT b.*, dep.*, key.*,
                   b.r_status < 10 AS failed,
                   key.cache_on AND b.r_status BETWEEN 10 AND 49 AS hit,
                   dep.provider IN ('gemini', 'vertex_ai') AND b.h6 % 500 = 0 AS long_context
            FROM base b
            JOIN b_dep_slot ds ON ds.slot = b.dep_slot JOIN b_dep dep ON dep.d = ds.d
            JOIN b_key_slot ks ON ks.slot = b.key_slot JOIN b_key key ON key.k = ks.k
        ), tok AS (
            SELECT *,
                   CASE WHEN failed THEN 0 WHEN long_context THEN 200001 + h7 % 300000
                        ELSE 40 + (h6 % 2000) * (1 + h7 % 40) END AS p,
                   CASE WHEN failed THEN 0 ELSE 5 + (h8 % 1500) * (1 + h9 % 4) END AS c
            FROM picked
        ), cr AS (
            SELECT *,
                   CASE WHEN provider IN ('openai', 'azure') THEN
                            CASE WHEN p >= 1024 AND h10 % 2 = 0 THEN (p * (h11 % 90) // 100) // 128 * 128 ELSE 0 END
                        WHEN provider IN ('anthropic', 'bedrock') THEN p * (h11 % 80) // 100
                        ELSE CASE WHEN h10 % 3 = 0 THEN p * (h11 % 60) // 100 ELSE 0 END END AS t_cr
            FROM tok
        ), cw AS (
            SELECT *, CASE WHEN provider IN ('anthropic', 'bedrock') THEN (p - t_cr) * (h12 % 30) // 100 ELSE 0 END AS t_cw
            FROM cr
        ), cw1 AS (
            SELECT *, CASE WHEN provider = 'anthropic' AND h13 % 5 = 0 THEN (p - t_cr - t_cw) * (h12 % 20) // 100 ELSE 0 END AS t_cw1h,
                   CASE WHEN model IN ('o3-mini', 'gemini-2.5-pro') THEN c * (h14 % 70) // 100 ELSE 0 END AS t_reason
            FROM cw
        ), priced AS (
            SELECT *, p - t_cr - t_cw - t_cw1h AS t_in,
                   CAST((p - t_cr - t_cw - t_cw1h) * r_in + t_cr * r_cr + t_cw * r_cw + t_cw1h * r_cw1h + c * r_out
                        AS DECIMAL(38, 18)) AS full_cost,
                   TIMESTAMPTZ '{month_start}' + to_milliseconds(start_ms) AS st
            FROM cw1
        )
        SELECT
            'chatcmpl-' || substr(md5(i::VARCHAR), 1, 14) || lpad(i::VARCHAR, 12, '0') AS request_id,
            st AS start_time,
            st + to_milliseconds(dur_ms) AS end_time,
            CASE WHEN failed THEN 'failure' ELSE 'success' END AS status,
            CASE WHEN alias = 'code-assistant' THEN 'anthropic_messages' ELSE 'acompletion' END AS call_type,
            provider, model,
            CASE WHEN h15 % 2 = 0 THEN model_resolved END AS model_resolved,
            model_group, deployment_id,
            key_hash AS api_key_hash, alias AS key_alias, team_id, team_alias, org_id, user_id,
            CASE WHEN end_user_prefix IS NOT NULL THEN end_user_prefix || lpad((h9 % 5000)::VARCHAR, 5, '0') END AS end_user,
            list_slice([{features}[1 + (h14 % 8)::INTEGER], coalesce(app_tag, 'project:misc'),
                        CASE WHEN h13 % 10 < 8 THEN 'env:prod' ELSE 'env:staging' END], 1, (h15 % 4)::INTEGER) AS tags,
            ua_tags AS user_agent_tags,
            hit AS cache_hit,
            'standard' AS service_tier,
            p AS prompt_tokens, c AS completion_tokens, p + c AS total_tokens,
            t_in AS input_tokens, t_cr AS cache_read_tokens, t_cw AS cache_write_5m_tokens,
            t_cw1h AS cache_write_1h_tokens, c AS output_tokens, t_reason AS reasoning_tokens,
            0 AS audio_input_tokens, 0 AS audio_output_tokens, 0 AS image_input_tokens, 0 AS web_search_requests,
            CASE WHEN failed OR hit THEN 0 ELSE CAST(full_cost * discount AS DECIMAL(38, 18)) END AS logged_cost,
            CASE WHEN failed OR hit THEN 0 ELSE full_cost END AS logged_cost_original,
            CASE WHEN failed OR hit THEN NULL ELSE CAST(full_cost * discount AS DECIMAL(38, 18)) END AS cost_breakdown_total,
            map_key AS model_map_key, map_value AS model_map_value,
            CASE WHEN alias = 'batch-etl' THEN json_object('job_id', 'nightly-' || strftime(st, '%Y%m%d'), 'pipeline', 'contracts')
                 WHEN alias = 'support-bot' AND h8 % 2 = 0 THEN json_object('ticket_id', 'T-' || (h7 % 100000)::VARCHAR) END
                AS spend_logs_metadata,
            md5(i::VARCHAR || 'c') AS litellm_call_id,
            md5((CASE WHEN alias = 'code-assistant' THEN i // 40 ELSE i END)::VARCHAR || 's') AS session_id,
            CASE WHEN h11 % 2 = 0 THEN 'callbacks' ELSE 'spendlogs' END AS source_kind,
            CASE WHEN h11 % 2 = 0 THEN 1 ELSE 2 END AS ingest_id,
            i // 2 + 1 AS source_line
        FROM priced
        """
        for lo in range(0, rows, batch):
            hi = min(rows, lo + batch)
            t0 = time.perf_counter()
            with store.transaction():
                con.execute(insert, {"lo": lo, "hi": hi})
            log(f"  store: calls {lo:,}..{hi:,} in {time.perf_counter() - t0:.1f}s")
        with store.transaction():
            for ingest_id, kind, fmt in ((1, "callbacks", "jsonl"), (2, "spendlogs", "csv")):
                con.execute("SELECT nextval('ingest_id_seq')")
                con.execute(
                    "INSERT INTO ingests (ingest_id, path, kind, format, blake3, size_bytes, rows_read, inserted, duplicates,"
                    " rejected, conflicts, source_tz, started_at, finished_at, litecost_version)"
                    " SELECT ?, ?, ?, ?, ?, 0, count(*), count(*), 0, 0, 0, 'UTC', now(), now(), 'bench'"
                    " FROM calls WHERE ingest_id = ?",
                    [ingest_id, f"bench/{kind}.{fmt}", kind, fmt, "0" * 64, ingest_id])
        invoice_lines = _insert_invoices(con, store) if with_invoices and _has_table(con, "invoice_lines") else 0
        con.execute("CHECKPOINT")
        calls = con.execute("SELECT count(*) FROM calls").fetchone()[0]
    size = path.stat().st_size
    return {"path": str(path), "rows": calls, "bytes": size, "invoice_lines": invoice_lines,
            "bytes_per_million_calls": round(size / calls * 1e6) if calls else None,
            "seconds": round(time.perf_counter() - began, 3), "seed": seed, "generator_version": GENERATOR_VERSION}


def _has_table(con, name: str) -> bool:  # noqa: ANN001
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0])


def _insert_invoices(con, store) -> int:  # noqa: ANN001
    """One invoice file per provider: daily token lines per model and category, billing what
    was logged (cache hits excluded) at the logged rates, with a few realistic gaps (a 2%
    negotiated discount on azure, 0.5% more output billed by gemini than logged)."""
    with store.transaction():
        con.execute(
            """
            CREATE TEMP TABLE b_inv AS
            WITH per_day AS (
                SELECT c.provider, coalesce(c.model_resolved, c.model) AS model_raw, c.model,
                       date_trunc('day', c.start_time) AS day,
                       sum(input_tokens) AS input, sum(cache_read_tokens) AS cache_read,
                       sum(cache_write_5m_tokens) AS cache_write_5m, sum(cache_write_1h_tokens) AS cache_write_1h,
                       sum(output_tokens) AS output,
                       any_value(d.r_in) AS r_in, any_value(d.r_cr) AS r_cr, any_value(d.r_cw) AS r_cw,
                       any_value(d.r_cw1h) AS r_cw1h, any_value(d.r_out) AS r_out, any_value(d.discount) AS discount
                FROM calls c JOIN b_dep d ON d.provider = c.provider AND d.model = c.model
                WHERE NOT c.cache_hit AND c.status = 'success'
                GROUP BY ALL
            )
            SELECT provider, model_raw, model, day, category, quantity,
                   CAST(quantity::DOUBLE * rate::DOUBLE * discount::DOUBLE * CASE WHEN provider = 'azure' THEN 0.98 ELSE 1 END AS DECIMAL(38, 18)) AS amount
            FROM (
                SELECT provider, model_raw, model, day, discount, 'input' AS category, input AS quantity, r_in AS rate FROM per_day
                UNION ALL SELECT provider, model_raw, model, day, discount, 'cache_read', cache_read, r_cr FROM per_day
                UNION ALL SELECT provider, model_raw, model, day, discount, 'cache_write_5m', cache_write_5m, r_cw FROM per_day
                UNION ALL SELECT provider, model_raw, model, day, discount, 'cache_write_1h', cache_write_1h, r_cw1h FROM per_day
                UNION ALL SELECT provider, model_raw, model, day, discount, 'output',
                       CASE WHEN provider = 'gemini' THEN output * 1.005 ELSE output END::BIGINT, r_out FROM per_day
            ) WHERE quantity > 0
            """
        )
        providers = [r[0] for r in con.execute("SELECT DISTINCT provider FROM b_inv ORDER BY 1").fetchall()]
        total = 0
        for provider in providers:
            file_id = con.execute("SELECT nextval('invoice_file_id_seq')").fetchone()[0]
            con.execute(
                "INSERT INTO invoice_files SELECT ?, ?, ?, ?, 'bench', TIMESTAMPTZ '2026-10-01 00:00:00+00',"
                " TIMESTAMPTZ '2026-11-01 00:00:00+00', ['acme-prod'], count(*), count(*), sum(amount), 'USD', now(),"
                " NULL, 'bench' FROM b_inv WHERE provider = ?",
                [file_id, f"bench/invoice-{provider}-2026-10.csv", "0" * 64, provider, provider])
            total += con.execute(
                "INSERT INTO invoice_lines SELECT ?, row_number() OVER (ORDER BY day, model_raw, category), day,"
                " day + INTERVAL 1 DAY, provider, 'acme-prod', 'token', model_raw, model, category, 'standard', NULL,"
                " NULL, quantity, 'tokens', amount, 'USD', NULL FROM b_inv WHERE provider = ?",
                [file_id, provider]).fetchone()[0]
    return total


# -- command line --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("jsonl", "csv", "bucket", "store"))
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--bytes", dest="size", help="target size, e.g. 10MB, 1GB (jsonl/csv)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--payload-bytes", type=parse_size, default=0,
                        help="about this many bytes of stored prompt and answer per row, e.g. 7KB [0: none]")
    args = parser.parse_args(argv)
    size = parse_size(args.size) if args.size else None
    if args.kind == "jsonl":
        info = write_callbacks_jsonl(args.out, rows=args.rows, size=size, seed=args.seed,
                                     payload_bytes=args.payload_bytes)
    elif args.kind == "bucket":
        info = write_bucket_tree(args.out, rows=args.rows or 1000, seed=args.seed, payload_bytes=args.payload_bytes)
    elif args.kind == "csv":
        info = write_spendlogs_csv(args.out, rows=args.rows, size=size, seed=args.seed,
                                   payload_bytes=args.payload_bytes)
    else:
        info = build_store(args.out, rows=args.rows or 10_000_000, seed=args.seed, log=lambda m: print(m, file=sys.stderr))
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
