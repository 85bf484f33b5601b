# minipolice: the report's front door. `make help` lists the targets.
# Every target that runs code first makes sure .venv exists and holds the
# exact versions of requirements.lock, so a fresh clone needs nothing else.

.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MP     := $(BIN)/minipolice
# Exits non-zero (with a message) unless the running interpreter is 3.11, the lock's target.
CHECK_311 := import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "minipolice needs Python 3.11, not " + sys.version.split()[0])

.PHONY: help venv book pdf process data questionnaire test test-unit bench check-sources lint lock clean distclean

help: ## Show this list of targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-15s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Re-installs only when the lock or pyproject.toml changes. The interpreter is
# checked before the venv is made and again inside it (an old .venv may come
# from another Python).
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || { \
	    test -n "$(PYTHON)" || { echo "python3.11 not found on PATH (make PYTHON=/path/to/python3.11)" >&2; exit 1; }; \
	    $(PYTHON) -c '$(CHECK_311)' && $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python -c '$(CHECK_311)' || { echo "$(VENV) is not Python 3.11: run make distclean" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the locked dependencies (done by every target)

book: $(STAMP) ## Build the national report from data/raw into book/_build/html
	$(MP) build
	@echo "Report: $(CURDIR)/book/_build/html/index.html"

# The PDF edition is printed from the executed notebooks of `make book` (nothing runs twice) by
# Debian's Chromium; poppler-utils' pdftotext puts the page numbers into its contents.
pdf: book ## Write the PDF edition of the report: book/_build/pdf/minipolice-report.pdf
	$(BIN)/python -m helpers.build.pdf

process: $(STAMP) ## Validate and process data/raw into data/processed (no notebooks)
	$(MP) process

data: $(STAMP) ## Regenerate the synthetic demo data in data/raw
	$(MP) demo-data --out data/raw

# From the codebook alone; the PDFs are printed by Debian's Chromium, as the report's PDF edition.
questionnaire: $(STAMP) ## Write the printable questionnaires, data-entry workbooks and question lists to questionnaire/
	$(MP) questionnaire --out questionnaire

# axe-core for the accessibility tests, at the version package-lock.json pins (node_modules/ is
# not committed). Without npm the browser tests say what is missing (and fail under CI=true).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $(AXE); \
	else echo "npm not found: the accessibility tests need axe-core (npm ci)" >&2; fi

# `test` depends on `book`: the build tests read book/_build/html, and the
# build also writes data/processed, which the nbval run of the source
# notebooks reads. It then prints the PDF for the PDF tests (as `make pdf`,
# about half a minute), except outside CI on a machine without Chromium,
# where the browser and PDF tests skip with a message. Any non-zero pytest
# status fails make, including 5 (no tests collected), so a mistyped path
# cannot pass silently.
test: book $(AXE) ## Run every test: unit, end-to-end, notebooks (nbval), the built book in a browser, the PDF
	@if [ "$$CI" = true ] || $(BIN)/python -c 'import sys; from helpers.build.pdf import find_chromium; sys.exit(not find_chromium())'; \
	then $(BIN)/python -m helpers.build.pdf; else echo "Chromium not found: no PDF; the browser and PDF tests will skip" >&2; fi
	$(BIN)/python -m pytest
	@# The chapters are MyST Markdown; nbval runs their .ipynb conversions (not committed).
	$(BIN)/python -m helpers.build.sources notebooks
	$(BIN)/python -m pytest --nbval-lax notebooks -p no:cacheprovider
	@# Strict nbval (every output compared, SVG and HTML included) over the notebooks the build
	@# executed: running them again must reproduce them exactly; no sanitize file is needed.
	$(BIN)/python -m pytest --nbval book/*.ipynb -p no:cacheprovider

# The browser tests (two to three minutes) are left out too; `make test` runs them.
test-unit: $(STAMP) ## Run the unit and end-to-end tests only (no book build, no browser)
	$(BIN)/python -m pytest -m "not book" --ignore=tests/test_browser.py

# Not part of `make test`: about a quarter of an hour on two cores (two full builds, plain Jupyter
# Book, a million-row `process`). Prints a table, writes bench/results.json, exits 1 on a missed target.
bench: $(STAMP) ## Benchmark builds and the pipeline against plain Jupyter Book (bench/results.json)
	$(BIN)/python bench/bench.py

# Maintainers' check, not part of `make test`: the repository against the source documents it was
# written from (no sentence or quote of theirs; every context number in its cited document).
# The documents are not in the repository: SEEDS names their folder.
check-sources: $(STAMP) ## Compare the repository with the source documents: make check-sources SEEDS=DIR
	@test -n "$(SEEDS)" || { echo "give the folder of the source documents: make check-sources SEEDS=DIR" >&2; exit 2; }
	MINIPOLICE_SEEDS="$(abspath $(SEEDS))" $(BIN)/python -m pytest tools/source_checks -p no:cacheprovider -q

lint: $(STAMP) ## Check the code with ruff
	$(BIN)/ruff check src tests

lock: $(STAMP) ## Regenerate requirements.lock and environment.yml from pyproject.toml
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-emit-package minipolice \
	    --custom-compile-command "make lock" -o requirements.lock
	$(BIN)/python tools/environment.py

clean: ## Remove processed data, the built book and caches (keeps .venv)
	find data/processed book -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -path ./node_modules -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache tests/artifacts questionnaire

distclean: clean ## Also remove .venv and node_modules
	rm -rf $(VENV) node_modules
