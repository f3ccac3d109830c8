# Optional (enable_load_balancer): a global external HTTPS load balancer in FRONT of the
# gateway, for what the gateway cannot give: a custom domain with a managed certificate,
# Cloud Armor, and Cloud CDN for the hashed assets. One serverless NEG, the gateway; no
# path routing here (the Caddyfile alone routes), so every request meets the same
# routing and headers as without it. The gateway then admits only the load balancer
# (gateway.tf), and the client address is one hop further away (docs, client address).
locals {
  lb = var.enable_load_balancer ? 1 : 0
}

resource "google_compute_global_address" "folio" {
  count = local.lb
  name  = "folio"

  depends_on = [google_project_service.apis]
}

resource "google_compute_region_network_endpoint_group" "gateway" {
  count                 = local.lb
  name                  = "folio-gateway"
  region                = var.region
  network_endpoint_type = "SERVERLESS"
  cloud_run {
    service = google_cloud_run_v2_service.gateway.name
  }
}

# A per-client flood guard before anything reaches Cloud Run; the services' own rate
# limits (per account, per address) still apply behind it.
resource "google_compute_security_policy" "folio" {
  count = local.lb
  name  = "folio"

  rule {
    action   = "throttle"
    priority = 1000
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"
      rate_limit_threshold {
        count        = var.armor_requests_per_minute
        interval_sec = 60
      }
    }
    description = "At most armor_requests_per_minute requests a minute per client address"
  }

  rule {
    action   = "allow"
    priority = 2147483647
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
    description = "Everything else"
  }
}

# CDN caches only what the gateway marks cacheable (hashed /assets/* are immutable,
# pages are no-cache, API answers carry their own Cache-Control).
resource "google_compute_backend_service" "gateway" {
  count                 = local.lb
  name                  = "folio-gateway"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  security_policy       = google_compute_security_policy.folio[0].id
  enable_cdn            = true

  cdn_policy {
    cache_mode = "USE_ORIGIN_HEADERS"
  }

  backend {
    group = google_compute_region_network_endpoint_group.gateway[0].id
  }

  log_config {
    enable      = true
    sample_rate = 1.0
  }
}

resource "google_compute_url_map" "folio" {
  count           = local.lb
  name            = "folio"
  default_service = google_compute_backend_service.gateway[0].id
}

resource "google_compute_managed_ssl_certificate" "folio" {
  count = local.lb
  name  = "folio"
  managed {
    domains = [var.domain]
  }
}

resource "google_compute_ssl_policy" "modern" {
  count           = local.lb
  name            = "folio-modern"
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_target_https_proxy" "folio" {
  count            = local.lb
  name             = "folio"
  url_map          = google_compute_url_map.folio[0].id
  ssl_certificates = [google_compute_managed_ssl_certificate.folio[0].id]
  ssl_policy       = google_compute_ssl_policy.modern[0].id
}

resource "google_compute_global_forwarding_rule" "https" {
  count                 = local.lb
  name                  = "folio-https"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.folio[0].address
  port_range            = "443"
  target                = google_compute_target_https_proxy.folio[0].id
}

# Plain HTTP only redirects to HTTPS.
resource "google_compute_url_map" "redirect" {
  count = local.lb
  name  = "folio-redirect"
  default_url_redirect {
    https_redirect = true
    strip_query    = false
  }
}

resource "google_compute_target_http_proxy" "redirect" {
  count   = local.lb
  name    = "folio-redirect"
  url_map = google_compute_url_map.redirect[0].id
}

resource "google_compute_global_forwarding_rule" "http" {
  count                 = local.lb
  name                  = "folio-http"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.folio[0].address
  port_range            = "80"
  target                = google_compute_target_http_proxy.redirect[0].id
}
