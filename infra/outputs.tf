output "service_urls" {
  description = "Cloud Run URL of each HTTP service (Firebase Hosting and the load balancer route to them)."
  value       = { for name, service in google_cloud_run_v2_service.http : name => service.uri }
}

output "image_repository" {
  description = "Artifact Registry path the images are pushed to (cloudbuild.yaml's _IMAGES)."
  value       = local.images
}

output "pictures_bucket" {
  description = "Bucket of profile pictures (MEDIA_STORE_URL = gs://<this>)."
  value       = google_storage_bucket.pictures.name
}

output "media_public_url" {
  description = "MEDIA_PUBLIC_URL given to the services."
  value       = local.media_public_url
}

output "secrets" {
  description = "Secret Manager secrets whose values must be added by hand (README.md, Secrets)."
  value       = [for s in google_secret_manager_secret.folio : s.secret_id]
}

output "migrate_job" {
  description = "Cloud Run Job that applies migrations (run by Cloud Build before each deploy)."
  value       = google_cloud_run_v2_job.migrate.name
}

output "build_service_account" {
  description = "Service account the Cloud Build triggers run as."
  value       = google_service_account.build.email
}

output "redis_host" {
  description = "Memorystore host (empty with an external Redis)."
  value       = var.memorystore ? google_redis_instance.folio[0].host : ""
}

output "load_balancer_ip" {
  description = "Address to point the domain's A record at (only with enable_load_balancer)."
  value       = var.enable_load_balancer ? google_compute_global_address.folio[0].address : ""
}
