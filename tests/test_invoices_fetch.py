"""`litecost invoices fetch openai`: the Costs API read through real sockets from a loopback
server that pages recorded, real-shaped buckets with cursors, as the API does."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from conftest import assert_one_line_error
from loopback import LoopbackJson

BILLING = Path(__file__).parent / "data" / "billing"
KEY = "sk-admin-test-key-000111"
ANTHROPIC_KEY = "sk-ant-admin01-test-key-000222"


class BillingApi(LoopbackJson):
    """A provider's admin API over recorded buckets: each report's path serves its buckets
    whose start is in the asked window, at most `per_page` a page (fewer than `limit` is
    the server's right), cursors `next_page`; a key other than `KEY` is refused (401)."""

    def __init__(self, routes: dict[str, list[dict]], per_page: int = 1) -> None:
        super().__init__()
        self.routes, self.per_page = routes, per_page
        self.base_url = self.origin

    def authorized(self, headers) -> bool:  # noqa: ANN001
        raise NotImplementedError

    def window(self, query: dict[str, list[str]]) -> tuple[float, float]:
        raise NotImplementedError

    def start_of(self, bucket: dict) -> float:
        raise NotImplementedError

    def handle(self, handler, path: str, query: dict[str, list[str]], fault) -> None:  # noqa: ANN001
        if path not in self.routes:
            return self.send(handler, 404, {"error": {"message": "not found"}})
        if not self.authorized(handler.headers):
            return self.send(handler, 401, {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error"}})
        if fault is not None:
            return self.send_fault(handler, fault)
        start, end = self.window(query)
        inside = [b for b in self.routes[path] if start <= self.start_of(b) < end]
        first = int(query.get("page", ["page_0"])[0].removeprefix("page_"))
        page = inside[first:first + min(self.per_page, int(query.get("limit", [7])[0]))]
        more = first + len(page) < len(inside)
        self.send(handler, 200, {"object": "page", "data": page, "has_more": more,
                                 "next_page": f"page_{first + len(page)}" if more else None})


class OpenAiApi(BillingApi):
    def authorized(self, headers) -> bool:  # noqa: ANN001
        return headers.get("Authorization") == f"Bearer {KEY}"

    def window(self, query):  # noqa: ANN001, ANN201
        return int(query["start_time"][0]), int(query.get("end_time", [2**62])[0])

    def start_of(self, bucket: dict) -> float:
        return bucket["start_time"]


def _instant(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class AnthropicApi(BillingApi):
    def authorized(self, headers) -> bool:  # noqa: ANN001
        return headers.get("x-api-key") == ANTHROPIC_KEY and headers.get("anthropic-version") == "2023-06-01"

    def window(self, query):  # noqa: ANN001, ANN201
        return _instant(query["starting_at"][0]), _instant(query.get("ending_at", ["2999-01-01T00:00:00Z"])[0])

    def start_of(self, bucket: dict) -> float:
        return _instant(bucket["starting_at"])


# One day of embeddings usage, shaped as the Usage API's embeddings endpoint answers.
EMBEDDINGS = {"object": "bucket", "start_time": 1748822400, "end_time": 1748908800, "results": [
    {"object": "organization.usage.embeddings.result", "input_tokens": 5000000, "num_model_requests": 1200,
     "project_id": "proj_Q7mK2xL9aTzR4vB1", "user_id": None, "api_key_id": None, "model": "text-embedding-3-small"}]}


def buckets(name: str) -> list[dict]:
    """The buckets of a recorded page, or of a list of pages."""
    doc = json.loads((BILLING / name).read_text())
    return [bucket for page in (doc if isinstance(doc, list) else [doc]) for bucket in page["data"]]


@pytest.fixture
def api(monkeypatch):
    server = OpenAiApi({"/v1/organization/costs": buckets("openai_costs_api_extra_pages.json"),
                        "/v1/organization/usage/completions": buckets("openai_usage_completions_api_synthetic.json"),
                        "/v1/organization/usage/embeddings": [EMBEDDINGS]})
    monkeypatch.setenv("OPENAI_ADMIN_KEY", KEY)
    yield server
    server.close()


@pytest.fixture
def anthropic(monkeypatch):
    server = AnthropicApi({"/v1/organizations/cost_report": buckets("anthropic_cost_report_synthetic.json"),
                           "/v1/organizations/usage_report/messages": buckets("anthropic_usage_report_synthetic.json")})
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)
    yield server
    server.close()


def lines(db: Path) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * EXCLUDE (invoice_file_id) FROM invoice_lines ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_fetched_pages_import_as_the_same_export_does(cli, db, api, tmp_path):
    done = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path / "bills",
               "--base-url", api.base_url, "--format", "json")
    assert done.exit_code == 0, done.stderr
    imported, usage, embeddings = json.loads(done.stdout)["files"]
    assert imported["layout"] == "openai_costs_json" and str(imported["total_amount"]) == "9.49"
    assert usage["layout"] == embeddings["layout"] == "openai_usage_json" and usage["lines"] > 0
    assert embeddings["rows_read"] == 1
    costs = [q for q, path in zip(api.requests, api.paths) if path == "/v1/organization/costs"]
    assert len(costs) == 2 and costs[1]["page"] == ["page_1"]  # two pages, by cursor
    first = costs[0]
    assert first["start_time"] == ["1748736000"] and first["end_time"] == ["1751328000"]  # June 2025, UTC
    assert first["bucket_width"] == ["1d"] and first["group_by"] == ["line_item", "project_id"]
    [completions] = [q for q, path in zip(api.requests, api.paths) if path == "/v1/organization/usage/completions"]
    assert completions["group_by"] == ["model", "project_id", "batch", "service_tier"]
    saved = tmp_path / "bills" / "openai-costs-2025-06.json"
    sidecar = json.loads((tmp_path / "bills" / "openai-costs-2025-06.fetch.json").read_text())
    assert sidecar["pages"] == 2 and sidecar["params"]["start_time"] == 1748736000
    assert KEY not in saved.read_text() + json.dumps(sidecar) + done.stderr

    direct = tmp_path / "direct.duckdb"
    assert cli("--db", direct, "invoices", "import", BILLING / "openai_costs_api_extra_pages.json",
               BILLING / "openai_usage_completions_api_synthetic.json", use_db=False).exit_code == 0
    fetched = lines(db)
    embedded = [line for line in fetched if "text-embedding-3-small" in line]
    assert [line for line in fetched if line not in embedded] == lines(direct) and len(embedded) == embeddings["lines"]


def test_429_and_a_500_are_retried(cli, api, tmp_path):
    api.faults[:] = [(429, "1"), (500, None)]
    done = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url)
    assert done.exit_code == 0, done.stderr
    pages = 2 + len(buckets("openai_usage_completions_api_synthetic.json")) + 1
    assert len(api.requests) == pages + 2 and f"{pages} page(s) fetched in {pages + 2} request(s)" in done.stderr


@pytest.mark.parametrize("provider, server, variable, wrong_key", [
    ("openai", "api", "OPENAI_ADMIN_KEY", "sk-proj-not-an-admin-key"),
    ("anthropic", "anthropic", "ANTHROPIC_ADMIN_KEY", "sk-ant-api03-not-an-admin-key"),
])
def test_a_refused_key_is_exit_2_names_the_admin_key_and_saves_nothing(db, tmp_path, request, provider, server,
                                                                        variable, wrong_key):
    base_url = request.getfixturevalue(server).base_url
    done = subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), "invoices", "fetch", provider,
                           "--period", "2025-06", "--dir", str(tmp_path / "bills"), "--base-url", base_url],
                          capture_output=True, text=True, timeout=60, env={**__import__("os").environ, variable: wrong_key})
    assert_one_line_error(done, 2, "refused the key", "HTTP 401", variable, "admin key")
    assert wrong_key[:11] not in done.stderr and not (tmp_path / "bills").exists() and not db.exists()


