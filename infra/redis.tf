# Redis for rate limits and the mail stream, always over TLS with a password.
#
# Default (memorystore = false): an external serverless Redis (Upstash or another with a
# free tier; README.md, "Redis"), nothing billed at rest here: its rediss:// URL, with
# its password, is added by hand to the folio-redis-url secret, and the services reach
# it by Cloud Run's own internet egress.
#
# Opt-in (memorystore = true): a Memorystore instance on Folio's VPC (network.tf),
# reached through Direct VPC egress (no connector to run or pay for), billed around the
# clock. AUTH on and in-transit encryption (TLS, the server authenticated by Memorystore's
# own CA, port 6378): Terraform writes rediss://:AUTH@host:port into the same secret and
# gives the services the instance's CA as REDIS_CA_CERT (shared/src/redis.rs).
resource "google_redis_instance" "folio" {
  count                   = var.memorystore ? 1 : 0
  name                    = "folio"
  region                  = var.region
  tier                    = "STANDARD_HA"
  memory_size_gb          = 1
  redis_version           = "REDIS_7_2"
  authorized_network      = google_compute_network.folio.id
  connect_mode            = "DIRECT_PEERING"
  auth_enabled            = true
  transit_encryption_mode = "SERVER_AUTHENTICATION"

  depends_on = [google_project_service.apis]
}

# The AUTH string is an attribute of the instance (so in the state already); in the
# secret it stays out of the services' plain environment and their revisions.
resource "google_secret_manager_secret_version" "memorystore_url" {
  count       = var.memorystore ? 1 : 0
  secret      = google_secret_manager_secret.folio["redis-url"].id
  secret_data = "rediss://:${google_redis_instance.folio[0].auth_string}@${google_redis_instance.folio[0].host}:${google_redis_instance.folio[0].port}"
}

locals {
  # Every CA certificate Memorystore lists (more than one while it rotates its CA).
  memorystore_ca = var.memorystore ? join("\n", google_redis_instance.folio[0].server_ca_certs[*].cert) : ""
}
