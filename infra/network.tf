# Folio's own VPC, so the private route does not depend on a "default" network (an
# organisation policy often skips creating it). Nothing but Folio's Cloud Run instances
# has an interface here.
#
# The route from the gateway (and auth) to a private service, none of it a paid NAT:
#   1. The caller has Direct VPC egress into `folio` with egress PRIVATE_RANGES_ONLY:
#      only private destinations enter the VPC; Neon, SMTP, an external Redis and
#      Google APIs leave by Cloud Run's own internet egress as before.
#   2. The private zone below answers *.run.app inside this VPC with private.googleapis.com
#      (199.36.153.8/30), so a call to https://folio-auth-....run.app is sent into the
#      VPC instead of to the public address.
#   3. Private Google Access on the subnet carries it to Cloud Run's front end, which
#      counts it as internal (a VPC network of the same project) and lets it past the
#      service's internal ingress. The same URL from the internet gets a 404/403.
# Cost: Direct VPC egress and Private Google Access are free (traffic inside one region
# is not billed); the private zone is $0.20 a month plus $0.40 per million queries.
# Memorystore sits on this network too (redis.tf), reached over the same interface.
resource "google_compute_network" "folio" {
  name                    = "folio"
  auto_create_subnetworks = false

  depends_on = [google_project_service.apis]
}

# Nothing on this network accepts connections: Cloud Run instances only call out (return
# traffic of those calls is allowed by the firewall's connection tracking). Explicit, so
# the network's posture does not rest on the implied rule alone.
resource "google_compute_firewall" "deny_ingress" {
  name      = "folio-deny-ingress"
  network   = google_compute_network.folio.id
  direction = "INGRESS"
  priority  = 65534

  deny {
    protocol = "all"
  }
  source_ranges = ["0.0.0.0/0"]
}

# Direct VPC egress takes two addresses per instance (more during a revision change):
# a /24 holds every service at its max_instance_count with room to spare.
resource "google_compute_subnetwork" "folio" {
  # checkov:skip=CKV_GCP_26:Flow logs are billed per GB and would log every API call; Cloud Run's request logs already cover the traffic.
  # checkov:skip=CKV_GCP_76:IPv6 Private Google Access is not used: Cloud Run egress here is IPv4.
  name                     = "folio"
  region                   = var.region
  network                  = google_compute_network.folio.id
  ip_cidr_range            = var.subnet_cidr
  private_ip_google_access = true
}

resource "google_dns_managed_zone" "run_app" {
  # checkov:skip=CKV_GCP_16:DNSSEC applies to public zones; this zone is private to the VPC.
  name        = "folio-run-app"
  dns_name    = "run.app."
  description = "run.app inside Folio's VPC resolves to Private Google Access, so calls to internal-ingress services stay internal."
  visibility  = "private"

  private_visibility_config {
    networks {
      network_url = google_compute_network.folio.id
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_dns_record_set" "run_app" {
  managed_zone = google_dns_managed_zone.run_app.name
  name         = "*.run.app."
  type         = "A"
  ttl          = 300
  rrdatas      = ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"]
}

locals {
  # The same interface for every workload that has one.
  vpc_egress = {
    egress     = "PRIVATE_RANGES_ONLY"
    network    = google_compute_network.folio.name
    subnetwork = google_compute_subnetwork.folio.name
  }
}