def test_no_key_is_a_usage_error(cli, api, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_ADMIN_KEY")
    done = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url)
    assert done.exit_code == 2 and "OPENAI_ADMIN_KEY" in done.stderr and not api.requests


def test_an_empty_period_is_fetched_and_imported_as_no_lines(cli, api, tmp_path):
    done = cli("invoices", "fetch", "openai", "--period", "2025-07", "--dir", tmp_path, "--base-url", api.base_url,
               "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert [(f["rows_read"], f["lines"]) for f in json.loads(done.stdout)["files"]] == [(0, 0)] * 3
    assert (tmp_path / "openai-costs-2025-07.json").is_file() and len(api.requests) == 3


def test_a_later_fetch_of_the_period_supersedes_the_earlier(cli, api, tmp_path):
    everything = api.routes["/v1/organization/costs"]
    api.routes["/v1/organization/costs"] = everything[:1]  # mid-month: the first day billed so far
    first = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url,
                "--format", "json")
    api.routes["/v1/organization/costs"] = everything
    second = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url,
                 "--format", "json")
    assert first.exit_code == second.exit_code == 0, second.stderr
    earlier, later = json.loads(first.stdout)["files"][0], json.loads(second.stdout)["files"][0]
    assert later["supersedes"] == [earlier["invoice_file_id"]] and str(later["total_amount"]) == "9.49"
    listed = cli("invoices", "list", "--format", "json").stdout
    shown = [f["invoice_file_id"] for f in json.loads(listed)["invoice_files"]]
    assert later["invoice_file_id"] in shown and earlier["invoice_file_id"] not in shown
    assert json.loads(second.stdout)["files"][1]["status"] != "imported"  # the usage, unchanged, kept once


