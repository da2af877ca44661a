"""`litecost close` on the sample month: the package's files against golden files, the
chargeback sums against the bills, determinism, replacing only an earlier close, and
`--verify` catching a changed, missing or added file."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecost.cli.main import app
from tests.test_chargeback import assert_one_line_error, bills

SAMPLE = Path(__file__).parent.parent / "sample_data"
BILLS = sorted((SAMPLE / "invoices").glob("*_2026-10.*"))
GOLDEN = Path(__file__).parent / "data" / "golden" / "close"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("close") / "sample.duckdb"
    run = CliRunner().invoke(app, ["--db", str(path), "ingest", str(SAMPLE / "spendlogs_2026-10.csv")])
    assert run.exit_code == 0, run.stderr
    return path


@pytest.fixture(scope="module")
def package(db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("packages") / "close-2026-10"
    close(db, folder)
    return folder


def close(db, folder, *extra, expect=0):
    run = CliRunner().invoke(app, ["--db", str(db), "close", "--period", "2026-10", *map(str, BILLS), "-o", str(folder), *extra])
    assert run.exit_code == expect, run.stderr
    return run


def verify(folder, expect):
    run = CliRunner().invoke(app, ["close", "--verify", str(folder)])
    assert run.exit_code == expect, run.stderr
    return run


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _masked(name: str, text: str) -> str:
    """The page's charts are matplotlib's drawing, which its releases change: the page is
    checked in a browser (test_close_page.py), and its sha256 is masked here."""
    return re.sub(r'"index.html": "[0-9a-f]{64}"', '"index.html": "…"', text) if name == "manifest.json" else text


def test_the_files_are_the_golden_files(package):
    names = sorted(p.name for p in package.iterdir())
    assert names == sorted(["chargeback-tag.csv", "chargeback-team.csv", "discrepancies.csv", "index.html", "manifest.json",
                            "reconciliation.csv", "report.md", "spend-by-day.csv", "unpriced-models.csv"])
    for name in names:
        if name == "index.html":
            continue
        got = _masked(name, (package / name).read_text())
        golden = GOLDEN / name
        if os.environ.get("LITECOST_UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(got)
        assert golden.exists(), f"no golden file close/{name}: run with LITECOST_UPDATE_GOLDEN=1 and review it"
        assert got == _masked(name, golden.read_text()), f"close/{name} differs: if intended, regenerate with LITECOST_UPDATE_GOLDEN=1"


def test_the_chargeback_adds_up_to_the_bills(package, db):
    total = sum(bills(db).values())
    for name, dim in (("chargeback-team.csv", "team"), ("chargeback-tag.csv", "tag")):
        rows = read_csv(package / name)
        assert rows[-1][dim] == "(total)"
        assert sum(Decimal(r["invoice_cost"]) for r in rows[:-1]) == total == Decimal(rows[-1]["invoice_cost"])
    days = read_csv(package / "spend-by-day.csv")
    assert len({r["day"] for r in days}) == 31
    explicit = sum(bills(db, "web_search").values()) + sum(bills(db, "credit").values())
    assert sum(Decimal(r["invoice_cost"]) for r in days) + explicit == total
    manifest = json.loads((package / "manifest.json").read_text())
    assert Decimal(manifest["headline"]["bills"]) == total
    assert {b["file"] for b in manifest["inputs"]["bills"]} == {p.name for p in BILLS}
    assert [i["file"] for i in manifest["inputs"]["ingests"]] == ["spendlogs_2026-10.csv"]
    assert manifest["inputs"]["price_book"][0]["sha256"]


def test_the_same_inputs_give_the_same_bytes_and_replace_an_earlier_close(package, db, tmp_path):
    again = tmp_path / "again"
    run = CliRunner().invoke(app, ["--db", str(db), "close", "--period", "2026-10", *map(str, reversed(BILLS)), "-o", str(again)])
    assert run.exit_code == 0, run.stderr  # the bills named in another order: the same package
    assert {p.name: p.read_bytes() for p in again.iterdir()} == {p.name: p.read_bytes() for p in package.iterdir()}
    (again / "report.md").write_text("an old close")
    close(db, again)
    assert (again / "report.md").read_bytes() == (package / "report.md").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again"]  # nothing staged is left behind


def test_a_folder_that_is_no_close_is_refused_and_left_alone(db, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    run = close(db, folder, expect=2)
    assert_one_line_error(run, 2, "not empty", "manifest.json")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_verify_catches_a_changed_missing_or_added_file(package, tmp_path):
    assert "all 8 files match" in verify(package, 0).stderr
    copy = tmp_path / "copy"
    shutil.copytree(package, copy)
    text = (copy / "chargeback-team.csv").read_text()
    (copy / "chargeback-team.csv").write_text(text.replace("Platform", "Platf0rm"))
    (copy / "unpriced-models.csv").unlink()
    (copy / "extra.csv").write_text("x\n")
    run = verify(copy, 1)
    assert "chargeback-team.csv: changed since the close" in run.stderr
    assert "unpriced-models.csv: missing" in run.stderr
    assert "extra.csv: not part of the close" in run.stderr
    (copy / "manifest.json").unlink()
    run = verify(copy, 2)
    assert_one_line_error(run, 2, "no manifest.json")


def test_verify_recompute_names_what_changed_since(package, db, tmp_path):
    """--recompute computes the close again from the database: the same inputs give the
    same files; another price book, or more calls in the period, are named with the files
    they change."""
    run = CliRunner().invoke(app, ["--db", str(db), "close", "--verify", str(package), "--recompute"])
    assert run.exit_code == 0, run.stderr
    assert "every file is the same" in run.stderr
    cheaper = tmp_path / "cheaper.yaml"
    cheaper.write_text("unit: usd_per_1m_tokens\nmodels:\n  - model: gpt-4o-mini\n    provider: openai\n"
                       "    prices:\n      input: 0.10\n")
    run = CliRunner().invoke(app, ["--db", str(db), "close", "--verify", str(package), "--recompute", "--pricing", str(cheaper)])
    assert run.exit_code == 1
    assert "price book layer cheaper.yaml was not in the close's price book" in run.stderr
    assert "chargeback-team.csv: computed again from the database, it differs" in run.stderr
    assert "manifest" not in run.stderr
    more = tmp_path / "more.duckdb"
    shutil.copy(db, more)
    callbacks = tmp_path / "late.jsonl"
    lines = (SAMPLE / "callbacks_2026-10.jsonl").read_text().splitlines()[:5]
    callbacks.write_text("\n".join(line.replace('"id": "', '"id": "late-').replace('"request_id": "', '"request_id": "late-')
                                   for line in lines) + "\n")
    assert CliRunner().invoke(app, ["--db", str(more), "ingest", str(callbacks)]).exit_code == 0
    run = CliRunner().invoke(app, ["--db", str(more), "close", "--verify", str(package), "--recompute"])
    assert run.exit_code == 1
    assert "the period's calls come from other ingests than the close's" in run.stderr


def test_recompute_knows_the_logs_of_a_manifest_from_before_blake3():
    from litecost.close import _same_ingests

    now = [{"ingest_id": 1, "file": "a.csv", "kind": "spendlogs", "format": "csv", "blake3": None, "sha256": "9793ae",
            "calls_in_period": 2500}]
    then = [{"ingest_id": 1, "file": "a.csv", "kind": "spendlogs", "format": "csv", "sha256": "9793ae",
             "calls_in_period": 2500}]  # written when the ledger had only sha256
    assert _same_ingests(now, then)
    assert not _same_ingests(now, [{**then[0], "sha256": "0000aa"}])
    assert not _same_ingests(now, [{**then[0], "calls_in_period": 2499}])
    assert not _same_ingests([*now, {**now[0], "ingest_id": 2}], then)
    assert not _same_ingests(now, ["not an entry"])


def test_the_logs_table_names_its_digest_as_the_ledger_has_it():
    from litecost.close import _log_rows

    old = {"ingest_id": 1, "path": "/x/a.csv", "calls_in_period": 3, "blake3": None, "sha256": "9793ae391915d7c360d3"}
    new = {"ingest_id": 2, "path": "/x/b.jsonl", "calls_in_period": 4, "blake3": "8f4f4a4a4937c33daee7", "sha256": None}
    # All from before BLAKE3: the table a close made then had, so it is computed again byte for byte.
    assert _log_rows([old]) == [{"id": 1, "file": "a.csv", "calls": 3, "sha256": "9793ae391915d7c3"}]
    assert _log_rows([new]) == [{"id": 2, "file": "b.jsonl", "calls": 4, "blake3": "8f4f4a4a4937c33d"}]
    assert [r["digest"] for r in _log_rows([old, new])] == ["sha256 9793ae391915d7c3", "blake3 8f4f4a4a4937c33d"]


def test_unpriced_models_are_listed(db, tmp_path):
    from tests.conftest import slp, write_jsonl

    copy = tmp_path / "unpriced.duckdb"
    shutil.copy(db, copy)
    calls = write_jsonl(tmp_path / "mystery.jsonl", [slp("mystery-1", model="acme-llm-9", model_group="acme-llm-9",
                                                         custom_llm_provider="acme")])
    assert CliRunner().invoke(app, ["--db", str(copy), "ingest", str(calls)]).exit_code == 0
    folder = tmp_path / "close"
    close(copy, folder)
    [row] = read_csv(folder / "unpriced-models.csv")
    assert (row["provider"], row["model"], row["calls"]) == ("acme", "acme-llm-9", "1")
    assert "| acme | acme-llm-9 |" in (folder / "report.md").read_text()
    assert json.loads((folder / "manifest.json").read_text())["headline"]["unpriced_calls"] == 1
