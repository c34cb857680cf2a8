# recon — set-up, demo, tests and benchmarks. Everything runs in ./.venv, installed
# from requirements.lock (exact versions) on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock requirements-spark.lock pyproject.toml | cksum | cut -d' ' -f1)
DEMO   := demo

.PHONY: install servers test-cluster bench-scale bench-db bench-state bench-netting bench-startup demo test test-slow test-bench test-browser lint bench bench-100m \
        bench-install clean

$(STAMP): requirements.lock requirements-spark.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock -r requirements-spark.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)  ## create .venv with the locked dependencies and recon itself

demo: install  ## generate two days of demo ledgers, reconcile them, show the report
	rm -rf $(DEMO)
	$(BIN)/python -m fixtures.generate $(DEMO)/data --start 2026-11-01 --days 2 \
	  --entries 20000 --accounts 400 --breaks 3 --junk 7 --format csv --pilot 2
	printf '[cutover]\naccounts = "data/cutover.csv"\n' > $(DEMO)/recon.toml
	$(BIN)/recon diff --from 2026-11-01 --to 2026-11-02 --v1 $(DEMO)/data/v1 \
	  --v2 $(DEMO)/data/v2 --out $(DEMO)/out --db $(DEMO)/recon.duckdb \
	  --config $(DEMO)/recon.toml --fail-on never
	@echo
	@cat $(DEMO)/out/2026-11-02/report.md
	@echo
	@# what on call sees the day after (exit 1: open work, which the demo plants)
	$(BIN)/recon status --db $(DEMO)/recon.duckdb --config $(DEMO)/recon.toml \
	  --today 2026-11-03 || test $$? -le 1
	@echo
	@# the pilot cohort (2 accounts cut over on 2026-11-02) and the week so far
	$(BIN)/recon readiness --db $(DEMO)/recon.duckdb --config $(DEMO)/recon.toml || test $$? -le 1
	$(BIN)/recon summary --from 2026-11-01 --to 2026-11-02 --db $(DEMO)/recon.duckdb \
	  --config $(DEMO)/recon.toml --format html --out $(DEMO)/out/summary.html

# The database-source tests start their own PostgreSQL and MariaDB servers on 127.0.0.1
# (tests/servers.py); the alert rules' tests run Debian's promtool (tests/test_platform.py).
# Debian's packages are installed here with apt-get when missing.
# Test files run in parallel, one worker per core (pytest-xdist); each file's tests stay
# on one worker, so a file's module fixtures (servers, a Spark session) start once.
test: install servers  ## the default test suite (what CI runs)
	$(BIN)/python -m pytest -q -n auto --dist loadfile

servers:  ## install Debian's postgresql, mariadb-server and prometheus (promtool) when missing
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && \
	  { command -v mariadbd || command -v mysqld || test -x /usr/sbin/mariadbd; } >/dev/null && \
	  command -v promtool >/dev/null || \
	  { $$(command -v sudo) apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$(command -v sudo) apt-get install -y -q \
	      --no-install-recommends postgresql mariadb-server mariadb-client prometheus; }

# The browser tests need Debian's chromium and chromium-driver (installed here with
# apt-get when missing; needs root or sudo) and selenium (requirements-browser.lock).
# Without them `make test` skips these tests and says why.
test-browser: install  ## headless-Chromium tests of the HTML reports (screenshot in tests/artifacts/)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { $$(command -v sudo) apt-get update -q && \
	    $$(command -v sudo) apt-get install -y -q chromium chromium-driver; }
	$(BIN)/python -m pip install --quiet -r requirements-browser.lock
	$(BIN)/python -m pytest -q -m browser -rs

# A Spark standalone cluster (a master and two workers, started by the tests from the
# pyspark package's launcher) and Spark's JDBC reads of PostgreSQL and MariaDB: Java 17
# and Debian's JDBC drivers are installed here with apt-get when missing.
test-cluster: install servers  ## recon on a Spark standalone cluster, and database sources on Spark
	@command -v java >/dev/null && test -f /usr/share/java/postgresql.jar && \
	  test -f /usr/share/java/mariadb-java-client.jar || \
	  { $$(command -v sudo) apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$(command -v sudo) apt-get install -y -q \
	      --no-install-recommends openjdk-17-jre-headless libpostgresql-jdbc-java libmariadb-java; }
	$(BIN)/python -m pytest -q -m cluster -p no:cacheprovider

test-slow: install  ## the slow tests
	$(BIN)/python -m pytest -q -m slow

test-bench: install  ## the benchmark runner's own test, on a tiny ledger (no timing)
	$(BIN)/python -m pytest -q -m bench

# Benchmarks (issue 8): data is generated once into bench-data/ and reused. datacompy,
# the comparison baseline, lives in its own environment (.venv-bench, from
# bench/requirements.lock): it is not a dependency of recon.
SIZES ?= 1000000,10000000
SHAPES ?= uniform,hot
CSV_SIZE ?= 10000000
RUNS  ?= 3
BENCH_STAMP := .venv-bench/.installed-$(shell cat bench/requirements.lock | cksum | cut -d' ' -f1)

$(BENCH_STAMP): bench/requirements.lock
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet --upgrade pip
	.venv-bench/bin/python -m pip install --quiet -r bench/requirements.lock
	rm -f .venv-bench/.installed-*
	touch $@

bench-install: $(BENCH_STAMP)

bench: install bench-install servers  ## recon vs bare DuckDB vs datacompy at SIZES, and from databases; writes BENCHMARKS.md
	$(BIN)/python bench/run.py --sizes $(SIZES) --shapes $(SHAPES) --runs $(RUNS) \
	  --csv-size $(CSV_SIZE) --write BENCHMARKS.md
	$(BIN)/python bench/databases.py --size $(DB_SIZE) --runs $(RUNS) --write BENCHMARKS.md
	$(BIN)/python bench/state.py --runs $(RUNS) --write BENCHMARKS.md
	$(BIN)/python bench/netting.py --runs $(RUNS) --write BENCHMARKS.md
	$(BIN)/python bench/startup.py --write BENCHMARKS.md

bench-startup: install  ## recon --help and recon status: what a command costs to start
	$(BIN)/python bench/startup.py --write BENCHMARKS.md

bench-scale: install  ## per-core throughput of each stage, DuckDB and a local Spark cluster (docs/scale.md)
	$(BIN)/python bench/scale.py --sizes 1000000,4000000 --workers 2 --runs 1 --write BENCHMARKS.md

bench-netting: install  ## the netting match on and off, at 10M entries a side
	$(BIN)/python bench/netting.py --runs $(RUNS) --write BENCHMARKS.md

bench-state: install  ## a rerun on a year of state, and a range rerun after one file changed
	$(BIN)/python bench/state.py --runs $(RUNS) --write BENCHMARKS.md

DB_SIZE ?= 10000000
bench-db: install servers  ## recon from PostgreSQL and from MariaDB vs the drivers' bare read
	$(BIN)/python bench/databases.py --size $(DB_SIZE) --runs $(RUNS) --write BENCHMARKS.md

bench-100m: install  ## 100M entries a side with memory_limit 4GB (bounded memory)
	$(BIN)/python bench/run.py --sizes 100000000 --shapes uniform --runs 1 --memory-limit 4GB \
	  --no-datacompy --write BENCHMARKS.md

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .venv-bench $(DEMO) .pytest_cache .ruff_cache .hypothesis
