#!/usr/bin/env bash
# `make dev`: the whole Folio system (scripts/system.sh: checks, migrations, then the
# processes of the Procfile: the four services, the SMTP catcher and the gateway) at one
# URL, plus where to find the mail, the API docs, the logs and the traces. Ctrl-C stops
# everything it started and exits 0. Knobs are system.sh's (FOLIO_PORT_BASE, GATEWAY_PORT,
# AUTH_PORT, ..., DATABASE_URL, FOLIO_STATE_DIR, FOLIO_PROFILE); DEV_DATABASE_URL is
# still honoured as the database.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DEV_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/folio}}"
export FOLIO_STATE_DIR="${FOLIO_STATE_DIR:-.dev}"
# The ports the Procfile's processes will use (GATEWAY_PORT, AUTH_PORT, ...), for the text.
while IFS== read -r name port; do export "$name=$port"; done < <(python3 scripts/folio_system.py ports)

welcome() {
  cat <<MSG

  Open http://localhost:$GATEWAY_PORT for the blog (Ctrl-C stops everything).

  Mail      password-reset mails land in $FOLIO_STATE_DIR/mail/, one .eml file each;
            the newest:  cat "\$(ls -t $FOLIO_STATE_DIR/mail/*.eml | head -n1)"
  API docs  auth  http://localhost:$AUTH_PORT/docs
            posts http://localhost:$POSTS_PORT/docs
            media http://localhost:$MEDIA_PORT/docs
  Pictures  $FOLIO_STATE_DIR/media/
  Logs      $FOLIO_STATE_DIR/logs/ (tail -f $FOLIO_STATE_DIR/logs/auth.log)
  Traces    each log line of a request names its trace ("logging.googleapis.com/trace");
            child spans (statements, hashing, SMTP...): OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318
            RUST_LOG=info,folio=debug make dev, then a collector's trace view (docs/operations.md#traces)
  Frontend  hot reload: cd web && npm run dev (proxies the API to this gateway)

MSG
}

# Ctrl-C reaches system.sh, which stops everything and exits 0 (so make stays quiet); this
# reader keeps going until system.sh has finished and closed its output. A script that
# starts `make dev &` starts it with SIGINT ignored, which system.sh would inherit: Ctrl-C
# (SIGINT) is how make dev is stopped, so system.sh gets it back at its default.
env --default-signal=INT scripts/system.sh | {
  trap '' INT
  while IFS= read -r line; do
    printf '%s\n' "$line"
    if [[ "$line" == "Folio is running at "* ]]; then welcome; fi
  done
}
