# Wharf. `make help` lists the targets.
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.DEFAULT_GOAL := help

help: ## list targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

build: ## build the wharf binary (debug)
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: ## build the wharf binary (release)
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

run: ## start a local database (unless $DATABASE_URL), a worker and example jobs; Ctrl-C stops
	scripts/run-demo.sh

test: build ## run every test against a throwaway PostgreSQL (or $DATABASE_URL if set); installs promtool and chromium if missing
	scripts/ensure-test-tools.sh
	scripts/with-test-db.sh scripts/run-tests.sh $(SWIFT) $(SWIFT_BUILD_FLAGS)

bench: ## benchmarks with release builds on a throwaway PostgreSQL; prints a table and writes docs/benchmarks.md
	scripts/bench.sh

chaos: ## crash-and-chaos run: 50,000 jobs, 4 workers, kills, freezes, a PostgreSQL restart (SEED=n replays)
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product WharfTestWorker
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product WharfChaos
	.build/debug/WharfChaos $(if $(SEED),--seed $(SEED),) $(CHAOS_FLAGS)

generate: ## regenerate the embedded migrations (from migrations/) and dashboard (from dashboard/)
	scripts/generate-migrations.sh
	scripts/generate-dashboard.sh

db-start: ## start a throwaway PostgreSQL in .pg/ and print its DATABASE_URL
	@scripts/pg-throwaway.sh start $(CURDIR)/.pg

db-stop: ## stop the PostgreSQL started by db-start
	@scripts/pg-throwaway.sh stop $(CURDIR)/.pg && rm -rf $(CURDIR)/.pg

.PHONY: help build release run test bench chaos generate db-start db-stop
