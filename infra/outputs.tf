output "url" {
  description = "Folio's URL: the frontend, the API, /health and /docs (the gateway, or the load balancer's domain)."
  value       = local.public_url
}

output "gateway_url" {
  description = "The gateway's own run.app URL (refuses direct requests when the load balancer is on)."
  value       = google_cloud_run_v2_service.gateway.uri
}

output "service_urls" {
  description = "Internal run.app URL of each service (the API services, the gateway's upstreams, and the mail worker): reachable from Folio's VPC only."
  value       = { for name, service in google_cloud_run_v2_service.service : name => service.uri }
}

output "mail_wake_url" {
  description = "Where auth (MAIL_WAKE_URL) and the safety-net schedule wake the mail worker."
  value       = local.mail_wake_url
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
  description = "Secret Manager secrets (README.md, first deployment, step 5: which ones get their values by hand)."
  value       = [for s in google_secret_manager_secret.folio : s.secret_id]
}

output "migrate_job" {
  description = "Cloud Run Job that applies migrations (run by Cloud Build before each deploy)."
  value       = google_cloud_run_v2_job.migrate.name
}

output "build_service_account" {
  description = "Service account the Cloud Build trigger runs as."
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

output "deploy_lock_bucket" {
  description = "Bucket of the deploy lock (cloudbuild.yaml's _LOCK_BUCKET; the trigger sets it)."
  value       = google_storage_bucket.deploy_lock.name
}
