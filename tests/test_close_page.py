"""The close package's index.html in a real headless browser (Debian's chromium over the
DevTools protocol): it renders its five charts, makes no network request and logs no
console error; the screenshot in the README is the one this test takes
(`LITECOST_UPDATE_GOLDEN=1` writes it to sample_data/close-2026-10.png)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecost.cli.main import app
from tests.browser import open_page

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).parent.parent / "sample_data"
BILLS = sorted((SAMPLE / "invoices").glob("*_2026-10.*"))
SCREENSHOT = SAMPLE / "close-2026-10.png"

CHART_WIDTHS = "[...document.querySelectorAll('figure svg')].map(s => Math.round(s.getBoundingClientRect().width))"
CHART_MARKS = "document.querySelectorAll('figure svg path').length"
FIGURES = "[...document.querySelectorAll('figure')].map(f => f.id)"
DUPLICATE_IDS = "(() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id); return ids.length - new Set(ids).size })()"
OUTSIDE = "document.images.length + document.scripts.length + document.querySelectorAll('link, iframe, object').length"


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("page")
    db = root / "sample.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(db), "ingest", str(SAMPLE / "spendlogs_2026-10.csv")]).exit_code == 0
    run = runner.invoke(app, ["--db", str(db), "close", "--period", "2026-10", *map(str, BILLS), "-o", str(root / "close")])
    assert run.exit_code == 0, run.stderr
    return root / "close" / "index.html"


def test_the_page_renders_its_charts_offline_without_errors(page):
    visit = open_page(page.as_uri(), expressions=(CHART_WIDTHS, CHART_MARKS, FIGURES, OUTSIDE, DUPLICATE_IDS))
    assert visit.requests == [page.as_uri()]  # the page itself, nothing else
    assert visit.console_errors == []
    assert visit.values[FIGURES] == ["daily", "waterfall", "by-team", "by-tag", "discrepancies"]
    assert all(width > 300 for width in visit.values[CHART_WIDTHS]), visit.values[CHART_WIDTHS]
    assert visit.values[CHART_MARKS] > 150  # bars, axes and ticks drawn, not empty frames
    assert visit.values[OUTSIDE] == 0
    assert visit.values[DUPLICATE_IDS] == 0  # five inline SVGs, no id shared between them

    from PIL import Image

    image = Image.open(io.BytesIO(visit.screenshot)).convert("L")
    assert image.size == (1280, 1800)
    inked = sum(image.histogram()[:200])
    assert inked > 0.03 * image.size[0] * image.size[1]  # text and charts, not a blank page
    if os.environ.get("LITECOST_UPDATE_GOLDEN"):
        SCREENSHOT.write_bytes(visit.screenshot)
    assert SCREENSHOT.exists(), "no README screenshot: run with LITECOST_UPDATE_GOLDEN=1"


def test_the_browser_harness_sees_requests_and_errors(tmp_path):
    """The checks above can fail: a page that fetches an image and logs an error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><img src="http://127.0.0.1:9/x.png"><script>console.error("broken chart")</script>')
    visit = open_page(bad.as_uri())
    assert "http://127.0.0.1:9/x.png" in visit.requests
    assert any("broken chart" in text for text in visit.console_errors)
