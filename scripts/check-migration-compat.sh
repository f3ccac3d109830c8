#!/usr/bin/env bash
# Expand, then contract: a migration must keep the code of the release before it working,
# because Cloud Run serves the old revision on the new schema until the new one is live.
# Takes the newest migration(s) (uncommitted ones, else those of the last commit that
# added files to migrations/), extracts the tree of main just before them (`git archive`
# into a temporary folder: the clone's git state is left as it is), and runs that tree's
# auth, posts and media API suites with this tree's schema:
#   - a tree whose TestDb honours FOLIO_TEST_MIGRATE_BIN migrates with this tree's
#     `migrate` binary (adoption and all);
#   - an older tree gets this tree's migrations/ copied over its own (its migrate embeds
#     them at build time), which is the same SQL applied by its own runner.
# COMPAT_BASE=<rev> checks another tree. The old tree builds in its own target folder
# ($FOLIO_COMPAT_TARGET_DIR), so the shared one keeps this tree's build.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
: "${CARGO_TARGET_DIR:=$HOME/.cache/folio-target}"
compat_target="${FOLIO_COMPAT_TARGET_DIR:-$HOME/.cache/folio-compat-target}"
export CARGO_TARGET_DIR

if [ -n "${COMPAT_BASE:-}" ]; then
  base="$COMPAT_BASE"
  newest="(given base)"
elif [ -n "$(git status --porcelain --untracked-files=all -- migrations/)" ]; then
  base=HEAD
  newest="$(git status --porcelain --untracked-files=all -- migrations/ | awk '{print $NF}' | xargs -n1 basename | tr '\n' ' ')"
else
  added="$(git log -1 --diff-filter=A --format=%H -- migrations/)"
  base="$added^"
  newest="$(git diff --name-only --diff-filter=A "$base" "$added" -- migrations/ | xargs -n1 basename | tr '\n' ' ')"
fi
base_sha="$(git rev-parse --verify "$base^{commit}")"
echo "migration-compat: ${newest% } against the code of $(git log -1 --format='%h (%s)' "$base_sha" | cut -c1-90)"

old="$(mktemp -d "${TMPDIR:-/tmp}/folio-compat.XXXXXX")"
trap 'rm -rf "$old"' EXIT
git archive "$base_sha" | tar -x -C "$old"

if grep -q FOLIO_TEST_MIGRATE_BIN "$old/shared/src/test_utils.rs" 2>/dev/null; then
  cargo build --quiet --locked -p folio-migrate --bin migrate
  export FOLIO_TEST_MIGRATE_BIN="$CARGO_TARGET_DIR/debug/migrate"
  echo "migration-compat: the old suites migrate with this tree's migrate ($FOLIO_TEST_MIGRATE_BIN)"
else
  rm -rf "$old/migrations"
  cp -r "$repo/migrations" "$old/migrations"
  echo "migration-compat: the old tree predates FOLIO_TEST_MIGRATE_BIN: this tree's migrations/ replace its own"
fi

cd "$old"
started=$SECONDS
CARGO_TARGET_DIR="$compat_target" cargo test --locked --all-features \
  -p folio-auth -p folio-posts -p folio-media --test api
echo "migration-compat: the previous code passes its API suites on the new schema ($((SECONDS - started)) s)"
