#!/usr/bin/env bash
# `make dev`: migrate the local database, then run every service until Ctrl-C, which
# stops everything this script started. Until the gateway lands, each service has a port:
# auth on $PORT (8080), posts on $PORT+1, media on $PORT+2 (pictures in .dev/media, served
# at /media), the mail worker's health on $PORT+3. Mail goes to a local SMTP catcher
# (port 1025) that keeps each message as a file in .dev/mail.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DEV_DATABASE_URL:=postgres://postgres@127.0.0.1:5432/folio}"
: "${PORT:=8080}"
: "${CARGO_TARGET_DIR:=$HOME/.cache/folio-target}"
export CARGO_TARGET_DIR DATABASE_URL="$DEV_DATABASE_URL"

scripts/create-database.sh "$DATABASE_URL"
cargo build --quiet -p folio-shared --bin migrate -p folio-auth -p folio-posts -p folio-media -p folio-mail
"$CARGO_TARGET_DIR/debug/migrate"

pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

PORT=$PORT "$CARGO_TARGET_DIR/debug/folio-auth" & pids+=($!)
PORT=$((PORT + 1)) "$CARGO_TARGET_DIR/debug/folio-posts" & pids+=($!)
PORT=$((PORT + 2)) MEDIA_PUBLIC_URL="http://localhost:$((PORT + 2))/media" \
  "$CARGO_TARGET_DIR/debug/folio-media" & pids+=($!)
python3 scripts/smtp_sink.py --port 1025 --maildir .dev/mail >/dev/null & pids+=($!)
PORT=$((PORT + 3)) MAIL_SERVER=127.0.0.1 MAIL_PORT=1025 MAIL_USE_TLS=false \
  "$CARGO_TARGET_DIR/debug/folio-mail" & pids+=($!)

for port in "$PORT" "$((PORT + 1))" "$((PORT + 2))" "$((PORT + 3))"; do
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
done
cat <<MSG

Folio is running (Ctrl-C stops everything):
  auth   http://localhost:$PORT        docs: http://localhost:$PORT/docs
  posts  http://localhost:$((PORT + 1))        docs: http://localhost:$((PORT + 1))/docs
  media  http://localhost:$((PORT + 2))        docs: http://localhost:$((PORT + 2))/docs
  mail   worker health: http://localhost:$((PORT + 3))/health; mail caught in .dev/mail/

MSG
wait -n "${pids[@]}"
