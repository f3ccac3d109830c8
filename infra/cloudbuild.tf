# One trigger per service: a push to the deploy branch that touches the service, the
# shared crate, the migrations or the workspace manifests rebuilds and redeploys that
# service only (cloudbuild.yaml with _SERVICE set). The repository must be connected to
# Cloud Build first (README.md).
locals {
  deployed = ["auth", "posts", "media", "mail"]
}

resource "google_cloudbuild_trigger" "deploy" {
  for_each        = toset(local.deployed)
  name            = "folio-${each.value}"
  location        = var.region
  description     = "Build, migrate and deploy folio-${each.value}"
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.build.id

  github {
    owner = var.github_owner
    name  = var.github_repository
    push {
      branch = var.deploy_branch
    }
  }

  included_files = [
    "services/${each.value}/**",
    "shared/**",
    "migrations/**",
    "Cargo.toml",
    "Cargo.lock",
    "Dockerfile",
    "cloudbuild.yaml",
  ]

  substitutions = {
    _SERVICE    = each.value
    _REGION     = var.region
    _REPOSITORY = var.repository
    _SOURCE_URL = "https://github.com/${var.github_owner}/${var.github_repository}"
  }

  depends_on = [google_project_service.apis]
}
