# The APIs Folio uses; disabling them on destroy would break anything else in the project.
# Terraform's own calls need cloudresourcemanager (project IAM), iam (service accounts)
# and serviceusage (enabling the rest): a new project may have none of them, and
# README.md enables the first two with gcloud before the first apply, since Terraform
# cannot enable the API it enables APIs with. Everything that calls an API lists
# google_project_service.apis in depends_on, so nothing races the enabling.
resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "compute.googleapis.com",
    "dns.googleapis.com",
    "iam.googleapis.com",
    "redis.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
  ])
  service            = each.value
  disable_on_destroy = false
}
