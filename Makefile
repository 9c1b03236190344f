# The two commands of the README. Both create .venv when needed and install
# the project into it; nothing else is assumed beyond Python 3.11+ and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test test-fast docs bench bench-http clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/dialogvakt packs
	@echo
	$(BIN)/dialogvakt evaluate --format text examples/*.json

test: $(VENV)/.installed
	$(BIN)/python -m pytest

# the tests without those marked slow (wheel build, process restarts, long replays, git revisions)
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not slow"

docs: $(VENV)/.installed
	$(BIN)/dialogvakt trace --format markdown > docs/traceability.md
	$(BIN)/dialogvakt steg > features/README.md
	$(BIN)/python -m engine.authoring.editor_schemas

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_decisions.py

bench-http: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_http.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
