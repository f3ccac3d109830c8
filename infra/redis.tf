# Redis for rate limits and the mail stream. Memorystore, on Folio's VPC (network.tf), is
# reached through Direct VPC egress (no Serverless VPC Access connector to run or pay
# for). Without Memorystore the services read an external rediss:// URL from the
# redis-url secret instead.
resource "google_redis_instance" "folio" {
  # checkov:skip=CKV_GCP_95:AUTH would put a password in REDIS_URL; the instance is reachable only from the VPC, by private IP.
  # checkov:skip=CKV_GCP_97:In-transit encryption needs the server CA in every client (redis-rs trusts webpki roots only); traffic stays inside the VPC.
  count              = var.memorystore ? 1 : 0
  name               = "folio"
  region             = var.region
  tier               = "STANDARD_HA"
  memory_size_gb     = 1
  redis_version      = "REDIS_7_2"
  authorized_network = google_compute_network.folio.id
  connect_mode       = "DIRECT_PEERING"

  depends_on = [google_project_service.apis]
}

locals {
  redis_url = var.memorystore ? "redis://${google_redis_instance.folio[0].host}:${google_redis_instance.folio[0].port}" : ""
}
