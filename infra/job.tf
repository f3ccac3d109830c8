# The migrate job: applies Folio's migrations (or adopts a FastAPI blog database) over
# the direct, unpooled Neon URL, its only secret. Cloud Build points it at each commit's
# image and runs it before deploying, one build at a time (cloudbuild/deploy.sh); a
# failure stops the deploy. The first deployment runs it before the services exist
# (README.md). One attempt only: a failed migration needs a person, not a retry.
resource "google_cloud_run_v2_job" "migrate" {
  name                = "folio-migrate"
  location            = var.region
  deletion_protection = false

  template {
    task_count = 1

    template {
      service_account = google_service_account.workload["migrate"].email
      max_retries     = 0
      timeout         = "900s"

      containers {
        image = "${local.images}/migrate:${var.image_tag}"

        resources {
          limits = {
            cpu    = "1"
            memory = "512Mi"
          }
        }

        env {
          name = "DATABASE_DIRECT_URL"
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.folio["database-direct-url"].secret_id
              version = var.secret_versions["database-direct-url"]
            }
          }
        }
      }
    }
  }

  lifecycle {
    ignore_changes = [template[0].template[0].containers[0].image, client, client_version]
  }

  depends_on = [google_secret_manager_secret_iam_member.workload]
}
