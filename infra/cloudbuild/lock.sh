# Sourced by deploy.sh: one deploy at a time across Cloud Build builds. The lock is the
# object gs://$LOCK_BUCKET/deploy.lock holding the build id of its holder, created only
# if absent (generation precondition 0), so two builds can never both create it. The
# holder deletes it when its deploy step exits, failed or not; a build killed before
# that (timeout, cancel) leaves it behind, and the next build breaks it once Cloud Build
# says the holder is no longer running.
lock_object="gs://${LOCK_BUCKET:?}/deploy.lock"
lock_poll_seconds="${LOCK_POLL_SECONDS:-15}"

lock_acquire() {
  local mine holder status generation failures=0
  mine="$(mktemp)"
  printf '%s\n' "$BUILD_ID" >"$mine"
  while :; do
    if gcloud storage cp "$mine" "$lock_object" --if-generation-match=0 >/dev/null 2>&1; then
      echo "deploy: lock taken by build $BUILD_ID"
      return 0
    fi
    if ! holder="$(gcloud storage cat "$lock_object" 2>/dev/null)"; then
      # Neither created nor readable: released meanwhile (try again), or no access.
      failures=$((failures + 1))
      [ "$failures" -lt 5 ] || { echo "deploy: cannot take $lock_object" >&2; return 1; }
      continue
    fi
    # Our own upload went through although cp reported a failure.
    [ "$holder" != "$BUILD_ID" ] || return 0
    status="$(gcloud builds describe "$holder" --region="$LOCATION" --format='value(status)' 2>/dev/null || echo GONE)"
    case "$status" in
      PENDING | QUEUED | WORKING)
        echo "deploy: build $holder is deploying; waiting"
        sleep "$lock_poll_seconds"
        ;;
      *)
        echo "deploy: breaking the lock of build $holder ($status)"
        generation="$(gcloud storage objects describe "$lock_object" --format='value(generation)' 2>/dev/null || true)"
        # Only that very object: if another waiter broke it and took it first, this fails.
        [ -z "$generation" ] || gcloud storage rm "$lock_object" --if-generation-match="$generation" >/dev/null 2>&1 || true
        ;;
    esac
  done
}

lock_release() {
  local generation
  [ "$(gcloud storage cat "$lock_object" 2>/dev/null)" = "$BUILD_ID" ] || return 0
  generation="$(gcloud storage objects describe "$lock_object" --format='value(generation)')"
  gcloud storage rm "$lock_object" --if-generation-match="$generation" >/dev/null
  echo "deploy: lock released"
}
