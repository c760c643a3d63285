# The two commands the README opens with: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench campaign clean

$(STAMP): pyproject.toml fauna-local/pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e './fauna-local[test]' -e '.[dev,pyairbyte]'
	touch $(STAMP)

# Start the local Fauna with sample data, then run check, discover, a full and an incremental read.
demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# Every test suite: the local Fauna's conformance suite, the connector's unit and integration tests,
# and the CDK's standard suites (airbyte-cdk connector test).
test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The reliability campaign (not part of `make test`): every fault kind, connector kills with resumes from the
# last state, node kills during writes; prints what was lost, repeated and leaked. Flags: CAMPAIGN_ARGS="--help".
campaign: $(STAMP)
	$(BIN)/python -m reliability $(CAMPAIGN_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .tmp build dist
