variable "project_id" {
  description = "Google Cloud project that hosts Folio."
  type        = string
}

variable "region" {
  description = "Region of Cloud Run, Artifact Registry, Memorystore, Cloud Scheduler and the Cloud Build trigger."
  type        = string
  default     = "europe-west1"
}

variable "repository" {
  description = "Artifact Registry repository (Docker format) holding the images; cloudbuild.yaml's _REPOSITORY."
  type        = string
  default     = "folio"
}

variable "image_tag" {
  description = "Tag the services start with on the first apply. Later deploys come from Cloud Build (Terraform ignores image changes), so this only matters once; push images first (README.md)."
  type        = string
  default     = "latest"
}

variable "keep_image_versions" {
  description = "Most recent images kept per service by the cleanup policy; older untagged or superseded ones are deleted after 30 days."
  type        = number
  default     = 10
}

variable "secret_versions" {
  description = "Pinned Secret Manager version of each secret injected into the services (bump after adding a new version, then apply): a rotation is an explicit, reviewable change, never a surprise on the next cold start."
  type        = map(string)
  default = {
    database-url        = "1"
    database-direct-url = "1"
    jwt-private-key     = "1"
    mail-job-key        = "1"
    mail-password       = "1"
    redis-url           = "1" # an external Redis's URL; with Memorystore, Terraform writes it (redis.tf)
  }
}

variable "jwt_public_keys" {
  description = "JWKS JSON of the accepted signing keys (public; copy from auth's /.well-known/jwks.json or build it as README.md shows). List the old and the new key while rotating."
  type        = string
}

variable "frontend_url" {
  description = "Folio's public URL (links in mails) when a domain is mapped to the gateway some other way. Empty: https://<domain> with the load balancer, else the gateway's run.app URL."
  type        = string
  default     = ""
}

variable "allowed_origins" {
  description = "Exact origins allowed to call the services cross-origin (none needed: the gateway serves the frontend and the API from one origin)."
  type        = list(string)
  default     = []
}

variable "database_pool_size" {
  description = "DATABASE_POOL_SIZE: Postgres connections each instance opens to the Neon pooler."
  type        = number
  default     = 10
}

variable "database_connection_budget" {
  description = "Connections the Neon pooler may receive from Folio in total (its max_client_conn, less a margin for migrations and consoles). Each service's max instances is its share of this budget divided by database_pool_size, so a traffic spike cannot exhaust the pooler."
  type        = number
  default     = 1000
}

variable "services" {
  description = "Per Cloud Run service (auth, posts, media and the mail worker, all four listed): CPU, memory, requests per instance, minimum instances (0: nothing is billed at rest), the share of database_connection_budget, and an upper bound on instances for cost."
  type = map(object({
    cpu              = string
    memory           = string
    concurrency      = number
    min_instances    = number
    max_instances    = number
    connection_share = number
  }))
  default = {
    # Argon2 hashing is CPU-bound: fewer requests per instance, more instances.
    auth  = { cpu = "1", memory = "512Mi", concurrency = 40, min_instances = 0, max_instances = 20, connection_share = 0.3 }
    posts = { cpu = "1", memory = "256Mi", concurrency = 200, min_instances = 0, max_instances = 30, connection_share = 0.5 }
    # Image decoding holds up to 5 MB uploads and their pixels in memory.
    media = { cpu = "1", memory = "1Gi", concurrency = 20, min_instances = 0, max_instances = 10, connection_share = 0.15 }
    # One consumer is enough for Folio's mail volume (each instance is a consumer of its
    # own, so more would share the stream); woken by auth, retired by Cloud Run (wake.tf).
    mail = { cpu = "1", memory = "256Mi", concurrency = 20, min_instances = 0, max_instances = 1, connection_share = 0.05 }
  }

  validation {
    condition     = setequal(keys(var.services), ["auth", "posts", "media", "mail"])
    error_message = "services lists exactly auth, posts, media and mail (a map variable is replaced whole: copy the default and change what differs)."
  }
}

variable "mail_always_on" {
  description = "true: the mail worker keeps one instance at all times and never goes quiet (MAIL_ALWAYS_ON), for a steady mail volume; about $48 a month at list price (README.md, Cost). false: it scales to zero, woken by auth and by the safety-net schedule."
  type        = bool
  default     = false
}

variable "mail_active_seconds" {
  description = "MAIL_ACTIVE_SECONDS: how long a woken mail worker keeps sweeping the outbox and reading the stream after its last wake or mail, before it stops touching Postgres and Redis (so Neon can suspend). Keep it under Cloud Run's idle window (about 15 minutes), so the worker is quiet before its instance is retired."
  type        = number
  default     = 600
}

variable "mail_wake_schedule" {
  description = "Cron schedule (UTC) of the safety-net wake (wake.tf): delivers a mail whose own wake was lost. Each wake keeps one mail instance for up to about 15 minutes (README.md, Cost): every 6 hours is about $2 a month at list price, inside Cloud Run's free tier."
  type        = string
  default     = "0 */6 * * *"
}

variable "media_public_url" {
  description = "Public base URL of stored pictures; empty means the bucket's public URL (https://storage.googleapis.com/BUCKET)."
  type        = string
  default     = ""
}

variable "mail" {
  description = "SMTP settings of the mail worker (the password is the mail-password secret)."
  type = object({
    server   = string
    port     = number
    username = string
    from     = string
    use_tls  = bool
  })
}

variable "memorystore" {
  description = "false (default): an external serverless Redis over TLS with a password, its rediss:// URL added by hand to the folio-redis-url secret (README.md, Redis). true: a Memorystore instance on Folio's VPC, with AUTH and in-transit encryption; billed around the clock (README.md, Cost)."
  type        = bool
  default     = false
}

variable "gateway" {
  description = "The gateway (Caddy): memory, requests per instance, minimum instances (0: nothing is billed at rest) and maximum instances."
  type = object({
    memory        = string
    concurrency   = number
    min_instances = number
    max_instances = number
  })
  default = { memory = "256Mi", concurrency = 500, min_instances = 0, max_instances = 20 }
}

variable "gateway_front_end_ranges" {
  description = "Addresses Google's front end reaches the gateway's container from (its peer), trusted to append the client's address to X-Forwarded-For. Link-local on Cloud Run; check a request's peer in the gateway's log on a real project."
  type        = list(string)
  default     = ["169.254.0.0/16"]
}

variable "subnet_cidr" {
  description = "Range of the subnet Folio's Cloud Run instances use for Direct VPC egress (network.tf); two addresses per instance."
  type        = string
  default     = "10.8.0.0/24"
}

variable "github_owner" {
  description = "Owner of the GitHub repository the Cloud Build trigger watches (connected to Cloud Build beforehand; README.md)."
  type        = string
}

variable "github_repository" {
  description = "Name of the GitHub repository the Cloud Build trigger watches."
  type        = string
}

variable "deploy_branch" {
  description = "Branch whose pushes deploy (a regular expression, as Cloud Build expects)."
  type        = string
  default     = "^main$"
}

variable "enable_load_balancer" {
  description = "Put a global HTTPS load balancer in front of the gateway (custom domain with a managed certificate, Cloud Armor, Cloud CDN); the gateway then admits only the load balancer."
  type        = bool
  default     = false
}

variable "armor_requests_per_minute" {
  description = "With the load balancer: requests per minute one client address may send before Cloud Armor answers 429 (a flood guard in front of the services' own rate limits)."
  type        = number
  default     = 600
}

variable "domain" {
  description = "Domain of the load balancer's managed certificate (only with enable_load_balancer); point its A record at the load_balancer_ip output."
  type        = string
  default     = ""
}
