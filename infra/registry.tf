# One Docker repository for every Folio image (auth, posts, media, mail, migrate, gateway
# and the build cache: cargo-chef's cooked dependencies only). The cleanup policy keeps
# the most recent versions of each image and the one each service runs (tagged `live` by
# cloudbuild/deploy.sh: an instance starting from zero pulls it, however old it is), and
# deletes the rest once they are 30 days old, so storage does not grow with every push.
resource "google_artifact_registry_repository" "images" {
  # checkov:skip=CKV_GCP_84:Images hold open-source builds and no secrets (those come from Secret Manager at run time); Google-managed encryption suffices.
  repository_id = var.repository
  location      = var.region
  format        = "DOCKER"
  description   = "Folio service images, tagged with the commit they were built from"

  cleanup_policy_dry_run = false

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = var.keep_image_versions
    }
  }

  cleanup_policies {
    id     = "keep-live"
    action = "KEEP"
    condition {
      tag_state    = "TAGGED"
      tag_prefixes = ["live"]
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      tag_state  = "ANY"
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.apis]
}

locals {
  images = "${var.region}-docker.pkg.dev/${var.project_id}/${var.repository}"
}
