# ONE trigger, one pipeline (../cloudbuild.yaml): a push to the deploy branch that touches
# anything an image is built from compiles every image once, migrates once, then deploys
# the services whose inputs changed. Builds of two pushes may run side by side, but
# only one at a time migrates and deploys (a lock object in the bucket below), and a
# build never deploys over a newer one (cloudbuild/deploy.sh). The repository must be
# connected to Cloud Build first (README.md).
resource "google_cloudbuild_trigger" "deploy" {
  name            = "folio-deploy"
  location        = var.region
  description     = "Build every Folio image, migrate, deploy what changed"
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.build.id

  github {
    owner = var.github_owner
    name  = var.github_repository
    push {
      branch = var.deploy_branch
    }
  }

  # What the images are built from (cloudbuild/inputs.sh decides per service).
  included_files = [
    "services/**",
    "shared/**",
    "model/**",
    "migrate/**",
    "migrations/**",
    "web/**",
    "infra/gateway/**",
    "infra/cloudbuild/**",
    "Cargo.toml",
    "Cargo.lock",
    "Dockerfile",
    ".dockerignore",
    "cloudbuild.yaml",
  ]

  substitutions = {
    _REGION      = var.region
    _REPOSITORY  = var.repository
    _SOURCE_URL  = "https://github.com/${var.github_owner}/${var.github_repository}"
    _LOCK_BUCKET = google_storage_bucket.deploy_lock.name
  }

  depends_on = [google_project_service.apis]
}

# Holds one object while a build migrates and deploys: created only if absent (a
# generation precondition), deleted by its build at the end, broken by the next build
# once the holder has stopped running.
resource "google_storage_bucket" "deploy_lock" {
  # checkov:skip=CKV_GCP_62:One short-lived lock object; Cloud Audit Logs record who took it.
  # checkov:skip=CKV_GCP_78:A lock needs no history.
  name                        = "${var.project_id}-folio-deploy-lock"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  depends_on = [google_project_service.apis]
}
