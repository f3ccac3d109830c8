# Folio: the two commands a developer needs are `make dev` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Build artefacts live outside the clone so CI and fresh clones reuse one cache.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/folio-target
# The local database of `make dev` (tests create and drop databases of their own).
DEV_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/folio
PORT ?= 8080
# The Folio services of the root Procfile (folio-auth folio-posts ...): the one process list.
SERVICES = $(shell python3 scripts/folio_system.py binaries)

.PHONY: help dev test test-e2e test-pgbouncer test-idle lint fmt check-services migrate bench

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

dev: check-services ## Run the whole system (the Procfile) at http://localhost:8000 (gateway, frontend, services, mail catcher; Ctrl-C stops all)
	DEV_DATABASE_URL=$(DEV_DATABASE_URL) scripts/dev.sh

test-e2e: ## Browser tests: headless Chromium through the gateway against the whole system (web/test-results/)
	@scripts/e2e.sh

test: lint check-services ## Format check, clippy, every test, then the API suites through PgBouncer
	cargo test --workspace --all-features --no-fail-fast
	@scripts/test-check-services.sh
	@scripts/test-dev-signals.sh
	@$(MAKE) --no-print-directory test-idle
	@$(MAKE) --no-print-directory test-pgbouncer
	@$(MAKE) --no-print-directory lint-deploy test-containers
	@python3 scripts/test-gateway.py
	@python3 -m unittest discover -s scripts/tests
	@$(MAKE) --no-print-directory test-e2e
	@# The resilience suite on the debug binaries just built (about 2 minutes).
	@RESILIENCE_PROFILE=debug scripts/resilience.sh

.PHONY: lint-deploy test-containers images test-migration-compat pin-images
lint-deploy: ## Deployment files: hadolint, compose config, yamllint, terraform fmt/validate, checkov
	@scripts/lint-deploy.sh

test-containers: check-services ## Release binaries run as their images run them (non-root, env only): /health, SIGTERM, adoption
	@scripts/container-smoke.sh

test-migration-compat: check-services ## The API suites of the code before the newest migration, on the new schema (expand, then contract)
	@scripts/check-migration-compat.sh

pin-images: ## Where a registry answers: rewrite the Dockerfile's FROM image:tag to image:tag@sha256 digests
	python3 -m unittest discover -s scripts/tests
	python3 scripts/pin_images.py Dockerfile

images: ## Build every image (needs a Docker engine): folio-<target>:local
	for target in $(SERVICES:folio-%=%) migrate gateway; do \
	  docker build --target $$target --build-arg GIT_SHA=$$(git rev-parse HEAD) -t folio-$$target:local . || exit 1; \
	done

test-pgbouncer: ## The services' API suites again, through PgBouncer 1.18 in transaction mode
	@scripts/pgbouncer.sh start
	FOLIO_TEST_POOLER_URL=postgres://postgres@127.0.0.1:6432 \
	  cargo test --all-features $(addprefix -p ,$(SERVICES)) --test api

test-idle: ## The whole system left alone after use: Postgres sees no query once mail's active window ends
	@python3 scripts/test-idle.py

lint: ## cargo fmt --check, clippy with warnings as errors, the merged OpenAPI document is current, frontend ESLint + Prettier
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --all-features -- -D warnings
	scripts/openapi.sh --check
	scripts/lint-web.sh

fmt: ## Format the code
	cargo fmt --all

check-services: ## Make sure Postgres and Redis answer (installing them with apt-get and starting them when missing)
	@scripts/check-services.sh
	@scripts/test-deps.sh

migrate: check-services ## Apply migrations to the dev database (DEV_DATABASE_URL)
	@scripts/create-database.sh "$(DEV_DATABASE_URL)"
	DATABASE_URL=$(DEV_DATABASE_URL) cargo run --quiet -p folio-migrate --bin migrate

bench: check-services ## Release build, whole system, seeded load: bench/report.md and bench/report.png
	python3 bench/run.py

.PHONY: resilience
resilience: ## Break a private copy of the system under load: Postgres, Redis, SIGTERM, floods, fuzzing
	scripts/resilience.sh
