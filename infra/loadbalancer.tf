# Optional (enable_load_balancer): one HTTPS origin in front of everything, routed as
# the gateway's routing (infra/gateway/Caddyfile) says, instead of Firebase Hosting:
#   /api/users/{id}/posts, /api/posts*   -> posts
#   /api/users/{id}/picture              -> media
#   /api/users*, /.well-known/jwks.json  -> auth
#   everything else                      -> the frontend (web/dist in a bucket, Cloud CDN)
# Services then accept traffic only from the load balancer (ingress in run.tf).
locals {
  lb          = var.enable_load_balancer ? 1 : 0
  lb_services = var.enable_load_balancer ? toset(keys(var.services)) : toset([])
}

resource "google_compute_global_address" "folio" {
  count = local.lb
  name  = "folio"
}

resource "google_compute_region_network_endpoint_group" "run" {
  for_each              = local.lb_services
  name                  = "folio-${each.key}"
  region                = var.region
  network_endpoint_type = "SERVERLESS"
  cloud_run {
    service = google_cloud_run_v2_service.http[each.key].name
  }
}

resource "google_compute_backend_service" "run" {
  for_each              = local.lb_services
  name                  = "folio-${each.key}"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"

  backend {
    group = google_compute_region_network_endpoint_group.run[each.key].id
  }

  log_config {
    enable      = true
    sample_rate = 1.0
  }
}

# The built frontend (`cd web && npm ci && npm run build`, then
# `gcloud storage rsync --recursive web/dist gs://<bucket>`), public like any website.
resource "google_storage_bucket" "web" {
  # checkov:skip=CKV_GCP_62:A public static site; the load balancer logs every request.
  # checkov:skip=CKV_GCP_78:Each deploy uploads the whole build; git history is the version history.
  count                       = local.lb
  name                        = "${var.project_id}-folio-web"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "inherited"

  website {
    main_page_suffix = "index.html"
    not_found_page   = "index.html"
  }
}

resource "google_storage_bucket_iam_member" "web_public_read" {
  # checkov:skip=CKV_GCP_28:The frontend is a public website.
  count  = local.lb
  bucket = google_storage_bucket.web[0].name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_compute_backend_bucket" "web" {
  count       = local.lb
  name        = "folio-web"
  bucket_name = google_storage_bucket.web[0].name
  enable_cdn  = true
}

resource "google_compute_url_map" "folio" {
  count           = local.lb
  name            = "folio"
  default_service = google_compute_backend_bucket.web[0].id

  host_rule {
    hosts        = ["*"]
    path_matcher = "folio"
  }

  path_matcher {
    name            = "folio"
    default_service = google_compute_backend_bucket.web[0].id

    route_rules {
      priority = 1
      service  = google_compute_backend_service.run["posts"].id
      match_rules {
        path_template_match = "/api/users/*/posts"
      }
    }
    route_rules {
      priority = 2
      service  = google_compute_backend_service.run["media"].id
      match_rules {
        path_template_match = "/api/users/*/picture"
      }
    }
    route_rules {
      priority = 3
      service  = google_compute_backend_service.run["posts"].id
      match_rules {
        prefix_match = "/api/posts"
      }
    }
    route_rules {
      priority = 4
      service  = google_compute_backend_service.run["auth"].id
      match_rules {
        prefix_match = "/api/users"
      }
    }
    route_rules {
      priority = 5
      service  = google_compute_backend_service.run["auth"].id
      match_rules {
        full_path_match = "/.well-known/jwks.json"
      }
    }
  }
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
