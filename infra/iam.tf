# One service account per workload, each allowed only what it uses: its own secrets,
# and for pictures, media alone writes the bucket (auth may only delete a picture, when
# an account is deleted). Nothing here is granted at project level except what Cloud
# Build needs to deploy.
locals {
  redis_secret = var.memorystore ? [] : ["redis-url"]
  workload_secrets = {
    auth    = concat(["database-url", "jwt-private-key"], local.redis_secret)
    posts   = concat(["database-url"], local.redis_secret)
    media   = concat(["database-url"], local.redis_secret)
    mail    = concat(["database-url", "mail-password"], local.redis_secret)
    migrate = ["database-direct-url"]
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
}

resource "google_storage_bucket_iam_member" "auth_deletes_pictures" {
  bucket = google_storage_bucket.pictures.name
  role   = google_project_iam_custom_role.picture_deleter.id
  member = google_service_account.workload["auth"].member
}

# The Cloud Build triggers run as this account: push images, run the migrate job, deploy.
resource "google_service_account" "build" {
  account_id   = "folio-build"
  display_name = "Folio Cloud Build deployer"
}

resource "google_project_iam_member" "build" {
  for_each = toset(["roles/run.developer", "roles/logging.logWriter"])
  project  = var.project_id
  role     = each.value
  member   = google_service_account.build.member
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
