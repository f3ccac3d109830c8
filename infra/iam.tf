# One service account per workload, each allowed only what it uses: its own secrets,
# and for pictures, media alone writes the bucket (auth may only delete a picture, when
# an account is deleted). The deployer gets run.developer on each service and on the
# migrate job, not on the project; at project level only log writing and read access.
locals {
  workload_secrets = {
    auth    = ["database-url", "jwt-private-key", "mail-job-key", "mail-wake-token", "redis-url"]
    posts   = ["database-url", "redis-url"]
    media   = ["database-url"]
    mail    = ["database-url", "mail-job-key", "mail-password", "mail-wake-token", "redis-url"]
    migrate = ["database-direct-url"]
    gateway = [] # Caddy reads no secret: it serves files and forwards requests
  }
  secret_grants = merge([
    for workload, secrets in local.workload_secrets : {
      for secret in secrets : "${workload}/${secret}" => { workload = workload, secret = secret }
    }
  ]...)
}

resource "google_service_account" "workload" {
  for_each     = local.workload_secrets
  account_id   = "folio-${each.key}"
  display_name = "Folio ${each.key}"

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_iam_member" "workload" {
  for_each  = local.secret_grants
  secret_id = google_secret_manager_secret.folio[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.workload[each.value.workload].member
}

resource "google_storage_bucket_iam_member" "media_writes_pictures" {
  bucket = google_storage_bucket.pictures.name
  role   = "roles/storage.objectUser"
  member = google_service_account.workload["media"].member
}

# Deleting an account deletes its picture (docs/api.md); auth gets that one permission.
resource "google_project_iam_custom_role" "picture_deleter" {
  role_id     = "folioPictureDeleter"
  title       = "Folio picture deleter"
  description = "Delete objects only: auth removes a deleted account's picture."
  permissions = ["storage.objects.delete"]

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket_iam_member" "auth_deletes_pictures" {
  bucket = google_storage_bucket.pictures.name
  role   = google_project_iam_custom_role.picture_deleter.id
  member = google_service_account.workload["auth"].member
}

# The Cloud Build trigger runs as this account: push images, run the migrate job, deploy.
resource "google_service_account" "build" {
  account_id   = "folio-build"
  display_name = "Folio Cloud Build deployer"

  depends_on = [google_project_service.apis]
}

# Project-wide only what writes nothing Folio runs: build logs, reading Cloud Run
# (gcloud polls operations and describes revisions), and reading builds (the deploy
# lock checks whether the build holding it still runs; cloudbuild/lock.sh).
resource "google_project_iam_member" "build" {
  for_each = toset(["roles/logging.logWriter", "roles/run.viewer", "roles/cloudbuild.builds.viewer"])
  project  = var.project_id
  role     = each.value
  member   = google_service_account.build.member
}

# Deploying: each service and the migrate job separately.
locals {
  deployed_services = merge(
    { for name, service in google_cloud_run_v2_service.service : name => service.name },
    { gateway = google_cloud_run_v2_service.gateway.name },
  )
}

resource "google_cloud_run_v2_service_iam_member" "build_deploys" {
  for_each = local.deployed_services
  name     = each.value
  location = var.region
  role     = "roles/run.developer"
  member   = google_service_account.build.member
}

resource "google_cloud_run_v2_job_iam_member" "build_migrates" {
  name     = google_cloud_run_v2_job.migrate.name
  location = var.region
  role     = "roles/run.developer"
  member   = google_service_account.build.member
}

resource "google_storage_bucket_iam_member" "build_locks" {
  bucket = google_storage_bucket.deploy_lock.name
  role   = "roles/storage.objectUser"
  member = google_service_account.build.member
}

resource "google_artifact_registry_repository_iam_member" "build_pushes" {
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}

# Deploying a revision that runs as a workload's account requires acting as it.
resource "google_service_account_iam_member" "build_acts_as_workload" {
  for_each           = google_service_account.workload
  service_account_id = each.value.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.build.member
}
