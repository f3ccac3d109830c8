variable "project_id" {
  description = "Google Cloud project that hosts Folio."
  type        = string
}

variable "region" {
  description = "Region of Cloud Run, Artifact Registry, Memorystore and the Cloud Build triggers."
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
    mail-password       = "1"
    redis-url           = "1"
  }
}

variable "jwt_public_keys" {
  description = "JWKS JSON of the accepted signing keys (public; copy from auth's /.well-known/jwks.json or build it as README.md shows). List the old and the new key while rotating."
  type        = string
}

variable "frontend_url" {
  description = "Public URL of the frontend (links in mails), e.g. https://folio.example.com or https://PROJECT_ID.web.app."
  type        = string
}

variable "allowed_origins" {
  description = "Exact origins allowed to call the services cross-origin (none when everything is served from one origin by Firebase Hosting or the load balancer)."
  type        = list(string)
  default     = []
}

variable "trusted_proxy_hops" {
  description = "Proxies appending to X-Forwarded-For in front of the services: 1 for Cloud Run alone, 2 behind Firebase Hosting or the load balancer."
  type        = number
  default     = 2
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
  description = "Per HTTP service: CPU, memory, requests per instance, minimum instances, the share of database_connection_budget, and an upper bound on instances for cost."
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
    posts = { cpu = "1", memory = "256Mi", concurrency = 200, min_instances = 1, max_instances = 30, connection_share = 0.5 }
    # Image decoding holds up to 5 MB uploads and their pixels in memory.
    media = { cpu = "1", memory = "1Gi", concurrency = 20, min_instances = 0, max_instances = 10, connection_share = 0.15 }
  }
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
  description = "true: a Memorystore Redis instance reached through Direct VPC egress. false: an external Redis (rediss:// URL with its password) in the redis-url secret."
  type        = bool
  default     = true
}

variable "network" {
  description = "VPC network for Direct VPC egress to Memorystore."
  type        = string
  default     = "default"
}

variable "subnetwork" {
  description = "Subnetwork (in var.region) the services' Direct VPC egress uses."
  type        = string
  default     = "default"
}

variable "github_owner" {
  description = "Owner of the GitHub repository the Cloud Build triggers watch (connected to Cloud Build beforehand; README.md)."
  type        = string
}

variable "github_repository" {
  description = "Name of the GitHub repository the Cloud Build triggers watch."
  type        = string
}

variable "deploy_branch" {
  description = "Branch whose pushes deploy (a regular expression, as Cloud Build expects)."
  type        = string
  default     = "^main$"
}

variable "enable_load_balancer" {
  description = "Also create the global HTTPS load balancer (serverless NEGs, a URL map following the design's routing, a managed certificate, the frontend in a backend bucket) instead of relying on Firebase Hosting alone."
  type        = bool
  default     = false
}

variable "domain" {
  description = "Domain of the load balancer's managed certificate (only with enable_load_balancer); point its A record at the load_balancer_ip output."
  type        = string
  default     = ""
}
