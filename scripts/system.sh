#!/usr/bin/env bash
# The whole Folio system in the foreground, behind one gateway URL, until SIGINT, SIGTERM or
# SIGHUP; then everything this script started is stopped and it exits 0. Exits 1, naming
# the part, when any part dies on its own.
#
# It checks Postgres and Redis, creates and migrates the database, builds the frontend and
# the binaries, then starts the processes of the root Procfile (scripts/folio_system.py: the
# SMTP catcher, auth, posts, media, the mail worker and Caddy with infra/gateway/Caddyfile),
# each once the one before answers, and prints
#   Folio is running at http://localhost:<port>
#
# Knobs (environment, with defaults); any other variable (rate limits, RUST_LOG, ...)
# passes through to the services:
#   FOLIO_PROFILE     debug | release: the cargo profile built and run (debug)
#   FOLIO_PORT_BASE   moves every port at once (18000: 18000, 18025, 18080-18083), or one
#                     by one: GATEWAY_PORT 8000, AUTH_PORT 8080, POSTS_PORT 8081,
#                     MEDIA_PORT 8082, MAIL_HEALTH_PORT 8083, SMTP_PORT 1025
#   DATABASE_URL      postgres://postgres@127.0.0.1:5432/folio
#   FOLIO_STATE_DIR   .dev: pictures in media/, mail in mail/, each process's log in logs/
set -euo pipefail
cd "$(dirname "$0")/.."

: "${FOLIO_PROFILE:=debug}"
: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/folio}"
: "${FOLIO_STATE_DIR:=.dev}"
: "${CARGO_TARGET_DIR:=$HOME/.cache/folio-target}"
case "$FOLIO_PROFILE" in
  debug) cargo_profile=() ;;
  release) cargo_profile=(--release) ;;
  *) echo "system: FOLIO_PROFILE must be debug or release, not '$FOLIO_PROFILE'" >&2; exit 2 ;;
esac
export CARGO_TARGET_DIR DATABASE_URL FOLIO_PROFILE FOLIO_STATE_DIR

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
while IFS== read -r _ port; do
  if port_taken "$port"; then
    echo "system: port $port is already in use (another make dev?); set FOLIO_PORT_BASE or the *_PORT variables to move" >&2
    exit 1
  fi
done < <(python3 scripts/folio_system.py ports)

# --- prerequisites and builds (before anything runs, so a failure leaves nothing behind)
# Ctrl-C reaches the build in the foreground too; once it has ended, stopping is all.
trap 'exit 0' INT
scripts/check-services.sh
scripts/install-web-deps.sh caddy
python3 -c "import aiosmtpd" 2>/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
web/build.sh
scripts/create-database.sh "$DATABASE_URL"
packages=(-p folio-migrate)
while read -r binary; do packages+=(-p "$binary"); done < <(python3 scripts/folio_system.py binaries)
# --bins, not --bin migrate: target flags apply to every -p, and would build migrate only.
cargo build "${cargo_profile[@]}" --bins "${packages[@]}"
mkdir -p "$FOLIO_STATE_DIR/logs"
migrate_log="$FOLIO_STATE_DIR/logs/migrate.log"
"$CARGO_TARGET_DIR/$FOLIO_PROFILE/migrate" >"$migrate_log" 2>&1 || { cat "$migrate_log" >&2; exit 1; }

# --- the processes, supervised until a signal (exit 0) or a death (exit 1)
exec python3 scripts/folio_system.py run
