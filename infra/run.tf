# The API services (auth, posts, media) on Cloud Run, private: internal ingress, so only
# requests from Folio's VPC reach them (the gateway's, gateway.tf; network.tf has the
# route), and a request from the internet at a service's run.app URL is refused. Each
# runs as its own service account with only its secrets, is probed on /health at start-up (database answers)
# and /livez while serving (nothing touched, so a database outage does not restart
# every instance), gets a start-up CPU boost, and scales up to its share of the Neon
# pooler's connection budget. Deploys change only the image, from Cloud Build, so
# Terraform ignores the image after creation.
locals {
  secret_env = {
    database-url        = "DATABASE_URL"
    database-direct-url = "DATABASE_DIRECT_URL"
    jwt-private-key     = "JWT_PRIVATE_KEY"
    mail-job-key        = "MAIL_JOB_KEY"
    mail-password       = "MAIL_PASSWORD"
    redis-url           = "REDIS_URL"
  }

  common_env = merge(
    {
      APP_ENV              = "production"
      RUST_LOG             = "info"
      GOOGLE_CLOUD_PROJECT = var.project_id
      FRONTEND_URL         = local.public_url
      ALLOWED_ORIGINS      = join(",", var.allowed_origins)
      # The gateway alone decides the client address and hands it on as the single
      # X-Forwarded-For entry, so services trust exactly one hop in every shape.
      TRUSTED_PROXY_HOPS = "1"
      DATABASE_POOL_SIZE = tostring(var.database_pool_size)
      JWT_PUBLIC_KEYS    = var.jwt_public_keys
      MEDIA_STORE_URL    = "gs://${google_storage_bucket.pictures.name}"
      MEDIA_PUBLIC_URL   = local.media_public_url
    },
    var.memorystore ? { REDIS_URL = local.redis_url } : {},
  )

  # Instances x pool size stays within each service's share of the pooler's budget.
  max_instances = {
    for name, s in var.services : name => max(1, min(
      s.max_instances,
      floor(var.database_connection_budget * s.connection_share / var.database_pool_size),
    ))
  }
}

resource "google_cloud_run_v2_service" "http" {
  for_each            = var.services
  name                = "folio-${each.key}"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = false
  # No invoker IAM check: it would need a Google ID token in Authorization, where Folio's
  # clients put their own bearer token, and Caddy cannot mint one. Safe because internal
  # ingress already admits only this project's VPC networks, where nothing but Folio's
  # own Cloud Run instances has an interface, and every write checks the user's token
  # as it did when these services were public (README.md, "Private services").
  invoker_iam_disabled = true

  template {
    service_account                  = google_service_account.workload[each.key].email
    max_instance_request_concurrency = each.value.concurrency
    timeout                          = "60s"

    scaling {
      min_instance_count = each.value.min_instances
      max_instance_count = local.max_instances[each.key]
    }

    # Memorystore, and mail's internal endpoint for auth; the rest of their egress
    # (Neon, an external Redis, Google APIs) stays off the VPC (network.tf).
    vpc_access {
      egress = local.vpc_egress.egress
      network_interfaces {
        network    = local.vpc_egress.network
        subnetwork = local.vpc_egress.subnetwork
      }
    }

    containers {
      image = "${local.images}/${each.key}:${var.image_tag}"

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = each.value.cpu
          memory = each.value.memory
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.common_env
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.workload_secrets[each.key]
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
