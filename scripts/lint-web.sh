#!/usr/bin/env bash
# The frontend's lint (`make lint`): ESLint with typescript-eslint's type-checked rules over
# web/src, web/e2e and the config files, then `prettier --check` over the same (generated
# and built files are skipped: web/.prettierignore, web/eslint.config.js). Installs the
# locked npm packages first when missing or out of date, as every other web step does.
# `cd web && npm run format` rewrites what Prettier would change.
set -euo pipefail
cd "$(dirname "$0")/.."

web/build.sh --deps-only
cd web
# npm's own banner ("> folio-web@0.1.0 lint") adds nothing here; the tools' reports stay.
npm run --silent lint
