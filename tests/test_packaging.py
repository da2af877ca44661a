"""litecost as users install it: the built wheel in a fresh venv, run from an empty
directory, with the data it needs inside the package and nothing written into it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from litecost.demo import INVOICES, LOGS
from litecost.files import sha256_of
from litecost.pricing.book import PriceBook
from litecost.pricing.litellm_map import snapshot_paths
from litecost.resources import bundled_pricing_dir

ROOT = Path(__file__).resolve().parent.parent
# What a source distribution carries: enough to build the wheel away from the checkout.
SOURCE_PARTS = ("pyproject.toml", "README.md", "litecost", "pricing", "sample_data")


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "litecost").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert on_disk - listed == set()
    assert config["package-dir"] == {"litecost._pricing": "pricing", "litecost._sample": "sample_data"}


def test_the_shipped_snapshot_is_read_through_the_package():
    assert bundled_pricing_dir().samefile(ROOT / "pricing")
    assert snapshot_paths()[0] == bundled_pricing_dir() / "litellm_model_prices.json"


def _small_map() -> dict:
    real = json.loads((bundled_pricing_dir() / "litellm_model_prices.json").read_text())
    small = dict(list(real.items())[:80])
    small["gpt-4o-mini"] = dict(real["gpt-4o-mini"], input_cost_per_token=2e-07)
    return small


def test_sync_writes_to_the_user_data_dir_and_the_book_then_reads_it(cli, tmp_path):
    bundled = {p.name: p.read_bytes() for p in bundled_pricing_dir().iterdir() if p.is_file()}
    source = tmp_path / "downloaded.json"
    source.write_text(json.dumps(_small_map()))

    run = cli("pricing", "sync", "--from-file", source, "--format", "json")

    assert run.exit_code == 0, run.stderr
    synced = Path(os.environ["XDG_DATA_HOME"]) / "litecost"
    assert snapshot_paths() == (synced / "litellm_model_prices.json", synced / "litellm_model_prices.provenance.json")
    assert json.loads(snapshot_paths()[1].read_text())["previous_sha256"] == json.loads(
        bundled["litellm_model_prices.provenance.json"]
    )["sha256"]
    shown = cli("pricing", "show", "gpt-4o-mini", "--format", "json").json()
    assert [r["usd_per_1m_tokens"] for r in shown["prices"] if (r["service_tier"], r["category"]) == ("standard", "input")] == ["0.2"]
    assert {p.name: p.read_bytes() for p in bundled_pricing_dir().iterdir() if p.is_file()} == bundled


def test_sync_into_an_unwritable_data_dir_is_a_one_line_error(cli, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("LITECOST_SNAPSHOT_DIR", str(blocker / "snapshots"))
    source = tmp_path / "downloaded.json"
    source.write_text(json.dumps(_small_map()))

    run = cli("pricing", "sync", "--from-file", source)

    assert run.exit_code == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("litecost: error: cannot create the snapshot directory")
    assert "LITECOST_SNAPSHOT_DIR" in run.stderr
    assert PriceBook.load().layers == ["litellm snapshot 1.110.2"]  # still the shipped one


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the sources and install it, with its dependencies,
    into a fresh venv; returns the venv's `litecost`."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    for part in SOURCE_PARTS:
        origin = ROOT / part
        if origin.is_dir():
            shutil.copytree(origin, source / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / part)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(work / "dist"), str(source)], check=True, capture_output=True)
    (wheel,) = (work / "dist").glob("litecost-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
    subprocess.run([str(work / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
                   check=True, capture_output=True)
    return work / "venv" / "bin" / "litecost"


@pytest.mark.slow
def test_the_installed_wheel_works_from_an_empty_directory(installed_wheel, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(installed_wheel), *args], cwd=empty, env=env, capture_output=True, text=True, timeout=120)

    version = run("--version")
    assert version.returncode == 0 and version.stdout == "litecost 0.1.0\n"
    shown = run("pricing", "show", "gpt-4o-mini", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert {r["layer"] for r in doc["prices"]} == {"litellm snapshot 1.110.2"}
    assert [r["usd_per_1m_tokens"] for r in doc["prices"] if (r["service_tier"], r["category"]) == ("standard", "input")] == ["0.15"]
    # A synced snapshot goes to the user's data directory, never into site-packages.
    source = tmp_path / "downloaded.json"
    source.write_text(json.dumps(_small_map()))
    synced = run("pricing", "sync", "--from-file", str(source))
    assert synced.returncode == 0, synced.stderr
    assert (tmp_path / "home" / ".local" / "share" / "litecost" / "litellm_model_prices.json").is_file()
    site = installed_wheel.parent.parent / "lib"
    assert not [p for p in site.rglob("litellm_model_prices*.json") if "_pricing" not in p.parts]
    assert list(empty.iterdir()) == []

    # The demo runs on the sample month shipped in the wheel: the checkout's files, byte for byte.
    (shipped,) = site.glob("python3*/site-packages/litecost/_sample")
    for name in (*LOGS, *(f"invoices/{bill}" for bill in INVOICES)):
        assert sha256_of(shipped / name) == sha256_of(ROOT / "sample_data" / name), name
    demo = run("demo")
    assert demo.returncode == 0, demo.stderr
    assert "$ litecost --db demo.duckdb reconcile " in demo.stderr
    assert "2,500 │        0 │      2,500" in demo.stdout  # the second ingest: all duplicates
    assert "missing_logs" in demo.stdout and "price_mismatch" in demo.stdout and "category_shift" in demo.stdout
    assert sorted(p.name for p in empty.iterdir()) == ["close-2026-10", "demo.duckdb"]
    assert (empty / "close-2026-10" / "index.html").is_file()
