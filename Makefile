# Two commands set everything up on a fresh machine:
#   make demo   - create .venv, install litecost, ingest the sample month, print a report
#   make test   - create .venv, install litecost with test extras, run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_DB ?= demo.duckdb
INVOICES := $(addprefix sample_data/invoices/,openai_costs_2026-10.csv anthropic_cost_report_2026-10.json \
	anthropic_usage_report_2026-10.json azure_actualcost_2026-10.csv aws_cur2_bedrock_2026-10.csv gcp_billing_2026-10.csv)

.PHONY: demo test install clean sample-data

$(BIN)/litecost: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(BIN)/litecost

demo: install
	@rm -f $(DEMO_DB) $(DEMO_DB).wal
	$(BIN)/litecost --db $(DEMO_DB) ingest sample_data/spendlogs_2026-10.csv
	@echo "# the same month again, as callback JSON lines: every call is a duplicate"
	$(BIN)/litecost --db $(DEMO_DB) ingest sample_data/callbacks_2026-10.jsonl
	$(BIN)/litecost --db $(DEMO_DB) db info
	$(BIN)/litecost --db $(DEMO_DB) report --by team --period 2026-10 --format table
	$(BIN)/litecost --db $(DEMO_DB) report --by tag --period 2026-10 --top 8 --format table
	$(BIN)/litecost --db $(DEMO_DB) pricing diff --period 2026-10 --top 5
	$(BIN)/litecost --db $(DEMO_DB) reconcile $(INVOICES) --format table

test: install
	$(BIN)/python -m pytest -q

sample-data:
	$(PYTHON) sample_data/generate.py
	$(PYTHON) sample_data/generate.py --fixtures tests/data

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB).wal .pytest_cache
