# Folio's Cloud Run services but the gateway, in one block: auth, posts and media (the
# API) and the mail worker. All four are private: internal ingress, so only requests
# from Folio's VPC (the gateway's, auth's wake of mail; network.tf has the route) and
# Cloud Scheduler of this project reach them, and a request from the internet at a
# service's run.app URL is refused. Each runs as its own service account with only its
# secrets, scales to zero by default, starts with a CPU boost, is probed on /livez
# (start-up and liveness: the process answers, no dependency touched, so a cold start
# waits for no database and a database outage restarts nothing), and scales up to its
# share of the Neon pooler's connection budget. Deploys change only the image, from
# Cloud Build, so Terraform ignores the image after creation.
#
# The mail worker differs in what it is billed for: it consumes the mail stream between
# requests, so its CPU stays allocated while an instance lives (instance-based billing,
# cpu_idle = false). With min 0 it still scales to zero: Cloud Run retires an instance
# that has served no request for its idle window, whatever its CPU does (wake.tf).
locals {
  secret_env = {
    database-url        = "DATABASE_URL"
    database-direct-url = "DATABASE_DIRECT_URL"
    jwt-private-key     = "JWT_PRIVATE_KEY"
    mail-job-key        = "MAIL_JOB_KEY"
    mail-password       = "MAIL_PASSWORD"
    mail-wake-token     = "MAIL_WAKE_TOKEN"
    redis-url           = "REDIS_URL"
  }

  # Each secret's pinned version: by hand (var.secret_versions) for values added by
  # hand, the version Terraform wrote for the two it writes itself.
  secret_versions = merge(
    var.secret_versions,
    { mail-wake-token = google_secret_manager_secret_version.mail_wake_token.version },
    var.memorystore ? { redis-url = google_secret_manager_secret_version.memorystore_url[0].version } : {},
  )

  common_env = {
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
  }

  # Setting groups some services read, each given only to those (docs/configuration.md).
  store_env       = { MEDIA_STORE_URL = "gs://${google_storage_bucket.pictures.name}" }
  picture_url_env = { MEDIA_PUBLIC_URL = local.media_public_url }
  # Memorystore's server certificate chains to its own CA, not a public one (redis.tf).
  redis_tls_env = var.memorystore ? { REDIS_CA_CERT = local.memorystore_ca } : {}
  group_env = {
    auth  = merge(local.store_env, local.picture_url_env, local.redis_tls_env)
    posts = merge(local.picture_url_env, local.redis_tls_env)
    media = merge(local.store_env, local.picture_url_env)
    mail  = local.redis_tls_env
  }

  # What one service reads beyond the common settings.
  service_env = {
    auth  = { MAIL_WAKE_URL = local.mail_wake_url }
    posts = {}
    media = {}
    mail = {
      MAIL_SERVER         = var.mail.server
      MAIL_PORT           = tostring(var.mail.port)
      MAIL_USERNAME       = var.mail.username
      MAIL_FROM           = var.mail.from
      MAIL_USE_TLS        = tostring(var.mail.use_tls)
      MAIL_ACTIVE_SECONDS = tostring(var.mail_active_seconds)
      MAIL_ALWAYS_ON      = tostring(var.mail_always_on)
    }
  }

  # Services whose CPU stays allocated between requests (instance-based billing).
  cpu_always_allocated = toset(["mail"])

  min_instances = {
    for name, s in var.services : name => (
      name == "mail" && var.mail_always_on ? max(1, s.min_instances) : s.min_instances
    )
  }

  # Instances x pool size stays within each service's share of the pooler's budget.
  max_instances = {
    for name, s in var.services : name => max(1, min(
      s.max_instances,
      floor(var.database_connection_budget * s.connection_share / var.database_pool_size),
    ))
  }

  # A service's URL, known before it exists (Cloud Run's deterministic run.app name), so
  # auth can name mail's in the same block.
  service_urls = {
    for name in keys(var.services) :
    name => "https://folio-${name}-${data.google_project.folio.number}.${var.region}.run.app"
  }
}

resource "google_cloud_run_v2_service" "service" {
  for_each            = var.services
  name                = "folio-${each.key}"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = false
  # No invoker IAM check: it would need a Google ID token in Authorization, where Folio's
  # clients put their own bearer token (and auth and the scheduler the wake token), and
  # Caddy cannot mint one. Safe because internal ingress already admits only this
  # project's VPC networks, where nothing but Folio's own Cloud Run instances has an
  # interface, and Cloud Scheduler of this project; every write checks the user's token
  # and a wake checks MAIL_WAKE_TOKEN (README.md, "Private services").
  invoker_iam_disabled = true

  template {
    service_account                  = google_service_account.workload[each.key].email
    max_instance_request_concurrency = each.value.concurrency
    timeout                          = "60s"

    scaling {
      min_instance_count = local.min_instances[each.key]
      max_instance_count = local.max_instances[each.key]
    }

    # Memorystore, and mail's internal URL for auth; the rest of their egress (Neon, an
    # external Redis, SMTP, Google APIs) stays off the VPC (network.tf).
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
        cpu_idle          = !contains(local.cpu_always_allocated, each.key)
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = merge(local.common_env, local.group_env[each.key], local.service_env[each.key])
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
              version = local.secret_versions[env.value]
            }
          }
        }
      }

      # Ready as soon as the process serves: the cold chain (README.md, "Cold start") is
      # instance start, then the first request's own connection to Neon (which may be
      # resuming: the pools connect on first use). 60 s covers a slow image pull and start.
      startup_probe {
        http_get {
          path = "/livez"
        }
        period_seconds    = 1
        timeout_seconds   = 1
        failure_threshold = 60
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

# Earlier shapes of this configuration: the API services' block, and mail's own file.
moved {
  from = google_cloud_run_v2_service.http
  to   = google_cloud_run_v2_service.service
}

moved {
  from = google_cloud_run_v2_service.mail
  to   = google_cloud_run_v2_service.service["mail"]
}
