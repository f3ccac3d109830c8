# The HTTP services (auth, posts, media) on Cloud Run. Each runs as its own service
# account with only its secrets, is probed on /health at start-up (database answers)
# and /livez while serving (nothing touched, so a database outage does not restart
# every instance), gets a start-up CPU boost, and scales up to its share of the Neon
# pooler's connection budget. Deploys change only the image, from Cloud Build, so
# Terraform ignores the image after creation.
locals {
  secret_env = {
    database-url        = "DATABASE_URL"
    database-direct-url = "DATABASE_DIRECT_URL"
    jwt-private-key     = "JWT_PRIVATE_KEY"
    mail-password       = "MAIL_PASSWORD"
    redis-url           = "REDIS_URL"
  }

  common_env = merge(
    {
      APP_ENV              = "production"
      RUST_LOG             = "info"
      GOOGLE_CLOUD_PROJECT = var.project_id
      FRONTEND_URL         = var.frontend_url
      ALLOWED_ORIGINS      = join(",", var.allowed_origins)
      TRUSTED_PROXY_HOPS   = tostring(var.trusted_proxy_hops)
      DATABASE_POOL_SIZE   = tostring(var.database_pool_size)
      JWT_PUBLIC_KEYS      = var.jwt_public_keys
      MEDIA_STORE_URL      = "gs://${google_storage_bucket.pictures.name}"
      MEDIA_PUBLIC_URL     = local.media_public_url
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
  for_each = var.services
  name     = "folio-${each.key}"
  location = var.region
  # Firebase Hosting rewrites reach services through their public URL; with the load
  # balancer alone, only it may reach them.
  ingress             = var.enable_load_balancer ? "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" : "INGRESS_TRAFFIC_ALL"
  deletion_protection = false

  template {
    service_account                  = google_service_account.workload[each.key].email
    max_instance_request_concurrency = each.value.concurrency
    timeout                          = "60s"

    scaling {
      min_instance_count = each.value.min_instances
      max_instance_count = local.max_instances[each.key]
    }

    dynamic "vpc_access" {
      for_each = var.memorystore ? [1] : []
      content {
        egress = "PRIVATE_RANGES_ONLY"
        network_interfaces {
          network    = var.network
          subnetwork = var.subnetwork
        }
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

# The API is public, as the FastAPI blog's was; every write needs a bearer token.
resource "google_cloud_run_v2_service_iam_member" "public" {
  for_each = google_cloud_run_v2_service.http
  name     = each.value.name
  location = each.value.location
  role     = "roles/run.invoker"
  member   = "allUsers"
}
