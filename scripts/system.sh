#!/usr/bin/env bash
# The whole Folio system in the foreground, behind one gateway URL, until SIGINT, SIGTERM or
# SIGHUP; then everything this script started is stopped and it exits 0. Exits 1, naming
# the part, when any part dies on its own.
#
# It checks Postgres and Redis, creates and migrates the database, builds the frontend,
# starts auth, posts, media, the mail worker, an SMTP catcher (every mail becomes a file)
# and Caddy (infra/gateway/Caddyfile), waits until all of them answer, then prints
#   Folio is running at http://localhost:<port>
#
# Knobs (environment, with defaults); any other variable (rate limits, RUST_LOG, ...)
# passes through to the services:
#   FOLIO_PROFILE     debug | release: the cargo profile built and run (debug)
#   GATEWAY_PORT 8000, AUTH_PORT 8080, POSTS_PORT 8081, MEDIA_PORT 8082,
#   MAIL_HEALTH_PORT 8083, SMTP_PORT 1025
#   DATABASE_URL      postgres://postgres@127.0.0.1:5432/folio
#   FOLIO_STATE_DIR   .dev: pictures in media/, mail in mail/, each process's log in logs/
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

: "${FOLIO_PROFILE:=debug}"
: "${GATEWAY_PORT:=8000}" "${AUTH_PORT:=8080}" "${POSTS_PORT:=8081}" "${MEDIA_PORT:=8082}"
: "${MAIL_HEALTH_PORT:=8083}" "${SMTP_PORT:=1025}"
: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/folio}"
: "${FOLIO_STATE_DIR:=.dev}"
: "${CARGO_TARGET_DIR:=$HOME/.cache/folio-target}"
case "$FOLIO_PROFILE" in
  debug) cargo_profile=(); bin_dir="$CARGO_TARGET_DIR/debug" ;;
  release) cargo_profile=(--release); bin_dir="$CARGO_TARGET_DIR/release" ;;
  *) echo "system: FOLIO_PROFILE must be debug or release, not '$FOLIO_PROFILE'" >&2; exit 2 ;;
esac

mkdir -p "$FOLIO_STATE_DIR"
state="$(cd "$FOLIO_STATE_DIR" && pwd)"
logs="$state/logs"
mkdir -p "$state/media" "$state/mail" "$logs"
gateway_url="http://localhost:$GATEWAY_PORT"

export CARGO_TARGET_DIR DATABASE_URL
# Reset links in mails must open the frontend behind this gateway.
export FRONTEND_URL="$gateway_url"
# Pictures go to a folder that media serves at /media/*, reached through the gateway, so
# the relative image_path (/media/profile_pics/<file>) works on the gateway's origin.
export MEDIA_STORE_URL="file://$state/media" MEDIA_PUBLIC_URL="/media"
# Every local service signs or verifies tokens with the same generated development key.
export JWT_DEV_KEY_FILE="${JWT_DEV_KEY_FILE:-$state/jwt-dev-key.pem}"
export MAIL_SERVER=127.0.0.1 MAIL_PORT="$SMTP_PORT" MAIL_USE_TLS=false
# Auth wakes the local mail worker, which goes quiet after MAIL_ACTIVE_SECONDS without
# mail as on Cloud Run; both use the development wake token unless MAIL_WAKE_TOKEN is set.
export MAIL_WAKE_URL="http://127.0.0.1:$MAIL_HEALTH_PORT/internal/wake"

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$GATEWAY_PORT" "$AUTH_PORT" "$POSTS_PORT" "$MEDIA_PORT" "$MAIL_HEALTH_PORT" "$SMTP_PORT"; do
  if port_taken "$port"; then
    echo "system: port $port is already in use (another make dev?); set the *_PORT variables to move" >&2
    exit 1
  fi
done

# --- prerequisites and builds (before anything runs, so a failure leaves nothing behind)
# Ctrl-C reaches the build in the foreground too; once it has ended, stopping is all.
trap 'exit 0' INT
scripts/check-services.sh
scripts/install-web-deps.sh caddy
python3 -c "import aiosmtpd" 2>/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
web/build.sh
scripts/create-database.sh "$DATABASE_URL"
# --bins, not --bin migrate: target flags apply to every -p, and would build migrate only.
cargo build "${cargo_profile[@]}" --bins \
  -p folio-shared -p folio-auth -p folio-posts -p folio-media -p folio-mail
