# Profile pictures. The bucket holds nothing but pictures (media writes only
# profile_pics/<uuid>.jpg), so public read of the whole bucket is public read of
# profile_pics/: Cloud Storage cannot grant allUsers on a prefix under uniform access
# (IAM conditions do not apply to allUsers). With the load balancer, the bucket can stay
# private behind a backend bucket instead (README.md).
resource "google_storage_bucket" "pictures" {
  # checkov:skip=CKV_GCP_62:Access logs of public profile pictures are not kept; Cloud Audit Logs cover writes.
  # checkov:skip=CKV_GCP_114:Public read of the pictures is the point (see above); public access prevention would forbid it.
  # checkov:skip=CKV_GCP_78:Pictures are replaced by new objects and the old ones deleted on purpose; versions would keep deleted users' pictures.
  name                        = "${var.project_id}-folio-pictures"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "inherited"
  force_destroy               = false

  cors {
    origin          = concat([var.frontend_url], var.allowed_origins)
    method          = ["GET", "HEAD"]
    response_header = ["Content-Type"]
    max_age_seconds = 3600
  }
}

resource "google_storage_bucket_iam_member" "pictures_public_read" {
  # checkov:skip=CKV_GCP_28:Profile pictures are public by design (image_path in every UserPublic); the bucket holds nothing else.
  bucket = google_storage_bucket.pictures.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

locals {
  media_public_url = var.media_public_url != "" ? var.media_public_url : "https://storage.googleapis.com/${google_storage_bucket.pictures.name}"
}
