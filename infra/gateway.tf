# The gateway: the one public entry, the same Caddy image and Caddyfile (infra/gateway/)
# as `make dev` and compose. It serves the built frontend and routes /api/... to the
# private API services over Direct VPC egress (network.tf), at their internal run.app
# URLs. Public without an allUsers binding (invoker_iam_disabled), so an organisation's
# domain restricted sharing policy does not refuse it. With the load balancer
# (loadbalancer.tf) it admits only the load balancer, so Cloud Armor cannot be bypassed.
locals {
  gateway_port = 8000

  # Folio's URL: the mapped domain, else the gateway's own deterministic run.app URL
  # (known before the service exists, so the services' FRONTEND_URL needs no second apply).
  public_url = (
    var.frontend_url != "" ? var.frontend_url :
    var.enable_load_balancer ? "https://${var.domain}" :
    "https://folio-gateway-${data.google_project.folio.number}.${var.region}.run.app"
  )
}

data "google_project" "folio" {
  depends_on = [google_project_service.apis]
}

resource "google_cloud_run_v2_service" "gateway" {
  name                 = "folio-gateway"
  location             = var.region
  ingress              = var.enable_load_balancer ? "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" : "INGRESS_TRAFFIC_ALL"
  invoker_iam_disabled = true
  deletion_protection  = false

  template {
    service_account                  = google_service_account.workload["gateway"].email
    max_instance_request_concurrency = var.gateway.concurrency
    timeout                          = "60s"

    scaling {
      min_instance_count = var.gateway.min_instances
      max_instance_count = var.gateway.max_instances
    }

    # Only the services' run.app names resolve into the VPC; the gateway reaches nothing else.
    vpc_access {
      egress = local.vpc_egress.egress
      network_interfaces {
        network    = local.vpc_egress.network
        subnetwork = local.vpc_egress.subnetwork
      }
    }

    containers {
      image = "${local.images}/gateway:${var.image_tag}"

      ports {
        container_port = local.gateway_port
      }

      resources {
        limits = {
          cpu    = "1"
          memory = var.gateway.memory
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = {
          GATEWAY_PORT   = tostring(local.gateway_port)
          AUTH_UPSTREAM  = google_cloud_run_v2_service.service["auth"].uri
          POSTS_UPSTREAM = google_cloud_run_v2_service.service["posts"].uri
          MEDIA_UPSTREAM = google_cloud_run_v2_service.service["media"].uri
          # Who may append the client's address (docs/operations.md, "Client address"):
          # Google's front end, as the container sees it, and with the load balancer
          # also the load balancer's own address.
          GATEWAY_TRUSTED_PROXIES = join(" ", concat(
            var.gateway_front_end_ranges,
            var.enable_load_balancer ? ["${google_compute_global_address.folio[0].address}/32"] : [],
          ))
        }
        content {
          name  = env.key
          value = env.value
        }
      }

      # A path Caddy answers itself (infra/gateway/Caddyfile), so a slow or cold API
      # service never fails the gateway's own probes.
      startup_probe {
        http_get {
          path = "/gateway/livez"
        }
        period_seconds    = 1
        timeout_seconds   = 1
        failure_threshold = 10
      }

      liveness_probe {
        http_get {
          path = "/gateway/livez"
        }
        period_seconds    = 15
        timeout_seconds   = 2
        failure_threshold = 3
      }
    }
  }

  lifecycle {
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  depends_on = [google_project_service.apis]
}
