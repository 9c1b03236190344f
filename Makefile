# The two commands of the README. Both create .venv when needed and install
# the project into it; nothing else is assumed beyond Python 3.11+ and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# pyenv's interpreters, newest first, so that nox finds python3.12 and the like by name
# (pyenv's shims only answer for the selected version); empty where pyenv is not installed.
PYENV_BIN_PATH = $(shell command -v pyenv >/dev/null 2>&1 && root="$$(pyenv root)" && \
	pyenv versions --bare | sort -rV | while read -r v; do \
	[ -d "$$root/versions/$$v/bin" ] && printf '%s:' "$$root/versions/$$v/bin"; done)

.PHONY: run test test-fast test-pythons fuzz docs screenshots bench bench-peers bench-http clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/dialogvakt packs
	@echo
	$(BIN)/dialogvakt evaluate --format text examples/*.json

# the gate: lint, types, then every test; any finding fails it. The browser tests need Debian's
# chromium, the PostgreSQL tests Debian's server programs: each installed here when missing and we are
# root (CI), else those tests skip (never under CI=true, where they fail and say why).
test: $(VENV)/.installed
	$(BIN)/ruff check engine tests benchmarks
	$(BIN)/mypy
	sh tests/browser/ensure_chromium.sh
	sh tests/ensure_postgres.sh
	$(BIN)/python -m pytest

# the tests without those marked slow (wheel build, process restarts, long replays, git revisions)
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not slow"

# the property tests of tests/test_fuzz.py at length: thousands of hostile inputs for each way in
# (make test runs a few dozen of each); FUZZ_EXAMPLES=N sets how many
FUZZ_EXAMPLES ?= 5000
fuzz: $(VENV)/.installed
	DIALOGVAKT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:cacheprovider tests/test_fuzz.py

# the test suite on each supported Python that is present (noxfile.py); absent ones are skipped
test-pythons: $(VENV)/.installed
	PATH="$(PYENV_BIN_PATH)$$PATH" $(BIN)/nox

docs: $(VENV)/.installed
	$(BIN)/dialogvakt trace --format markdown > docs/traceability.md
	$(BIN)/dialogvakt steg > features/README.md
	$(BIN)/python -m engine.authoring.editor_schemas

# the README's pictures of the pages (docs/screenshots), taken by the browser tests
screenshots: $(VENV)/.installed
	sh tests/browser/ensure_chromium.sh
	DIALOGVAKT_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/browser

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_decisions.py

# D81023's value rules on zen-engine, datalogic-py and plain Python against Dialogvakt, interleaved in one process
bench-peers: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_peers.py

bench-http: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_http.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