def test_anthropic_reports_import_as_their_exports_do(cli, db, anthropic, tmp_path):
    done = cli("invoices", "fetch", "anthropic", "--period", "2025-06", "--dir", tmp_path / "bills",
               "--base-url", anthropic.base_url, "--format", "json")
    assert done.exit_code == 0, done.stderr
    cost, usage = json.loads(done.stdout)["files"]
    assert (cost["layout"], usage["layout"]) == ("anthropic_cost_report_json", "anthropic_usage_report_json")
    assert str(cost["total_amount"]) == "29.525"  # cents → dollars
    [asked] = {(q["starting_at"][0], q["ending_at"][0], q["bucket_width"][0]) for q in anthropic.requests}
    assert asked == ("2025-06-01T00:00:00Z", "2025-07-01T00:00:00Z", "1d")
    by_path = dict(zip(anthropic.paths, anthropic.requests))
    assert by_path["/v1/organizations/cost_report"]["group_by[]"] == ["workspace_id", "description"]
    assert "model" in by_path["/v1/organizations/usage_report/messages"]["group_by[]"]
    assert all(h.get("anthropic-version") == "2023-06-01" for h in anthropic.headers)
    saved = sorted(p.name for p in (tmp_path / "bills").iterdir())
    assert saved == ["anthropic-cost-report-2025-06.fetch.json", "anthropic-cost-report-2025-06.json",
                     "anthropic-usage-messages-2025-06.fetch.json", "anthropic-usage-messages-2025-06.json"]
    assert ANTHROPIC_KEY not in "".join(p.read_text() for p in (tmp_path / "bills").iterdir()) + done.stderr

    direct = tmp_path / "direct.duckdb"
    assert cli("--db", direct, "invoices", "import", BILLING / "anthropic_cost_report_synthetic.json",
               BILLING / "anthropic_usage_report_synthetic.json", use_db=False).exit_code == 0
    assert lines(db) == lines(direct) and len(lines(db)) == cost["lines"] + usage["lines"]


