# Profile pictures. The bucket holds nothing but pictures (media writes only
# profile_pics/<uuid>.jpg), and anyone may fetch a picture whose name they have (every
# UserPublic carries image_path) but nobody may list the bucket: allUsers gets a custom
# role with storage.objects.get alone, not roles/storage.objectViewer (which also has
# storage.objects.list, so anyone could enumerate every picture, including those of
# deleted accounts not yet removed). Under an organisation policy that refuses allUsers
# (iam.allowedPolicyMemberDomains, or storage public access prevention enforced), this
# one binding needs an exception for the project: README.md, "Organisation policies".
resource "google_storage_bucket" "pictures" {
  # checkov:skip=CKV_GCP_62:Access logs of public profile pictures are not kept; Cloud Audit Logs cover writes.
  # checkov:skip=CKV_GCP_114:Public read of single pictures is the point (see above); public access prevention would forbid it.
  # checkov:skip=CKV_GCP_78:Pictures are replaced by new objects and the old ones deleted on purpose; versions would keep deleted users' pictures.
  name                        = "${var.project_id}-folio-pictures"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "inherited"
  force_destroy               = false

  cors {
    origin          = concat([local.public_url], var.allowed_origins)
    method          = ["GET", "HEAD"]
    response_header = ["Content-Type"]
    max_age_seconds = 3600
  }

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_custom_role" "picture_reader" {
  role_id     = "folioPictureReader"
  title       = "Folio picture reader"
  description = "Read one object by name, never list: public profile pictures."
  permissions = ["storage.objects.get"]

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket_iam_member" "pictures_public_read" {
  # checkov:skip=CKV_GCP_28:Single profile pictures are public by design (image_path in every UserPublic); listing is not granted.
  bucket = google_storage_bucket.pictures.name
  role   = google_project_iam_custom_role.picture_reader.id
  member = "allUsers"
}

locals {
  media_public_url = var.media_public_url != "" ? var.media_public_url : "https://storage.googleapis.com/${google_storage_bucket.pictures.name}"
}
