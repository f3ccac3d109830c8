#!/usr/bin/env bash
# Installs the frontend's locked dependencies when missing or out of date (npm ci), then
# builds web/dist. `web/build.sh --deps-only` stops after the install (the e2e tests need
# Playwright but not a build of their own).
set -euo pipefail
cd "$(dirname "$0")"
# npm keeps its own copy of the lock in node_modules: older than ours means out of date.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing the frontend's dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
[ "${1:-}" = "--deps-only" ] && exit 0
# Quiet when it works; the whole output (type errors included) when it does not.
if ! output="$(npm run --silent build 2>&1)"; then
  echo "$output" >&2
  exit 1
fi
