"""The memory bound: LITECOST_MEMORY_LIMIT, its default from the machine, the temp dir."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import slp, write_jsonl
from litecost import memory
from litecost.errors import ExitCode, UsageError
from litecost.memory import GIB, MIB, memory_settings, parse_memory_size


@pytest.mark.parametrize(("text", "expected"), [
    ("2GB", 2 * 10**9), ("512MiB", 512 * MIB), ("1.5GiB", int(1.5 * GIB)), ("300 MB", 300 * 10**6),
    ("4g", 4 * GIB), ("1073741824", GIB), ("25%", 4 * GIB),
])
def test_sizes_in_the_units_people_write(text, expected):
    assert parse_memory_size(text, machine=16 * GIB) == expected


@given(st.text(max_size=12))
def test_any_text_is_a_size_or_a_value_error(text):
    try:
        assert parse_memory_size(text, machine=8 * GIB) >= 0
    except ValueError as exc:
        assert str(exc)


@pytest.mark.parametrize(("machine", "expected"), [
    (24 * GIB, 4 * GIB),  # a quarter, at most 4 GiB
    (8 * GIB, 2 * GIB),
    (512 * MIB, 256 * MIB),  # at least 256 MiB
])
def test_the_default_is_a_quarter_of_the_machine_within_bounds(monkeypatch, machine, expected):
    monkeypatch.setattr(memory, "machine_memory_bytes", lambda: machine)
    settings = memory_settings()
    assert settings.limit_bytes == expected
    assert settings.origin.startswith("default: a quarter of")
    assert settings.temp_dir is None


def test_a_container_limit_below_the_machine_is_the_machine(monkeypatch, tmp_path):
    cgroup = tmp_path / "memory.max"
    cgroup.write_text(f"{2 * GIB}\n")
    monkeypatch.setattr(memory, "_CGROUP_LIMITS", (str(cgroup),))
    assert memory.machine_memory_bytes() == 2 * GIB
    cgroup.write_text("max\n")
    assert memory.machine_memory_bytes() > 2 * GIB


def test_the_environment_sets_limit_and_temp_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("LITECOST_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("LITECOST_TEMP_DIR", str(tmp_path / "spill"))
    settings = memory_settings()
    assert (settings.limit_bytes, settings.temp_dir) == (300 * 10**6, tmp_path / "spill")
    assert settings.duckdb_limit == f"{300 * 10**6 // 1024}KiB"
    # The readers' buffers come out of the limit: a small limit reads shorter records.
    assert settings.max_record_bytes == 300 * 10**6 // 16
    monkeypatch.setenv("LITECOST_MEMORY_LIMIT", "64GB")
    assert memory_settings().max_record_bytes == 64 * MIB


@pytest.mark.parametrize("value", ["lots", "-1GB", "0%", "150%", "1MB"])
def test_a_bad_limit_is_a_usage_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("LITECOST_MEMORY_LIMIT", value)
    with pytest.raises(UsageError) as caught:
        memory_settings()
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.one_line().startswith(f"LITECOST_MEMORY_LIMIT={value!r}")


def test_a_bad_limit_stops_any_command_before_it_opens_the_database(cli, db, monkeypatch, tmp_path):
    path = write_jsonl(tmp_path / "cb.jsonl", [slp("chatcmpl-1")])
    monkeypatch.setenv("LITECOST_MEMORY_LIMIT", "lots")
    run = cli("ingest", path)
    assert run.exit_code == 2
    assert "LITECOST_MEMORY_LIMIT='lots'" in run.stderr
    assert not db.exists()


def test_db_info_states_the_bound_in_force(cli, db, monkeypatch, tmp_path):
    assert cli("ingest", write_jsonl(tmp_path / "cb.jsonl", [slp("chatcmpl-1")])).exit_code == 0
    monkeypatch.setenv("LITECOST_MEMORY_LIMIT", "2GB")
    doc = cli("db", "info", "--format", "json").json()
    assert (doc["memory_limit_bytes"], doc["memory_limit_origin"]) == (2 * 10**9, "LITECOST_MEMORY_LIMIT=2GB")
    assert doc["temp_directory"] == str(db) + ".tmp"
    monkeypatch.setenv("LITECOST_TEMP_DIR", str(tmp_path / "spill"))
    rows = cli("db", "info", "--format", "csv").stdout.splitlines()
    assert f"temp directory,{tmp_path / 'spill'}" in rows and "memory limit (bytes),2000000000" in rows


def test_only_duckdbs_own_errors_are_read_as_spill_or_memory_problems():
    import duckdb

    from litecost.memory import out_of_memory_error, spill_error

    disk_full = "IO Error: Could not write file \"x.duckdb.tmp/duckdb_temp_storage-0.tmp\": No space left on device"
    assert spill_error(duckdb.IOException(disk_full)).one_line().startswith("cannot spill to DATABASE.tmp")
    # litecost's own writes (an -o file, a price snapshot) say what they could not write.
    assert spill_error(OSError(28, "No space left on device")) is None
    assert spill_error(UsageError("cannot write out.csv: No space left on device")) is None
    assert out_of_memory_error(duckdb.OutOfMemoryException("Out of Memory Error")).exit_code == ExitCode.OUT_OF_MEMORY
    assert out_of_memory_error(MemoryError()) is None
