#!/usr/bin/env bash
# What the tests (and make dev) need beyond Postgres and Redis, from PyPI: aiosmtpd (the
# SMTP server the mail worker sends to) and moto (an S3-compatible server for media).
set -euo pipefail
missing=()
python3 -c "import aiosmtpd" 2>/dev/null || missing+=(aiosmtpd)
command -v moto_server >/dev/null 2>&1 || missing+=("moto[server]")
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing from PyPI: ${missing[*]}"
  python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
