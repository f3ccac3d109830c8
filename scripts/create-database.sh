#!/usr/bin/env bash
# Creates the database named in a local Postgres URL if it does not exist yet (Neon and
# other managed databases are created outside Folio).
set -euo pipefail
url="$1"
name="${url##*/}"; name="${name%%\?*}"
server="${url%/*}/postgres"
if [ -z "$name" ] || [[ ! "$name" =~ ^[A-Za-z0-9_]+$ ]]; then
  echo "create-database: cannot read a database name from the URL" >&2; exit 1
fi
if ! psql "$server" -Atqc "select 1 from pg_database where datname = '$name'" | grep -q 1; then
  psql "$server" -qc "create database $name"
  echo "created database $name"
fi
