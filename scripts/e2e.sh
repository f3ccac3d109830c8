#!/usr/bin/env bash
# Browser end-to-end tests (`make test-e2e`): the whole system (scripts/system.sh: the
# Procfile's processes) on its own ports, database, Redis prefix and state folder, so it
# runs beside `make dev` and benchmarks; then Playwright drives Debian's headless
# Chromium through the gateway. Screenshots, traces of failures, the HTML report and
# every process log end up in web/test-results/ (CI artifacts). Extra arguments go to
# `playwright test`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
results="$repo/web/test-results"

export FOLIO_PROFILE="${FOLIO_PROFILE:-debug}"
# The Procfile's port block at 18000: 18000, 18025 and 18080-18083.
export FOLIO_PORT_BASE=18000
while IFS== read -r name port; do export "$name=$port"; done < <(python3 scripts/folio_system.py ports)
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/folio_e2e"
export FOLIO_STATE_DIR="$results/system"
export REDIS_KEY_PREFIX="folio-e2e"
# Every test registers and logs in from the same address; the limits are not under test.
export REGISTER_RATE_LIMIT_PER_MINUTE=10000 LOGIN_RATE_LIMIT_PER_MINUTE=10000
export PASSWORD_RESET_RATE_LIMIT_PER_MINUTE=10000
# The suites write many posts as few users, faster than 30 a minute; that limit has its
# own tests in services/posts.
export POST_RATE_LIMIT_PER_MINUTE=10000
export RUST_LOG="${RUST_LOG:-info}"

scripts/check-services.sh
scripts/install-web-deps.sh chromium
web/build.sh --deps-only

# Another run's system holds these ports: say so before touching its database.
for port in $(python3 scripts/folio_system.py ports | cut -d= -f2); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "e2e: port $port is in use (another e2e run?); the browser tests need 18000, 18025 and 18080-18083" >&2
    exit 1
  fi
done

# A clean slate each run: results, database, and the mail stream of earlier runs.
rm -rf "$results"
mkdir -p "$results"
psql "${DATABASE_URL%/*}/postgres" -qc "drop database if exists folio_e2e with (force)"
redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "$REDIS_KEY_PREFIX:*" |
  xargs -r redis-cli -h 127.0.0.1 -p 6379 del >/dev/null

system_log="$results/system.log"
scripts/system.sh >"$system_log" 2>&1 &
system_pid=$!
stop_system() {
  kill -TERM "$system_pid" 2>/dev/null || true
  wait "$system_pid" 2>/dev/null || true
}
trap stop_system EXIT

# Building the services may take minutes on a cold cache.
echo "starting the system for the browser tests (log: $system_log)"
until grep -q '^Folio is running at ' "$system_log"; do
  if ! kill -0 "$system_pid" 2>/dev/null; then
    echo "e2e: the system did not start:" >&2
    cat "$system_log" >&2
    exit 1
  fi
  sleep 0.5
done
grep '^Folio is running at ' "$system_log"

cd web
set +e
CI="${CI:-}" FOLIO_BASE_URL="http://localhost:$GATEWAY_PORT" FOLIO_MAILDIR="$FOLIO_STATE_DIR/mail" \
  FOLIO_JWT_KEY_FILE="$FOLIO_STATE_DIR/jwt-dev-key.pem" npx playwright test "$@"
status=$?
set -e
if ! kill -0 "$system_pid" 2>/dev/null; then
  echo "e2e: part of the system stopped during the tests:" >&2
  tail -n 30 "$system_log" >&2
  status=1
fi
echo "screenshots: web/test-results/screenshots/  report: web/test-results/report/index.html"
# One closing line in the common "N passed, N failed" form, for CI logs.
python3 - "$results/results.json" <<'PY' || true
import json, sys
stats = json.load(open(sys.argv[1]))["stats"]
failed = stats["unexpected"] + stats["flaky"]
print(f"e2e: {stats['expected']} passed, {failed} failed, {stats['skipped']} skipped")
PY
exit $status
