# Two commands, on a machine with Python 3.11 and make:
#   make up     set everything up, then start the Dagster UI at http://127.0.0.1:3000
#   make test   set up what the tests need, then run the whole test suite
# Every target is safe to run again: each step redoes only what is missing or out of date.

SHELL := /bin/bash
.DEFAULT_GOAL := up

UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# dagster, dbt and dlt are found in the project's environment, activated or not.
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Never download a Python: use the machine's 3.11 (the only network is the package registry).
export UV_PYTHON_DOWNLOADS := never
# Trust the machine's certificate store, as pip does: behind a TLS-inspecting proxy, uv's own
# bundled roots would refuse the registry.
export UV_SYSTEM_CERTS := 1
# Compile every package to bytecode once, at install. Python otherwise compiles each module on
# first import, and on every import where PYTHONDONTWRITEBYTECODE is set (some CI and container
# images set it): loading the definitions took 12 s of CPU that way against 3.7 s from bytecode.
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME := $(CURDIR)/.dagster_home

# Where the platform keeps its state (settings.py reads the same variable); absolute, so every
# process agrees on it whatever its working directory: `PLATFORM_DATA_DIR=elsewhere make up`.
DATA_DIR := $(abspath $(or $(PLATFORM_DATA_DIR),data))

# The demo's date range in the landing zone; `make data START=... END=...` writes another.
START ?= 2018-09-01
END ?= 2018-10-31

DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f) \
	dbt_project/dbt_project.yml dbt_project/profiles.yml
MANIFEST := dbt_project/target/manifest.json

.PHONY: up test test-quick browser setup data deliver shop-changes bad-day publish-catalog alerts daily-table dbt-manifest instance lint bench clean marketing marketing-outage \
	check solve catch-up production-services

# The shop's marketing system (simulator/marketing_service.py), which the activation group syncs
# the customer segments to; its contacts live under $(DATA_DIR)/marketing/.
MARKETING_PORT ?= 3001
MARKETING := python -m simulator.marketing_service --port $(MARKETING_PORT) --data-dir $(DATA_DIR)

# The marketing service runs beside the UI and ends with it: Ctrl-C (or `kill` of make) stops
# dg dev, and the trap stops the service.
up: setup instance dbt-manifest $(DATA_DIR)/shop/shop.db
	$(MARKETING) & marketing=$$!; \
	trap 'kill $$marketing 2>/dev/null; wait $$marketing 2>/dev/null' EXIT; \
	PLATFORM_DATA_DIR=$(DATA_DIR) dg dev --host 127.0.0.1 --port 3000

# The marketing service alone, in the foreground (the UI's `make up` starts it too).
marketing: setup
	$(MARKETING)

# An outage of the marketing service: its next REQUESTS requests answer 503 with Retry-After 1 s
# (workshop exercise 7), in place of an outage still pending; REQUESTS=0 ends it. The activation
# tries 6 times (README, "Retries and alerts"), so up to 5 pass unnoticed and 6 fail its run. It
# reaches the service at MARKETING_API_URL, or `make up`'s.
REQUESTS ?= 3
marketing-outage: setup
	python -m simulator.marketing_service fault --replace --count $(REQUESTS)

# Two workers: the suite spends most of its time waiting for Dagster runs and servers, so two
# run side by side in about half the time on two cores. TEST_WORKERS=0 runs them one by one.
# Each test module runs whole on one worker, so a module's shared fixture is built once.
TEST_WORKERS ?= 2

test: setup dbt-manifest browser
	pytest -n $(TEST_WORKERS) --dist loadfile

# The tests that run in seconds, for an edit-test loop: everything but the end-to-end runs
# (marked slow). `make test` runs them all.
test-quick: setup dbt-manifest
	pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow"

# The newcomer journey drives the UI in Debian's Chromium (tests/test_newcomer_journey.py).
# Installed when missing and this is root on Debian; otherwise that test says what to install.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium is missing: install it (Debian: apt-get install chromium) for the journey test"; fi; }

setup: $(VENV)/.synced

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# The environment is installed from uv.lock exactly; a changed lock reinstalls it.
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	# dg runs a project with the environment at <project>/.venv: platform/'s is the repository's.
	ln -sfn ../$(VENV) platform/.venv
	touch $@

