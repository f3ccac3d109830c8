#!/usr/bin/env bash
# Cloud Build step (cloud-sdk): migrate once, then deploy every service whose inputs
# changed, with the images build.sh pushed for this commit. Under the deploy lock
# (lock.sh), so two builds never migrate or deploy at once, and ordered by build: each
# build stamps what it migrates and deploys with its creation time (the folio_build
# label), and a build that finds a newer stamp stops, so an older build never migrates
# or deploys over a newer one. Run from the repository root:
#   IMAGES, COMMIT_SHA, BUILD_ID, LOCATION (Cloud Build's), REGION, LOCK_BUCKET,
#   DEPLOY (anything but "true": build and push only, as the first deployment does),
#   BUILD_NOTES (.folio-build: what build.sh wrote about the web assets)
#
# Pages and their assets (README.md, "Deploy order"): posts serves pages made from the
# app shell of its own web build, which names hashed assets that only the gateway
# serves. So the gateway deploys before posts, and only if it keeps the assets of the
# release posts serves now (gateway-assets.sh put earlier releases in its image); posts
# deploys only onto a gateway that serves its release, and a posts change of release
# redeploys the gateway too. Each is labelled with what it serves (folio_web: posts its
# release id, the gateway its ids "_"-joined). Every image deployed is also tagged
# `live`, which the registry's cleanup keeps and gateway-assets.sh reads.
set -euo pipefail
: "${IMAGES:?}" "${COMMIT_SHA:?}" "${BUILD_ID:?}" "${LOCATION:?}" "${REGION:?}"
if [ "${DEPLOY:-true}" != true ]; then
  echo "deploy: DEPLOY=${DEPLOY}: images pushed, nothing migrated or deployed"
  exit 0
fi
here="$(dirname "$0")"
notes="${BUILD_NOTES:-.folio-build}"
for note in web-release gateway-web-releases; do
  [ -s "$notes/$note" ] || { echo "deploy: $notes/$note is missing: build.sh (the build step) writes it" >&2; exit 1; }
done
web_release="$(cat "$notes/web-release")"
gateway_releases="$(cat "$notes/gateway-web-releases")"
# shellcheck source=infra/cloudbuild/lock.sh
. "$here/lock.sh"

# Fixed width (23 digits), so the stamps compare as strings.
created="$(gcloud builds describe "$BUILD_ID" --region="$LOCATION" --format='value(createTime)')"
stamp="$(date -u -d "$created" +%Y%m%d%H%M%S%N)"

lock_acquire
trap lock_release EXIT

newer() { [ -n "$1" ] && [[ "$1" > "$stamp" ]]; }
# Whether the "_"-joined release list $1 holds release $2.
serves() { [ -n "$2" ] && [[ "_$1_" == *"_$2_"* ]]; }

migrated="$(gcloud run jobs describe folio-migrate --region="$REGION" --format='value(metadata.labels.folio_build)')"
if newer "$migrated"; then
  echo "deploy: build stamped $migrated has migrated already; this older build ($stamp) stops"
  exit 0
fi

# What to deploy, decided (and refused, see below) before anything is migrated. The
# gateway before posts (above); the others in any order.
services=(auth media mail gateway posts)
declare -A inputs deployed_web action
for service in "${services[@]}"; do
  inputs[$service]="$("$here/inputs.sh" "$service")"
  deployed_build="" deployed_inputs="" deployed_web[$service]=""
  IFS=$'\t' read -r deployed_build deployed_inputs "deployed_web[$service]" < <(
    gcloud run services describe "folio-$service" --region="$REGION" \
      --format='value(metadata.labels.folio_build,metadata.labels.folio_inputs,metadata.labels.folio_web)'
  ) || true
  if newer "$deployed_build"; then
    action[$service]="skip: build $deployed_build deployed it"
  elif [ "$deployed_inputs" = "${inputs[$service]}" ]; then
    action[$service]="skip: inputs unchanged"
  else
    action[$service]=deploy
  fi
done

# posts' new shell needs a gateway serving its release; a gateway whose inputs did not
# change may still predate it (built from the same web/, but deployed before a failed
# posts deploy, or an older image).
if [ "${action[posts]}" = deploy ] && [ "${action[gateway]}" != deploy ] \
  && ! serves "${deployed_web[gateway]}" "$web_release"; then
  case "${action[gateway]}" in
    "skip: inputs unchanged")
      echo "deploy: folio-gateway: inputs unchanged, but it does not serve release $web_release of posts' new shell; deployed"
      action[gateway]=deploy
      ;;
    *)
      echo "deploy: folio-posts would name assets of release $web_release, which folio-gateway (${action[gateway]#skip: }) does not serve; nothing migrated or deployed" >&2
      exit 1
      ;;
  esac
fi
# The new gateway must keep what the running posts names until posts is replaced, and
# what pages already open in browsers name after that.
if [ "${action[gateway]}" = deploy ] && [ -n "${deployed_web[posts]}" ] \
  && ! serves "$gateway_releases" "${deployed_web[posts]}"; then
  echo "deploy: this build's gateway keeps releases $gateway_releases but folio-posts serves pages" \
    "of release ${deployed_web[posts]} (another build deployed while this one was building);" \
    "nothing migrated or deployed: run this build again, its gateway will then keep that release" >&2
  exit 1
fi

gcloud run jobs update folio-migrate --region="$REGION" --image="$IMAGES/migrate:$COMMIT_SHA" --quiet
gcloud run jobs execute folio-migrate --region="$REGION" --wait
gcloud run jobs update folio-migrate --region="$REGION" --update-labels="folio_build=$stamp" --quiet

for service in "${services[@]}"; do
  if [ "${action[$service]}" != deploy ]; then
    echo "deploy: folio-$service: ${action[$service]#skip: }; skipped"
    continue
  fi
  labels="folio_build=$stamp,folio_inputs=${inputs[$service]}"
  case "$service" in
    gateway) labels="$labels,folio_web=$gateway_releases" ;;
    posts) labels="$labels,folio_web=$web_release" ;;
  esac
  gcloud run deploy "folio-$service" --region="$REGION" --image="$IMAGES/$service:$COMMIT_SHA" \
    --update-labels="$labels" --quiet
  gcloud artifacts docker tags add "$IMAGES/$service:$COMMIT_SHA" "$IMAGES/$service:live" --quiet
done
