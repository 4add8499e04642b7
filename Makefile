# The two commands of the README: `make demo` and `make test`. CI runs `make test`.
PYTHON_BIN ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
DEMO_DIR := build/demo

.PHONY: demo test lint bench bench-details migrations clean

$(PYTHON):
	$(PYTHON_BIN) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(PYTHON) pyproject.toml
	$(PYTHON) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(PYTHON) pyproject.toml
	$(PYTHON) -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

# Runs the tutorial's steps in a fresh folder, with settings kept inside it.
demo: $(VENV)/.installed
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	cd $(DEMO_DIR) && LINEAGEDB_HOME=$(CURDIR)/$(DEMO_DIR)/home \
		$(CURDIR)/$(PYTHON) $(CURDIR)/examples/tutorial.py

# Lint, then the whole suite, on SQLite and on a PostgreSQL cluster the suite starts itself.
test: lint
	$(PYTHON) -m pytest

lint: $(VENV)/.installed-test
	$(PYTHON) -m ruff check lineagedb tests benchmarks examples
	$(PYTHON) -m ruff format --check lineagedb tests benchmarks examples
	$(PYTHON) -m mypy lineagedb

# lineagedb against LaminDB 2.12.1 and DVC 3.67.1 (own virtualenvs in .bench/):
# writes BENCHMARKS.md and benchmarks/results.json.
bench: $(VENV)/.installed-test
	$(PYTHON) benchmarks/compare.py

# lineagedb's own figures: fresh-process import, saves, tracking, S3, search at 10k/100k.
bench-details: $(VENV)/.installed-test
	$(PYTHON) benchmarks/import_connect_count.py
	$(PYTHON) benchmarks/save_files.py
	$(PYTHON) benchmarks/tracking.py
	$(PYTHON) benchmarks/s3.py
	$(PYTHON) benchmarks/search.py --sizes 10000,100000

# Writes a migration after a change of lineagedb/models (developers only).
migrations: $(VENV)/.installed
	$(PYTHON) -m lineagedb.setup._makemigrations

clean:
	rm -rf $(VENV) build .bench .pytest_cache .mypy_cache .ruff_cache
