"""The fast way in for callback JSON lines (DuckDB's typed JSON reader) stores exactly
what the general reader stores, and hands every file it cannot take whole to it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import DATA, slp, write_jsonl

from litecost.files import NewlineCounter, digest_of
from litecost.sources.ingest import detect_files, ingest
from litecost.store import Store

SAMPLE = Path(__file__).parent.parent / "sample_data"
CLEAN = [
    SAMPLE / "callbacks_2026-10.jsonl",
    DATA / "callbacks_slp.jsonl",
    DATA / "callbacks_kwargs.jsonl",
    DATA / "litellm_generated" / "callbacks.jsonl",
    DATA / "bad" / "bom_crlf.jsonl",
    DATA / "bad" / "numbers_as_strings.jsonl",
    DATA / "bad" / "conflicting_duplicates.jsonl",
]
# Files with records to reject (their excerpts need the text), minimal records (their id
# hashes the text), or lines the typed reader refuses.
GENERAL = sorted(p for p in (DATA / "bad").glob("*.jsonl") if p not in CLEAN and p.stat().st_size) + [
    DATA / "callbacks_minimal.jsonl"
]


def _ingest(tmp_path: Path, name: str, files: list[Path], typed: bool, keep_payloads: bool = False):
    store = Store.open(tmp_path / f"{name}.duckdb")
    try:
        result = ingest(store, detect_files([str(f) for f in files]), typed_read=typed, keep_payloads=keep_payloads)
        tables = {
            "calls": store.con.execute("SELECT * EXCLUDE (source_line), source_line FROM calls ORDER BY request_id").fetchall(),
            "payloads": store.con.execute("SELECT * FROM call_payloads ORDER BY request_id").fetchall(),
            "rejects": store.con.execute("SELECT * FROM rejects ORDER BY ingest_id, line").fetchall(),
            "conflicts": store.con.execute("SELECT * FROM duplicate_conflicts ORDER BY ingest_id, line").fetchall(),
            "ingests": store.con.execute(
                "SELECT * EXCLUDE (started_at, finished_at) FROM ingests ORDER BY ingest_id"
            ).fetchall(),
        }
    finally:
        store.close()
    counts = [{k: v for k, v in f.to_dict().items() if k != "reader"} for f in result.files]
    return [f.reader for f in result.files], counts, tables


@pytest.mark.parametrize("path", CLEAN + GENERAL, ids=lambda p: p.name)
def test_both_readers_store_the_same(tmp_path, path):
    general_readers, general_counts, general = _ingest(tmp_path, "general", [path], typed=False)
    typed_readers, typed_counts, typed = _ingest(tmp_path, "typed", [path], typed=True)
    assert general_readers == ["general"]
    assert typed_readers == (["typed"] if path in CLEAN else ["general"])
    assert typed_counts == general_counts
    for table in general:
        assert typed[table] == general[table], table


@pytest.mark.parametrize("path", CLEAN[1:4], ids=lambda p: p.name)
def test_both_readers_keep_the_same_payloads(tmp_path, path):
    # --keep-payloads: prompts and responses (redacted) are read by both readers alike.
    typed_readers, _, typed = _ingest(tmp_path, "typed", [path], typed=True, keep_payloads=True)
    _, _, general = _ingest(tmp_path, "general", [path], typed=False, keep_payloads=True)
    assert typed_readers == ["typed"] and typed["payloads"]
    assert typed == general


def _reads_of(monkeypatch) -> list[str]:
    """The files the ingest reads (each `load_pre_calls`), as it reads them."""
    import litecost.sources.ingest as ingest_module

    reads: list[str] = []
    real = ingest_module.load_pre_calls

    def counted(con, src, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        reads.append(src.path.name)
        return real(con, src, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "load_pre_calls", counted)
    return reads


def _with_secrets_and_spaces(request_id: str, **overrides) -> dict:
    # Tags and a price entry that staging changes: spaces, repeats, a key, LiteLLM's
    # User-Agent tags, unsorted keys, members that are no scalars.
    fields = {"request_tags": [" env:prod ", "env:prod", "sk-live-0123456789abcdefghij", "User-Agent: curl/8"],
              "model_map_information": {"model_map_key": "gpt-4o-mini", "model_map_value": {
                  "output_cost_per_token": 6e-07, "key": "gpt-4o-mini", "input_cost_per_token": 1.5e-07,
                  "supported_openai_params": ["tools"], "litellm_provider": "openai"}}}
    return slp(request_id, **{**fields, **overrides})


def test_calls_repeated_in_the_file_or_stored_before_are_sorted_out_without_a_second_read(tmp_path, monkeypatch):
    # Clean lines go from the typed read straight into `calls`; where they repeat a call
    # (here, in the file, across files, and as a cache-hit twin), the rows are taken back
    # out of `calls` and stored as staged rows are: the same result as the general reader.
    first = write_jsonl(tmp_path / "a.jsonl", [_with_secrets_and_spaces("a-1"), slp("a-2"),
                                               slp("hit_cache_hit1790850000.1", litellm_call_id="lc-9", cache_hit=True)])
    second = write_jsonl(tmp_path / "b.jsonl", [
        slp("b-1"),
        _with_secrets_and_spaces("a-1", response_cost=0.5),  # stored before, with another cost
        slp("b-1"),  # repeated in the file
        slp("hit_cache_hit1790850000.7", litellm_call_id="lc-9", cache_hit=True),  # the twin of a stored hit
        _with_secrets_and_spaces("b-2"),
    ])
    import litecost.sources.ingest as ingest_module

    reads = _reads_of(monkeypatch)
    monkeypatch.setattr(ingest_module, "_stage", lambda *args: pytest.fail("read into staging"))
    # (A repeat among the first lines looked up sends the file to staging: see the next test.)
    monkeypatch.setattr(ingest_module, "SAMPLED_LINES", 1)
    readers, counts, typed = _ingest(tmp_path, "typed", [first, second], typed=True)
    assert readers == ["typed", "typed"] and reads == ["a.jsonl", "b.jsonl"]
    monkeypatch.undo()
    assert [(c["inserted"], c["duplicates"], c["conflicts"]) for c in counts] == [(3, 0, 0), (2, 3, 2)]
    _, general_counts, general = _ingest(tmp_path, "general", [first, second], typed=False)
    assert counts == general_counts
    assert typed == general
    store = Store.open(tmp_path / "typed.duckdb", read_only=True)
    try:
        stored = store.con.execute("SELECT tags, user_agent_tags, model_map_value::VARCHAR, source_line FROM calls"
                                   " WHERE request_id = 'b-2'").fetchone()
    finally:
        store.close()
    assert stored == (["[REDACTED]", "env:prod"], ["User-Agent: curl/8"], '{"input_cost_per_token":1.5e-7,'
                      '"key":"gpt-4o-mini","litellm_provider":"openai","output_cost_per_token":6e-7}', 5)


def test_a_file_whose_first_lines_are_stored_is_staged_without_writing_it_first(tmp_path, monkeypatch):
    # Read again (--reread, a re-export): its first lines repeat stored calls, so it is
    # staged at once (its first lines were read to look up its values, nothing written),
    # and stores what the general reader stores.
    path = write_jsonl(tmp_path / "a.jsonl", [slp("a-1"), slp("a-2")])
    grown = write_jsonl(tmp_path / "b.jsonl", [slp("a-1"), slp("a-2", response_cost=0.5), slp("a-3")])
    import litecost.sources.ingest as ingest_module

    written: list[str] = []
    real = ingest_module._store_directly

    def tracked(*args, **kwargs):  # noqa: ANN002, ANN003
        outcome = real(*args, **kwargs)
        written.append(outcome)
        return outcome

    monkeypatch.setattr(ingest_module, "_store_directly", tracked)
    reads = _reads_of(monkeypatch)
    readers, counts, typed = _ingest(tmp_path, "typed", [path, grown], typed=True)
    assert written == ["done", "stage typed"] and reads == ["a.jsonl", "b.jsonl", "b.jsonl"]
    assert readers == ["typed", "typed"]
    monkeypatch.undo()
    _, general_counts, general = _ingest(tmp_path, "general", [path, grown], typed=False)
    assert counts == general_counts and typed == general
    assert [(c["inserted"], c["duplicates"], c["conflicts"]) for c in counts] == [(2, 0, 0), (1, 2, 1)]


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.name)
def test_values_not_among_the_first_lines_are_normalised_on_their_rows_alike(tmp_path, monkeypatch, path):
    # Price entries and tag lists of a file's first lines are normalised once and looked up;
    # the others on their own rows. With only the first line looked up, most take that way.
    import litecost.sources.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "SAMPLED_LINES", 1)
    mixed = write_jsonl(tmp_path / "mixed.jsonl", [slp("m-0"), _with_secrets_and_spaces("m-1"),
                                                   _with_secrets_and_spaces("m-2", request_tags=["b", " a", "User-Agent: x"])])
    for source in (path, mixed):
        typed_readers, typed_counts, typed = _ingest(tmp_path, f"typed-{source.stem}", [source], typed=True)
        _, general_counts, general = _ingest(tmp_path, f"general-{source.stem}", [source], typed=False)
        assert typed_readers == ["typed"] and typed_counts == general_counts
        assert typed == general, source.name


def test_a_file_with_a_line_to_reject_is_read_once_more_by_the_general_reader(tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "r.jsonl", [slp("r-1"), slp("r-2", prompt_tokens=-5), slp("r-3")])
    reads = _reads_of(monkeypatch)
    readers, counts, tables = _ingest(tmp_path, "rejects", [path], typed=True)
    assert readers == ["general"] and reads == ["r.jsonl", "r.jsonl"]
    assert (counts[0]["inserted"], counts[0]["rejected"]) == (2, 1)
    assert [row[2] for row in tables["rejects"]] == [2]
    assert sorted(row[0] for row in tables["calls"]) == ["r-1", "r-3"]


def test_a_kwargs_dump_after_the_first_lines_of_payloads_is_read_by_the_general_reader(tmp_path):
    # The typed read of a file whose first 64 KiB hold no kwargs dump leaves out the members
    # of `standard_logging_object`: a dump further down must not be stored as a payload.
    dump = json.loads((DATA / "callbacks_kwargs.jsonl").read_text().splitlines()[0])
    payloads = [slp(f"p-{i}", metadata={**slp()["metadata"], "note": "x" * 400}) for i in range(200)]
    path = write_jsonl(tmp_path / "late.jsonl", [*payloads, dump, slp("p-last")])
    assert b"standard_logging_object" not in path.read_bytes()[:64 * 1024]
    readers, counts, tables = _ingest(tmp_path, "typed", [path], typed=True)
    assert readers == ["general"] and counts[0]["inserted"] == 202
    _, _, general = _ingest(tmp_path, "general", [path], typed=False)
    assert tables == general
    assert dump["standard_logging_object"]["id"] in [row[0] for row in tables["calls"]]
    # A file that starts with dumps is read whole by the typed reader.
    first = write_jsonl(tmp_path / "early.jsonl", [dump, *payloads])
    assert _ingest(tmp_path, "early", [first], typed=True)[0] == ["typed"]


def test_a_refused_file_is_read_again_without_losing_the_others(tmp_path):
    # `response` may be a string in a StandardLoggingPayload; the typed schema reads it
    # as an object, so DuckDB refuses the whole file mid-transaction. The run is retried
    # once, with that file and the ones after it on the general reader.
    first = write_jsonl(tmp_path / "a.jsonl", [slp("a-1"), slp("a-2")])
    refused = write_jsonl(tmp_path / "b.jsonl", [slp("b-1"), slp("b-2", response="plain text answer")])
    last = write_jsonl(tmp_path / "c.jsonl", [slp("c-1")])
    readers, counts, tables = _ingest(tmp_path, "mixed", [first, refused, last], typed=True)
    assert readers == ["typed", "general", "general"]
    assert [c["inserted"] for c in counts] == [2, 2, 1]
    assert [c["ingest_id"] for c in counts] == [1, 2, 3]  # the retry leaves no gap
    assert [row[0] for row in tables["ingests"]] == [1, 2, 3]
    _, _, general = _ingest(tmp_path, "general", [first, refused, last], typed=False)
    assert tables == general


def test_calls_without_tags_and_with_an_empty_tag_list_are_stored_once_each(tmp_path):
    # Both normalise to the same tag set; found by the property test below.
    untagged = slp("t-1")
    del untagged["request_tags"]
    path = write_jsonl(tmp_path / "tags.jsonl", [untagged, slp("t-2", request_tags=[]), slp("t-3", request_tags=None)])
    for typed in (True, False):
        _, counts, tables = _ingest(tmp_path, f"tags-{typed}", [path], typed=typed)
        assert counts[0]["inserted"] == 3
        assert [row[0] for row in tables["calls"]] == ["t-1", "t-2", "t-3"]


def test_blank_lines_keep_line_numbers_right(tmp_path):
    path = write_jsonl(tmp_path / "gaps.jsonl", [slp("x-1"), slp("x-2"), slp("x-3")], raw_lines={2: "", 4: "   "})
    readers, _, tables = _ingest(tmp_path, "gaps", [path], typed=True)
    assert readers == ["general"]  # the typed reader would number x-3 as line 3
    assert [(row[0], row[-1]) for row in tables["calls"]] == [("x-1", 1), ("x-2", 3), ("x-3", 5)]


def test_line_numbers_hold_across_row_groups(tmp_path):
    # DuckDB stores 122,880 rows per row group and reads in parallel; the typed path
    # numbers rows by their place in the table, so check that order survives both.
    rows = 130_000
    template = json.dumps(slp("ID", messages=None, response=None))
    path = tmp_path / "many.jsonl"
    path.write_text("".join(template.replace('"ID"', f'"r-{n}"', 1) + "\n" for n in range(1, rows + 1)))
    store = Store.open(tmp_path / "many.duckdb")
    try:
        result = ingest(store, detect_files([str(path)]))
        assert result.files[0].reader == "typed"
        wrong = store.con.execute(
            "SELECT count(*) FROM calls WHERE request_id <> 'r-' || source_line"
        ).fetchone()[0]
        assert (result.total("inserted"), wrong) == (rows, 0)
    finally:
        store.close()


def test_a_log_digest_is_blake3_as_b3sum_prints_it(tmp_path):
    # The BLAKE3 team's own vectors (`b3sum` of a file holding "abc", and of an empty one):
    # what a user who checks a ledger entry or a close manifest by hand will see.
    (tmp_path / "abc").write_bytes(b"abc")
    (tmp_path / "empty").write_bytes(b"")
    assert digest_of(tmp_path / "abc").blake3 == "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    assert digest_of(tmp_path / "empty").blake3 == "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"


@pytest.mark.parametrize(
    ("text", "lines"),
    [(b"", 0), (b"a\n", 1), (b"a", 1), (b"a\nb", 2), (b"a\n\n", 2), (b"\n", 1), (b"a\r\nb\r\n", 2)],
)
def test_digest_counts_lines(tmp_path, text, lines):
    plain = tmp_path / "f.txt"
    plain.write_bytes(text)
    packed = tmp_path / "f.txt.gz"
    # Two gzip members, as `cat a.gz b.gz` makes: both count.
    half = len(text) // 2
    packed.write_bytes(gzip.compress(text[:half]) + gzip.compress(text[half:]))
    assert digest_of(plain).lines == lines
    assert digest_of(packed, compressed=True).lines == lines
    assert digest_of(plain).blake3 == __import__("blake3").blake3(text).hexdigest()


def test_digest_of_a_damaged_gzip_has_no_line_count(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"garbage that is not deflate" * 10)
    assert digest_of(path, compressed=True).lines is None


@pytest.mark.parametrize("name", ["callbacks.jsonl.gz", "callbacks.jsonl"])
def test_gzip_files_take_the_typed_path_too(tmp_path, name):
    # Detection goes by the bytes: a gzip file need not be named .gz.
    packed = tmp_path / name
    packed.write_bytes(gzip.compress((SAMPLE / "callbacks_2026-10.jsonl").read_bytes()))
    readers, counts, tables = _ingest(tmp_path, "typed", [packed], typed=True)
    _, general_counts, general = _ingest(tmp_path, "general", [packed], typed=False)
    assert readers == ["typed"]
    assert (counts, tables) == (general_counts, general)
    assert counts[0]["inserted"] == 2500


# -- property: any record the typed reader accepts is stored exactly as the general reader stores it

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_numbers = st.one_of(
    st.integers(-5, 10**7), st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([1e-7, 1.5e-05, 0.000015, 2.5, 1e20, -0.0, 3.0]),
)
_texts = st.one_of(st.text(max_size=8), st.sampled_from([" padded ", "", "sk-abcdefgh12345678", "env:prod", "User-Agent: x"]))
_scalars = st.one_of(st.none(), st.booleans(), _numbers, _texts)
_usage = st.fixed_dictionaries(
    {},
    optional={
        "prompt_tokens": _scalars,
        "cache_read_input_tokens": _scalars,
        "cache_creation_input_tokens": _scalars,
        "prompt_tokens_details": st.one_of(st.none(), st.fixed_dictionaries({}, optional={
            "cached_tokens": _scalars, "text_tokens": _scalars, "audio_tokens": _scalars})),
        "completion_tokens_details": st.one_of(st.none(), st.fixed_dictionaries({}, optional={
            "reasoning_tokens": _scalars})),
        "service_tier": _scalars,
    },
)


@st.composite
def _payloads(draw, n: int):
    record = slp(f"p-{n}", messages=None, response=draw(st.one_of(st.none(), st.fixed_dictionaries(
        {}, optional={"model": _scalars, "service_tier": _scalars}))))
    for key in ("prompt_tokens", "completion_tokens", "total_tokens", "response_cost", "startTime", "endTime",
                "status", "custom_llm_provider", "model", "cache_hit", "end_user", "model_group", "call_type"):
        if draw(st.booleans()):
            record[key] = draw(_scalars)
    if draw(st.booleans()):
        record["request_tags"] = draw(st.one_of(st.none(), st.lists(_texts, max_size=3), st.lists(_scalars, max_size=3), _scalars))
    metadata = dict(record["metadata"])
    for key in ("user_api_key_alias", "user_api_key_team_id", "user_api_key_user_id", "spend_logs_metadata"):
        if draw(st.booleans()):
            metadata[key] = draw(st.one_of(_scalars, st.dictionaries(st.sampled_from(["a", "b"]), _scalars, max_size=2)))
    metadata["usage_object"] = draw(st.one_of(st.none(), _usage))
    record["metadata"] = metadata
    if draw(st.booleans()):
        record["cost_breakdown"] = draw(st.one_of(st.none(), st.fixed_dictionaries({}, optional={
            "original_cost": _scalars, "total_cost": _scalars, "service_tier": _scalars})))
    if draw(st.booleans()):
        record["model_map_information"] = {"model_map_key": draw(_scalars), "model_map_value": draw(st.one_of(
            st.none(), st.dictionaries(st.sampled_from(["input_cost_per_token", "output_cost_per_token", "key"]), _scalars, max_size=3)))}
    return record


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_typed_and_general_readers_agree_on_any_payloads(tmp_path_factory, data):
    records = [data.draw(_payloads(n)) for n in range(data.draw(st.integers(1, 4)))]
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "p.jsonl"
    # One valid record as well: a file of which every record is rejected is refused whole.
    path.write_text("".join(json.dumps(r) + "\n" for r in [*records, slp("anchor")]))
    _, general_counts, general = _ingest(folder, "general", [path], typed=False)
    _, typed_counts, typed = _ingest(folder, "typed", [path], typed=True)
    assert typed_counts == general_counts
    assert typed == general


def test_readers_leave_nothing_of_their_work_in_the_database(tmp_path):
    # Scratch tables (lines DuckDB could not read, staged rows) are TEMP: after ingesting
    # every layout, the file holds the schema's tables and nothing else.
    from litecost.store import MIGRATIONS

    runs = [["callbacks_slp.jsonl"],  # the typed reader
            ["bad/malformed.jsonl", "callbacks_minimal.jsonl", "spendlogs_v1110.csv.gz", "spendlogs_list.json",
             "spendlogs_v2_page.json", "spendlogs.parquet"]]
    for layouts in runs:
        store = Store.open(tmp_path / "clean.duckdb")
        try:
            ingest(store, detect_files([str(DATA / name) for name in layouts]))
        finally:
            store.close()
        with Store.open(tmp_path / "clean.duckdb", read_only=True) as fresh:
            assert "lc_read_rejects" not in fresh.table_counts(), layouts
    with Store.open(tmp_path / "clean.duckdb", read_only=True) as fresh:
        tables = set(fresh.table_counts())
    created = {word for _, _, statements in MIGRATIONS for sql in statements
               for word in sql.split() if word.islower() and word.isidentifier()}
    assert tables == {"_litecost_migrations"} | (tables & created)
    assert "lc_read_rejects" not in tables and "calls" in tables


def test_a_refusal_whose_message_cuts_a_character_is_still_a_refusal(tmp_path):
    # DuckDB quotes the refused line in its error and cut it inside "\u0080" here; the
    # Python binding then raises UnicodeDecodeError instead of a DuckDB error. Found by
    # the fuzz test in test_guarantees.py.
    path = tmp_path / "cut.jsonl"
    path.write_text('{"startTime": null, "id": null}\n[null, {"A": {"": null, "AAAAAAAAAAAA": "0\\u001f\\u001f\\u0080"}}]\n'
                    + json.dumps(slp("anchor")) + "\n")
    readers, counts, tables = _ingest(tmp_path, "cut", [path], typed=True)
    assert readers == ["general"]
    assert (counts[0]["rows_read"], counts[0]["rejected"]) == (3, 2)
    assert [row[2] for row in tables["rejects"]] == [1, 2]


@given(st.lists(st.binary(max_size=3000).map(lambda b: b.replace(b"\r", b"\n")), max_size=12))
def test_newline_counter_counts_every_newline_whichever_way_it_counts(blocks):
    # Long-line blocks switch the counter to jumping from newline to newline, short-line
    # ones back to counting bytes: the total is the same either way.
    counter = NewlineCounter()
    for block in blocks:
        counter.feed(block)
    assert counter.lines == sum(block.count(b"\n") for block in blocks)


@given(st.lists(st.tuples(st.binary(max_size=3000), st.binary(max_size=40), st.binary(max_size=40)), max_size=8))
def test_newline_counter_counts_only_within_the_bounds_it_is_given(blocks):
    # The digest counts lines in place in its buffer, by bounds: bytes outside them
    # (the buffer's padding to a page, an earlier longer block) must not count.
    counter = NewlineCounter()
    for body, before, after in blocks:
        counter.feed(bytearray(before + body + after), len(before), len(before) + len(body))
    assert counter.lines == sum(body.count(b"\n") for body, _, _ in blocks)


def test_newline_counter_on_long_and_short_lines():
    counter = NewlineCounter()
    long_lines = (b"x" * 5000 + b"\n") * 40
    short_lines = b"y\n" * 3000
    for block in (long_lines, long_lines, short_lines, long_lines, b"", b"\n"):
        counter.feed(block)
    assert counter.lines == 40 * 3 + 3000 + 1


@given(st.binary(max_size=400).map(lambda b: b.replace(b"\r", b"\n")), st.integers(min_value=1, max_value=64))
def test_digest_is_the_same_whatever_the_block_size(text, block_bytes):
    # One buffer is reused from block to block; the last block is short. Neither may
    # change the hash or the count, plain or gzipped.
    import tempfile

    from blake3 import blake3

    from litecost import files

    with tempfile.TemporaryDirectory() as folder:
        plain, packed = Path(folder) / "f.jsonl", Path(folder) / "f.jsonl.gz"
        plain.write_bytes(text)
        packed.write_bytes(gzip.compress(text))
        lines = text.count(b"\n") + (bool(text) and not text.endswith(b"\n"))
        saved = files.DIGEST_BLOCK_BYTES
        files.DIGEST_BLOCK_BYTES = block_bytes
        try:
            assert digest_of(plain) == files.Digest(blake3(text).hexdigest(), lines)
            assert digest_of(packed, compressed=True).lines == lines
        finally:
            files.DIGEST_BLOCK_BYTES = saved


_SPACES = " \t\n\u00a0\u1680\u2000\u2007\u200a\u202f\u205f\u3000"


@given(st.text(alphabet=st.sampled_from(_SPACES) | st.characters(blacklist_categories=("Cs",)), max_size=12))
def test_a_text_field_is_trimmed_exactly_as_duckdb_trims_it(text):
    # Only values that start or end with a space or hold a non-ASCII character are
    # trimmed at all: the shortcut must give what trimming every value gives.
    import duckdb

    from litecost.sources.readers import json_value_text

    fast, full = duckdb.execute(f"SELECT {json_value_text('$v')}, NULLIF(trim($v), '')", {"v": text}).fetchone()
    assert fast == full


def test_usage_comes_from_the_first_usage_object_present_in_both_readers(tmp_path):
    # The typed read keeps no copy of a usage object, only its members: whether it is
    # there at all still decides which object the counts come from, as in the general read.
    usage = {"prompt_tokens_details": {"cached_tokens": 5000}}

    def record(request_id: str, metadata_usage, **top) -> dict:
        rec = slp(request_id, **{"hidden_params": {"usage_object": None}, **top})
        rec["metadata"] = {**rec["metadata"], "usage_object": metadata_usage}
        return rec

    path = tmp_path / "usage.jsonl"
    write_jsonl(path, [
        record("empty-object", {}, usage=usage),  # present, if empty: `usage` is not read
        record("no-object", None, usage=usage),  # absent: `usage` is
        record("hidden", None, hidden_params={"usage_object": {"cache_read_input_tokens": 7000}}),
        record("both", {"prompt_tokens_details": {"cached_tokens": 3000}},
               hidden_params={"usage_object": {"prompt_tokens_details": {"cached_tokens": 9000, "text_tokens": 10}}}),
    ])
    typed_readers, _, typed = _ingest(tmp_path, "typed", [path], typed=True)
    _, _, general = _ingest(tmp_path, "general", [path], typed=False)
    assert typed_readers == ["typed"]
    assert typed["calls"] == general["calls"]
    store = Store.open(tmp_path / "typed.duckdb")
    try:
        got = dict(store.con.execute("SELECT request_id, cache_read_tokens FROM calls").fetchall())
    finally:
        store.close()
    assert got == {"empty-object": 0, "no-object": 5000, "hidden": 7000, "both": 3000}


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from(' {}[]"a'), max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@given(_JSON_VALUES, st.sampled_from(["", " ", "\n  "]))
def test_an_object_is_told_by_its_first_character_as_duckdb_writes_it(value, space):
    # JSON values reach object_json as DuckDB's readers write them: an object, and only
    # an object, starts with `{` there, whatever spaces the file had.
    import duckdb

    from litecost.sources.readers import object_json

    document = "{" + space + '"v":' + space + json.dumps(value, indent=1 if space else None) + space + "}"
    kept, kind = duckdb.execute(
        f"SELECT {object_json('v')} IS NOT NULL, json_type(v) FROM (SELECT json_extract($d, '$.v') AS v)",
        {"d": document},
    ).fetchone()
    assert kept == (kind == "OBJECT")
