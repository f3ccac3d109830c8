# The mail worker: a Redis stream consumer, not a request server, so it runs as exactly
# one always-on instance with CPU always allocated (Cloud Run would otherwise throttle
# it between requests). Its HTTP port serves only the probes; ingress is internal and
# nobody is granted run.invoker. One consumer is enough for the mail volume; the design
# allows several (each has its own consumer name) if max_instance_count is raised.
resource "google_cloud_run_v2_service" "mail" {
  name                = "folio-mail"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = false

  template {
    service_account = google_service_account.workload["mail"].email

    scaling {
      min_instance_count = 1
      max_instance_count = 1
    }

    dynamic "vpc_access" {
      for_each = var.memorystore ? [1] : []
      content {
        egress = local.vpc_egress.egress
        network_interfaces {
          network    = local.vpc_egress.network
          subnetwork = local.vpc_egress.subnetwork
        }
      }
    }

    containers {
      image = "${local.images}/mail:${var.image_tag}"

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "256Mi"
        }
        cpu_idle          = false
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = merge(local.common_env, {
          MAIL_SERVER   = var.mail.server
          MAIL_PORT     = tostring(var.mail.port)
          MAIL_USERNAME = var.mail.username
          MAIL_FROM     = var.mail.from
          MAIL_USE_TLS  = tostring(var.mail.use_tls)
        })
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.workload_secrets["mail"]
        content {
          name = local.secret_env[env.value]
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.folio[env.value].secret_id
              version = var.secret_versions[env.value]
            }
          }
        }
      }

      startup_probe {
        http_get {
          path = "/health"
        }
        period_seconds    = 2
        timeout_seconds   = 2
        failure_threshold = 30
      }

      liveness_probe {
        http_get {
          path = "/livez"
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

  depends_on = [google_secret_manager_secret_iam_member.workload]
}