# Generates the demo range only when there is no data yet, so a second `make up` keeps
# whatever days you have added since.
$(DATA_DIR)/shop/shop.db: | setup
	python -m simulator.generate --start $(START) --end $(END) --data-dir $(DATA_DIR)

data: setup
	python -m simulator.generate --start $(START) --end $(END) --data-dir $(DATA_DIR)

# The shop's next overnight delivery into the landing zone (DAY=YYYY-MM-DD for another day):
# with the landing-zone sensor on, the UI shows the run it starts.
deliver: setup
	PLATFORM_DATA_DIR=$(DATA_DIR) python -m simulator.deliver $(if $(DAY),--day $(DAY))

# A day of changes in the shop's database (renames, sign-ups, a deletion; DAY=YYYY-MM-DD for
# another day): the platform's change capture loads them (README.md, "Change capture").
shop-changes: setup
	PLATFORM_DATA_DIR=$(DATA_DIR) python -m simulator.shop_changes $(if $(DAY),--day $(DAY))

# The same, deliberately bad, for demos and workshops (README.md, "Data quality"), e.g.
# `make bad-day DAY=2018-11-01 DEFECTS="negative-amounts duplicate-ids"`.
DEFECTS ?=
bad-day: setup
	PLATFORM_DATA_DIR=$(DATA_DIR) python -m simulator.bad_day $(if $(DAY),--day $(DAY)) $(foreach d,$(DEFECTS),--defect $(d))

# The merchandising team publishes a new price and reports it to the webserver (README.md, "What
# moves each asset"): make publish-catalog [SKU=BEV-002] [PRICE=550], PRICE in cents.
publish-catalog: setup
	PLATFORM_DATA_DIR=$(DATA_DIR) python -m simulator.publish_catalog $(if $(SKU),--sku $(SKU)) $(if $(PRICE),--price $(PRICE))

# Follows the local alerts: one JSON line per failed run, with its link, failed step or check and
# first error line (README, "Retries and alerts"). Ctrl-C to stop watching.
alerts:
	@mkdir -p $(DATA_DIR) && touch $(DATA_DIR)/alerts.log
	@echo "Following $(DATA_DIR)/alerts.log (Ctrl-C to stop)"
	tail -n 20 -F $(DATA_DIR)/alerts.log

# A new daily landing table, declared and given its dbt source and staging model (README,
# "Adding things"): make daily-table TABLE=returns COLUMNS="id:string refund:int64 ..."
daily-table: setup
	python -m graduated_platform.scaffold_daily_table $(TABLE) $(COLUMNS)
	$(MAKE) dbt-manifest

dbt-manifest: $(MANIFEST)

$(MANIFEST): $(DBT_SOURCES) | setup
	python -m graduated_platform.dbt_manifest

instance: $(DAGSTER_HOME)/dagster.yaml

$(DAGSTER_HOME)/dagster.yaml: platform/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp $< $@

# The workshop (workshop/README.md). EX=3, EX="3 4" or EX=2-5; `make check` alone checks them all.
EX ?=
check: setup
	@PLATFORM_DATA_DIR=$(DATA_DIR) python -m workshop check $(EX)

solve: setup instance dbt-manifest $(DATA_DIR)/shop/shop.db
	@PLATFORM_DATA_DIR=$(DATA_DIR) python -m workshop solve $(EX)

# Solves every exercise up to EX that is not done yet, in order, then EX.
catch-up: setup instance dbt-manifest $(DATA_DIR)/shop/shop.db
	@PLATFORM_DATA_DIR=$(DATA_DIR) python -m workshop catch-up $(EX)

# Exercise 8: the production instance (PostgreSQL) and the shop's bucket (S3 protocol) on this
# machine, until Ctrl-C (workshop/ex8_graduate/README.md).
production-services: setup dbt-manifest
	@PLATFORM_DATA_DIR=$(DATA_DIR) python -m workshop.ex8_graduate.services $(if $(NO_UI),--no-ui)

lint: setup
	ruff check .
	ruff format --check .
	mypy
	lint-imports --no-cache

# Every benchmark, then the goals table (bench/run_all.py; README.md, "Performance"). About 40
# minutes on 2 cores; run one alone with `.venv/bin/python bench/<name>.py`.
bench: setup dbt-manifest
	python bench/run_all.py

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs
