# Folio on Google Cloud: the public gateway and the private Cloud Run services on Folio's
# VPC, all scaling to zero; the migrate job, Artifact Registry, secrets, the pictures
# bucket, the mail worker's safety-net wake, the Cloud Build trigger and, optionally,
# Memorystore and a global HTTPS load balancer in front of the gateway. The order of a
# first deployment and what it costs are in README.md beside this file.

terraform {
  required_version = ">= 1.6"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.20, < 8.0"
    }
    # The mail wake token (wake.tf).
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4.0"
    }
  }

  # State lives in a GCS bucket: copy backend.tf.example to backend.tf and set its bucket.
}

provider "google" {
  project = var.project_id
  region  = var.region
}
