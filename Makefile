# Two commands set everything up on a fresh machine:
#   make demo   - create .venv, install litecost, ingest the sample month, print a report
#   make test   - create .venv, install litecost with test extras, run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_DB ?= demo.duckdb

.PHONY: demo test install clean sample-data

$(BIN)/litecost: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(BIN)/litecost

demo: install
	$(BIN)/litecost --db $(DEMO_DB) demo

test: install
	$(BIN)/python -m pytest -q

sample-data:
	$(PYTHON) sample_data/generate.py
	$(PYTHON) sample_data/generate.py --fixtures tests/data

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB).wal .pytest_cache
