# Waking the mail worker (run.tf's "mail", min 0). Auth queues a reset mail and POSTs
# mail's /internal/wake with the bearer MAIL_WAKE_TOKEN before it answers, over the VPC
# (mail has internal ingress; network.tf). The request starts an instance if none runs;
# its CPU stays allocated (instance-based billing), so after acknowledging, the worker
# drains the stream, the outbox and stale pending entries during its active window
# (MAIL_ACTIVE_SECONDS), then touches nothing; Cloud Run retires the instance once it
# has served no request for its idle window. Cloud Run decides scaling to zero from
# requests alone, never from CPU use, which is why min 0 with CPU always allocated does
# scale to zero, and why a worker needs a wake request to start (README.md, "Mail").
#
# A wake that fails loses nothing: the mail waits in the outbox for the next wake, and
# this schedule is the safety net for a mail nobody asks again for. Each wake keeps an
# instance for up to Cloud Run's idle window, so it runs rarely (var.mail_wake_schedule).
locals {
  mail_wake_url = "${local.service_urls["mail"]}/internal/wake"
}

# The one secret Terraform makes itself: the scheduler job must carry it in its own
# request header, so it sits in the job's configuration (and this state) whatever made
# it, and it opens nothing but a wake (a few cents of mail instance at worst). Rotate:
# terraform apply -replace=random_password.mail_wake_token (auth and mail get a new
# revision reading the new version).
resource "random_password" "mail_wake_token" {
  length  = 48
  special = false
}

resource "google_secret_manager_secret_version" "mail_wake_token" {
  secret      = google_secret_manager_secret.folio["mail-wake-token"].id
  secret_data = random_password.mail_wake_token.result
}

# Cloud Scheduler of the same project counts as internal traffic at a run.app URL, so it
# reaches mail despite internal ingress, with no VPC of its own; it sends the bearer
# token itself (no OIDC token: Cloud Run's invoker check is off, see run.tf).
resource "google_cloud_scheduler_job" "mail_wake" {
  count            = var.mail_always_on ? 0 : 1
  name             = "folio-mail-wake"
  region           = var.region
  description      = "Safety net: wake the mail worker so a mail whose own wake was lost is delivered"
  schedule         = var.mail_wake_schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "60s"

  retry_config {
    retry_count          = 2
    min_backoff_duration = "30s"
  }

  http_target {
    http_method = "POST"
    uri         = local.mail_wake_url
    headers = {
      Authorization = "Bearer ${random_password.mail_wake_token.result}"
    }
  }

  depends_on = [google_project_service.apis]
}
