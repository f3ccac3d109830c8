# Folio images, one per service, from one build:
#   docker build --target auth    -t folio-auth .      (also: posts, media, mail, migrate, gateway)
# The Rust stages compile every binary once (cargo-chef caches the dependencies in their
# own layer, so a code change rebuilds only Folio's crates); each final stage copies one
# binary onto distroless, non-root, with no shell. Cloud Run sets PORT; the binaries bind
# 0.0.0.0:$PORT and drain within 8 s of SIGTERM (exec form: the binary is PID 1 and gets it).
# Base images are pinned to exact versions; pin digests too when a registry mirror or
# Renovate can resolve them (`docker buildx imagetools inspect <image>`).

# ---- Rust: dependency recipe, cooked dependencies, then Folio's crates --------------------
# Debian 12 here and in the runtime: the binaries link the glibc they were built against.
FROM rust:1.95.0-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# The compiled dependencies alone: Cloud Build keeps this stage as its cache image
# (infra/cloudbuild/build.sh), so Folio's own target/ never leaves the build machine.
FROM chef AS cooked
COPY --from=planner /app/recipe.json recipe.json
# Only Cargo.toml/Cargo.lock changes invalidate this layer; Cloud Build reuses it through
# --cache-from, compose through the local layer cache.
RUN cargo chef cook --release --locked --recipe-path recipe.json

FROM cooked AS builder
COPY . .
# Each package and each binary named: `migrate` is folio-migrate's (migrate/).
RUN cargo build --release --locked \
      -p folio-auth -p folio-posts -p folio-media -p folio-mail -p folio-migrate \
      --bin folio-auth --bin folio-posts --bin folio-media --bin folio-mail --bin migrate \
 && mkdir /out \
 && cp target/release/folio-auth target/release/folio-posts target/release/folio-media \
       target/release/folio-mail target/release/migrate /out/

# ---- The common runtime: distroless cc (glibc, libgcc, CA certificates), user nonroot ----
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
ARG GIT_SHA=unknown
ARG SOURCE_URL=""
LABEL org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.vendor="Folio"
ENV APP_ENV=production \
    PORT=8080 \
    RUST_LOG=info
USER 65532:65532
EXPOSE 8080

FROM runtime AS auth
LABEL org.opencontainers.image.title="folio-auth"
COPY --from=builder /out/folio-auth /usr/local/bin/folio-auth
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/folio-auth", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/folio-auth"]

FROM runtime AS media
LABEL org.opencontainers.image.title="folio-media"
COPY --from=builder /out/folio-media /usr/local/bin/folio-media
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/folio-media", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/folio-media"]

FROM runtime AS mail
LABEL org.opencontainers.image.title="folio-mail"
COPY --from=builder /out/folio-mail /usr/local/bin/folio-mail
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/folio-mail", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/folio-mail"]

# One-shot: applies (or adopts) the schema and exits; nothing to health-check.
FROM runtime AS migrate
LABEL org.opencontainers.image.title="folio-migrate"
COPY --from=builder /out/migrate /usr/local/bin/migrate
ENTRYPOINT ["/usr/local/bin/migrate"]

# ---- The gateway: the built frontend behind Caddy (local development and self-hosting) ----
FROM node:22.12.0-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# posts serves the pages of posts and users from the app's shell (docs/api.md, "Pages,
# feeds and the sitemap"): the index.html of this very web build, so the hashed assets it
# names are those the gateway image of the same build serves. (It follows the web stage:
# a stage copies only from stages above it.)
FROM runtime AS posts
LABEL org.opencontainers.image.title="folio-posts"
COPY --from=builder /out/folio-posts /usr/local/bin/folio-posts
COPY --from=web /web/dist/index.html /usr/local/share/folio/index.html
ENV WEB_SHELL=/usr/local/share/folio/index.html
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/folio-posts", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/folio-posts"]

# Caddy's official image runs as root with a shell; its binary is static, so it runs on
# distroless static as the same non-root user as the services.
# Its binary carries the file capability cap_net_bind_service=+ep (COPY keeps it): with
# every capability dropped (compose's cap_drop: [ALL]) exec would fail with EPERM. Port
# 8000 needs no capability, so the binary loses it (libcap's setcap is in that image).
FROM caddy:2.10.2 AS caddy
RUN ["setcap", "-r", "/usr/bin/caddy"]

FROM gcr.io/distroless/static-debian12:nonroot AS gateway
ARG GIT_SHA=unknown
ARG SOURCE_URL=""
LABEL org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.title="folio-gateway"
COPY --from=caddy /usr/bin/caddy /usr/bin/caddy
COPY infra/gateway/Caddyfile /etc/caddy/Caddyfile
COPY --from=web /web/dist /srv
# Caddy keeps its state under $HOME: the non-root user's own, writable folder.
ENV HOME=/home/nonroot \
    GATEWAY_PORT=8000 \
    WEB_ROOT=/srv \
    AUTH_UPSTREAM=auth:8080 \
    POSTS_UPSTREAM=posts:8080 \
    MEDIA_UPSTREAM=media:8080
USER 65532:65532
EXPOSE 8000
# No shell or HTTP client in the image; compose probes the services behind it instead.
HEALTHCHECK NONE
ENTRYPOINT ["/usr/bin/caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
