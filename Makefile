# Two commands set everything up on a fresh machine:
#   make demo   - create .venv, install litecost, ingest the sample month, print a report
#   make test   - create .venv, install litecost with test extras, run the test suite (slow tests: make test-all)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_DB ?= demo.duckdb

.PHONY: demo test test-all install browser focus-validator litellm-venv clean sample-data parity-corpus

$(BIN)/litecost: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(BIN)/litecost

demo: install
	$(BIN)/litecost --db $(DEMO_DB) demo

# Two workers, one test file each at a time (module fixtures are built once per file).
PYTEST := $(BIN)/python -m pytest -q -n 2 --dist loadfile

test: install
	$(PYTEST) -m "not slow"

# Everything, with the slow crash rounds, fuzzers, wheel install and the close page in a
# headless browser: what CI runs.
test-all: install browser focus-validator litellm-venv
	$(PYTEST)

# The FinOps Foundation's focus-validator 2.2.1, in a venv of its own (it needs a patch to
# run on Python 3.11 and pins numpy<2): tests/focus_validator.py says why and how.
FOCUS_VENV ?= $(VENV)-focus
focus-validator: $(FOCUS_VENV)/bin/focus-validator
$(FOCUS_VENV)/bin/focus-validator: tests/focus_validator.py
	rm -rf $(FOCUS_VENV)
	$(PYTHON) tests/focus_validator.py $(FOCUS_VENV)

# The headless browser the close page's test opens it in: Debian's chromium (apt, as root).
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null \
		|| DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
		|| (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null)

sample-data:
	$(PYTHON) sample_data/generate.py
	$(PYTHON) sample_data/generate.py --fixtures tests/data

# Regenerate tests/data/litellm_parity when the price-map snapshot changes: LiteLLM 1.110.2
# prices one call per key and usage profile in a venv of its own (~3 minutes).
LITELLM_VENV ?= $(VENV)-litellm
# LiteLLM itself, for the tests of the callback logger (litecost never needs it), with what its
# proxy imports (litellm[proxy] wants litellm-proxy, which the package index does not have).
LITELLM_PROXY_DEPS = fastapi uvicorn uvloop websockets backoff redis apscheduler semver expression fastapi-sso mcp soundfile
litellm-venv: $(LITELLM_VENV)/.ready-proxy
$(LITELLM_VENV)/.ready-proxy:
	$(PYTHON) -m venv $(LITELLM_VENV)
	$(LITELLM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check litellm==1.110.2 cryptography orjson $(LITELLM_PROXY_DEPS)
	@touch $@

parity-corpus:
	$(PYTHON) -m venv $(LITELLM_VENV)
	$(LITELLM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check litellm==1.110.2 cryptography
	$(LITELLM_VENV)/bin/python tests/data/litellm_parity/generate.py

clean:
	rm -rf $(VENV) $(VENV)-litellm $(DEMO_DB) $(DEMO_DB).wal .pytest_cache
