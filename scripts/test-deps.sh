#!/usr/bin/env bash
# What the tests need beyond Postgres and Redis: aiosmtpd (PyPI), the SMTP server the
# mail worker's tests send to.
set -euo pipefail
if ! python3 -c "import aiosmtpd" 2>/dev/null; then
  echo "installing aiosmtpd (PyPI) for the mail tests"
  python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
fi
