# The two commands the README opens with: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench campaign clean

# The connector (with the pyairbyte extra) and pyproject.toml's `dev` group, which holds the local
# Fauna and the development tools: Poetry groups are invisible to pip, so scripts/dev_requirements.py
# turns the group into a requirements file.
$(STAMP): pyproject.toml fauna-local/pyproject.toml scripts/dev_requirements.py
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 'tomli; python_version < "3.11"'
	$(BIN)/python scripts/dev_requirements.py > $(VENV)/dev-requirements.txt
	$(BIN)/python -m pip install --quiet -e '.[pyairbyte]' -r $(VENV)/dev-requirements.txt
	touch $(STAMP)

# Start the local Fauna with sample data, then run check, discover, a full and an incremental read.
demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# ruff, mypy (configured in pyproject.toml) and pylint's duplicate-code check on the shipped code.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pylint --disable=all --enable=duplicate-code --min-similarity-lines=6 --ignore=tests source_fauna fauna-local/fauna_local

# Lint, then every test suite: the local Fauna's conformance suite, the connector's unit and
# integration tests, and the CDK's standard suites (airbyte-cdk connector test).
test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The reliability campaign (not part of `make test`): every fault kind, connector kills with resumes from the
# last state, node kills during writes; prints what was lost, repeated and leaked. Flags: CAMPAIGN_ARGS="--help".
campaign: $(STAMP)
	$(BIN)/python -m reliability $(CAMPAIGN_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .tmp build dist