"$bin_dir/migrate" >"$logs/migrate.log" 2>&1 || { cat "$logs/migrate.log" >&2; exit 1; }

# --- processes
# Each part runs in a session of its own (setsid), out of the terminal's process group: a
# Ctrl-C reaches this script alone, which stops the parts, so a part that exits while we
# are not stopping has died on its own. (A background child of a script is no group
# leader, so setsid does not fork and $! is the part's own pid and process group.)
names=()
pids=()
start() { # start NAME COMMAND...: runs in the background, output in logs/NAME.log
  local name="$1"; shift
  setsid "$@" >"$logs/$name.log" 2>&1 </dev/null &
  names+=("$name")
  pids+=($!)
}

stop_all() {
  trap - EXIT
  # Another Ctrl-C while the parts drain means "now".
  trap 'kill -KILL -- "${pids[@]/#/-}" 2>/dev/null || true' INT TERM HUP
  [ ${#pids[@]} -eq 0 ] && return
  kill -TERM -- "${pids[@]/#/-}" 2>/dev/null || true
  # Services drain in-flight requests within 8 s; past 10 s they are killed.
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  kill -KILL -- "${pids[@]/#/-}" 2>/dev/null || true
  wait 2>/dev/null || true
}

# Names the first child that has exited, with the end of its log, and returns 1.
report_dead() {
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "system: ${names[$i]} stopped unexpectedly; the end of $logs/${names[$i]}.log:" >&2
      tail -n 20 "$logs/${names[$i]}.log" >&2 || true
      return 1
    fi
  done
  return 0
}

stopping=0
trap 'stopping=1' INT TERM HUP
trap stop_all EXIT

start smtp python3 scripts/smtp_sink.py --port "$SMTP_PORT" --maildir "$state/mail"
PORT=$AUTH_PORT start auth "$bin_dir/folio-auth"
PORT=$POSTS_PORT start posts "$bin_dir/folio-posts"
PORT=$MEDIA_PORT start media "$bin_dir/folio-media"
PORT=$MAIL_HEALTH_PORT start mail "$bin_dir/folio-mail"
GATEWAY_PORT=$GATEWAY_PORT WEB_ROOT="$repo/web/dist" \
  AUTH_UPSTREAM="127.0.0.1:$AUTH_PORT" POSTS_UPSTREAM="127.0.0.1:$POSTS_PORT" \
  MEDIA_UPSTREAM="127.0.0.1:$MEDIA_PORT" \
  XDG_CONFIG_HOME="$state/caddy" XDG_DATA_HOME="$state/caddy" \
  start gateway scripts/caddy.sh run --config infra/gateway/Caddyfile --adapter caddyfile

# --- ready when every service is healthy and the gateway routes to each of them
answers() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }
ready() {
  local port
  for port in "$AUTH_PORT" "$POSTS_PORT" "$MEDIA_PORT" "$MAIL_HEALTH_PORT"; do
    answers "http://127.0.0.1:$port/health" || return 1
  done
  answers "http://127.0.0.1:$GATEWAY_PORT/" &&
    answers "http://127.0.0.1:$GATEWAY_PORT/.well-known/jwks.json" &&
    answers "http://127.0.0.1:$GATEWAY_PORT/api/posts?limit=1" &&
    # media answers a missing picture with its own JSON 404 (not the gateway's 502)
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GATEWAY_PORT/media/profile_pics/none.jpg")" = 404 ]
}
for _ in $(seq 1 600); do
  [ "$stopping" = 1 ] && exit 0
  report_dead || exit 1
  ready && break
  sleep 0.1
done
if ! ready; then
  echo "system: not every part answered within 60 s; logs are in $logs" >&2
  exit 1
fi
echo "Folio is running at $gateway_url"

# --- run until a signal (exit 0) or until any part dies (exit 1)
while :; do
  # Returns when a part exits or a signal arrives.
  wait -n "${pids[@]}" || true
  [ "$stopping" = 1 ] && exit 0
  report_dead || exit 1
done
