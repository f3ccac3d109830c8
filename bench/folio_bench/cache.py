"""Issue 16: public reads served from the read cache, beside what bounds them, in the same
run: the service's own `/livez` (the HTTP stack alone, the ceiling once a read skips the
database), the same reads made uncacheable (a token reads through; a page by cursor is never
cached), and 304s to a client that already holds the answer. Straight at the services, 64
connections; nothing writes meanwhile, so the tags stay valid."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass

from .load import Load, wrk
from .seed import Seeded
from .system import url

# What the issue asks of a cached read, against `/livez` measured in the same run.
POST_TARGET = 0.80
FIRST_PAGE_TARGET = 0.60
P99_TARGET_MS = 10.0


@dataclass
class CachedRead:
    """One read, how it was served, and the target it has (a share of `/livez`), if any."""

    load: Load
    served: str
    target: float | None = None


@dataclass
class CachedReads:
    posts_livez: Load
    auth_livez: Load
    reads: list[CachedRead]


def fetch(target: str) -> tuple[str, dict]:
    """The ETag and JSON body of an anonymous GET."""
    with urllib.request.urlopen(target) as response:
        return response.headers["ETag"], json.loads(response.read())


def cached_reads(seeded: Seeded) -> CachedReads:
    print("cached reads (issue 16)", flush=True)
    post = f"/api/posts/{seeded.first_post}"
    first = "/api/posts?limit=10"
    post_tag, _ = fetch(url("posts", post))
    first_tag, page = fetch(url("posts", first))
    second = f"/api/posts?skip=10&limit=10&cursor={page['next_cursor']}"
    user_page = f"/api/users/{seeded.user_id}/posts?limit=10"
    profile = f"/api/users/{seeded.user_id}"
    profile_tag, _ = fetch(url("auth", profile))
    token = ["Authorization: Bearer read-through"]

    def run(name: str, service: str, path: str, headers: list[str] | None = None) -> Load:
        return wrk(name, url(service, path), 64, headers=headers)

    posts_livez = run("posts GET /livez", "posts", "/livez")
    reads = [
        CachedRead(run("GET /api/posts/{id}", "posts", post), "cache", POST_TARGET),
        CachedRead(run("GET /api/posts/{id} with a token", "posts", post, token), "database"),
        CachedRead(run("GET /api/posts/{id}, If-None-Match", "posts", post, [f"If-None-Match: {post_tag}"]),
                   "304 from the cache"),
        CachedRead(run("GET /api/posts?limit=10 (first page)", "posts", first), "cache", FIRST_PAGE_TARGET),
        CachedRead(run("page 2 by cursor", "posts", second), "database (never cached)"),
        CachedRead(run("first page, If-None-Match", "posts", first, [f"If-None-Match: {first_tag}"]),
                   "304 from the cache"),
        CachedRead(run("GET /api/users/{id}/posts?limit=10", "posts", user_page), "cache"),
    ]
    auth_livez = run("auth GET /livez", "auth", "/livez")
    reads += [
        CachedRead(run("GET /api/users/{id} (profile)", "auth", profile), "database (ETag, no cache)"),
        CachedRead(run("profile, If-None-Match", "auth", profile, [f"If-None-Match: {profile_tag}"]),
                   "304 after a database read"),
    ]
    return CachedReads(posts_livez, auth_livez, reads)
