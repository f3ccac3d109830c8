# Secret Manager secrets. Terraform creates the secrets; their values are added outside
# Terraform (README.md, first deployment, step 5) so they never enter the state file,
# and the services read pinned versions (var.secret_versions). Two exceptions have
# values Terraform writes itself: mail-wake-token (wake.tf: the scheduler job carries it
# anyway) and, with Memorystore, redis-url (redis.tf: the AUTH string is an attribute
# of the instance, so it is in the state anyway).
locals {
  secret_names = [
    "database-url", "database-direct-url", "jwt-private-key", "mail-job-key",
    "mail-password", "mail-wake-token", "redis-url",
  ]
}

resource "google_secret_manager_secret" "folio" {
  for_each  = toset(local.secret_names)
  secret_id = "folio-${each.value}"

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}
