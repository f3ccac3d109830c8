#!/usr/bin/env bash
# Cloud Build step (cloud-sdk): migrate once, then deploy every service whose inputs
# changed, with the images build.sh pushed for this commit. Under the deploy lock
# (lock.sh), so two builds never migrate or deploy at once, and ordered by build: each
# build stamps what it migrates and deploys with its creation time (the folio_build
# label), and a build that finds a newer stamp stops, so an older build never migrates
# or deploys over a newer one. Run from the repository root:
#   IMAGES, COMMIT_SHA, BUILD_ID, LOCATION (Cloud Build's), REGION, LOCK_BUCKET,
#   DEPLOY (anything but "true": build and push only, as the first deployment does)
set -euo pipefail
: "${IMAGES:?}" "${COMMIT_SHA:?}" "${BUILD_ID:?}" "${LOCATION:?}" "${REGION:?}"
if [ "${DEPLOY:-true}" != true ]; then
  echo "deploy: DEPLOY=${DEPLOY}: images pushed, nothing migrated or deployed"
  exit 0
fi
here="$(dirname "$0")"
# shellcheck source=infra/cloudbuild/lock.sh
. "$here/lock.sh"

# Fixed width (23 digits), so the stamps compare as strings.
created="$(gcloud builds describe "$BUILD_ID" --region="$LOCATION" --format='value(createTime)')"
stamp="$(date -u -d "$created" +%Y%m%d%H%M%S%N)"

lock_acquire
trap lock_release EXIT

newer() { [ -n "$1" ] && [[ "$1" > "$stamp" ]]; }

migrated="$(gcloud run jobs describe folio-migrate --region="$REGION" --format='value(metadata.labels.folio_build)')"
if newer "$migrated"; then
  echo "deploy: build stamped $migrated has migrated already; this older build ($stamp) stops"
  exit 0
fi
gcloud run jobs update folio-migrate --region="$REGION" --image="$IMAGES/migrate:$COMMIT_SHA" --quiet
gcloud run jobs execute folio-migrate --region="$REGION" --wait
gcloud run jobs update folio-migrate --region="$REGION" --update-labels="folio_build=$stamp" --quiet

for service in auth posts media mail gateway; do
  inputs="$("$here/inputs.sh" "$service")"
  deployed_build="" deployed_inputs=""
  IFS=$'\t' read -r deployed_build deployed_inputs < <(
    gcloud run services describe "folio-$service" --region="$REGION" \
      --format='value(metadata.labels.folio_build,metadata.labels.folio_inputs)'
  ) || true
  if newer "${deployed_build:-}"; then
    echo "deploy: folio-$service: build $deployed_build deployed it; skipped"
  elif [ "${deployed_inputs:-}" = "$inputs" ]; then
    echo "deploy: folio-$service: inputs unchanged; skipped"
  else
    gcloud run deploy "folio-$service" --region="$REGION" --image="$IMAGES/$service:$COMMIT_SHA" \
      --update-labels="folio_build=$stamp,folio_inputs=$inputs" --quiet
  fi
done
