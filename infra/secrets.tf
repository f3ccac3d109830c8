# Secret Manager secrets. Terraform creates the secrets only; their values are added
# outside Terraform (README.md, "Secrets") so they never enter the state file. The
# services read pinned versions (var.secret_versions).
locals {
  secret_names = concat(
    ["database-url", "database-direct-url", "jwt-private-key", "mail-job-key", "mail-password"],
    var.memorystore ? [] : ["redis-url"],
  )
}

resource "google_secret_manager_secret" "folio" {
  for_each  = toset(local.secret_names)
  secret_id = "folio-${each.value}"

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}