def test_a_bucket_crossing_the_period_edge_is_imported_whole_and_said(cli, db, api, tmp_path):
    # 2025-06-30 12:00 → 2025-07-01 12:00: the server answered a bucket half in July.
    crossing = {"object": "bucket", "start_time": 1751284800, "end_time": 1751371200, "results": [
        {"object": "organization.costs.result", "amount": {"value": 2.5, "currency": "usd"},
         "line_item": "gpt-4o-mini-2024-07-18, input", "project_id": "proj_edge", "quantity": 1000, "quantity_unit": "tokens"}]}
    api.routes["/v1/organization/costs"] = [*api.routes["/v1/organization/costs"], crossing]
    done = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url,
               "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert ("openai costs: a bucket crosses the period's edge (2025-06-30 12:00 → 2025-07-01 12:00 UTC): it is imported"
            " whole") in done.stderr
    costs = json.loads(done.stdout)["files"][0]
    assert str(costs["total_amount"]) == "11.99" and costs["period_end"].startswith("2025-07-01T12:00:00")
    saved = json.loads((tmp_path / "openai-costs-2025-06.json").read_text())
    assert crossing in [bucket for page in saved for bucket in page["data"]]  # saved as it came


def test_hourly_usage_and_an_extra_grouping_go_where_the_report_takes_them(cli, api, anthropic, tmp_path):
    done = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url,
               "--bucket", "1h", "--group-by", "api_key_id", "--group-by", "user_id")
    assert done.exit_code == 0, done.stderr
    asked = dict(zip(api.paths, api.requests))
    costs, usage = asked["/v1/organization/costs"], asked["/v1/organization/usage/completions"]
    assert (costs["bucket_width"], costs["limit"], costs["group_by"]) == (["1d"], ["31"], ["line_item", "project_id", "api_key_id"])
    assert (usage["bucket_width"], usage["limit"]) == (["1h"], ["168"])  # a week of hours a page
    assert usage["group_by"] == ["model", "project_id", "batch", "service_tier", "api_key_id", "user_id"]
    sidecar = json.loads((tmp_path / "openai-usage-completions-2025-06.fetch.json").read_text())
    assert sidecar["params"]["bucket_width"] == "1h" and "user_id" in sidecar["params"]["group_by"]

    done = cli("invoices", "fetch", "anthropic", "--period", "2025-06", "--dir", tmp_path, "--base-url",
               anthropic.base_url, "--group-by", "api_key_id")
    assert done.exit_code == 0, done.stderr
    asked = dict(zip(anthropic.paths, anthropic.requests))
    assert asked["/v1/organizations/cost_report"]["group_by[]"] == ["workspace_id", "description"]
    assert asked["/v1/organizations/usage_report/messages"]["group_by[]"][-1] == "api_key_id"


def test_a_grouping_no_report_takes_is_a_usage_error_before_any_request(cli, api, tmp_path):
    done = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--base-url", api.base_url,
               "--group-by", "workspace_id")
    assert done.exit_code == 2 and "--group-by 'workspace_id'" in done.stderr and "api_key_id" in done.stderr
    assert not api.requests
    done = cli("invoices", "fetch", "openai", "--period", "2025-06", "--dir", tmp_path, "--bucket", "1m")
    assert done.exit_code == 2 and not api.requests


class NestedAnswer(OpenAiApi):
    """Answers every request with JSON nested deeper than Python's parser goes."""

    def handle(self, handler, path: str, query: dict[str, list[str]], fault) -> None:  # noqa: ANN001
        data = b"[" * 100_000 + b"]" * 100_000
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def test_an_answer_nested_too_deep_is_a_one_line_error_not_an_internal_one(db, tmp_path, monkeypatch):
    server = NestedAnswer({})
    try:
        done = subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), "invoices", "fetch", "openai",
                               "--period", "2025-06", "--dir", str(tmp_path / "bills"), "--base-url", server.base_url],
                              capture_output=True, text=True, timeout=60, env={**__import__("os").environ, "OPENAI_ADMIN_KEY": KEY})
    finally:
        server.close()
    assert_one_line_error(done, 3, "is not a page of buckets")
    assert not (tmp_path / "bills").exists() and not db.exists()
