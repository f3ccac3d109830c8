"""Issue 16: public reads served from the read cache, beside what bounds them, in the same
run: the service's own `/livez` (the HTTP stack alone, the ceiling once a read skips the
database), the same reads made uncacheable (a request with a bearer token reads through;
pages by cursor are never cached: walked over thousands of different pages), and 304s to a
client that already holds the answer. Straight at the services, 64 connections; nothing
writes meanwhile, so the tags stay valid."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .load import Load, wrk
from .seed import POSTS, Seeded
from .system import url
from .tools import RESULTS, psql

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


def feed_cursors(db: str, first_page_cursor: str) -> Path:
    """Every page's cursor down the whole feed (the last post of each page of ten, written
    as the API writes `next_cursor`), in a file for cursor_walk.lua."""
    cursors = psql(
        "select micros || '_' || id from ("
        "  select (extract(epoch from date_posted) * 1000000)::bigint as micros, id, "
        "    row_number() over (order by date_posted desc, id desc) as n from posts) p "
        "where n % 10 = 0 order by n",
        db,
    ).split()
    # The API must agree with this reading of its cursor, or every walked page is a 422.
    assert cursors[0] == first_page_cursor, f"cursor {cursors[0]} is not the API's {first_page_cursor}"
    path = RESULTS / "cursors.txt"
    RESULTS.mkdir(exist_ok=True)
    path.write_text("\n".join(cursors) + "\n")
    return path


def cached_reads(seeded: Seeded, db: str) -> CachedReads:
    print("cached reads (issue 16)", flush=True)
    post = f"/api/posts/{seeded.first_post}"
    first = "/api/posts?limit=10"
    post_tag, _ = fetch(url("posts", post))
    first_tag, page = fetch(url("posts", first))
    cursors = feed_cursors(db, page["next_cursor"])
    user_page = f"/api/users/{seeded.user_id}/posts?limit=10"
    profile = f"/api/users/{seeded.user_id}"
    profile_tag, _ = fetch(url("auth", profile))
    # Any Authorization header reads through the cache; a valid one, as an author sends.
    token = [f"Authorization: Bearer {seeded.token}"]
    env = {**seeded.wrk_env(), "CURSORS_FILE": str(cursors)}

    def run(name: str, service: str, path: str, headers: list[str] | None = None,
            script: str | None = None) -> Load:
        return wrk(name, url(service, path), 64, script, headers=headers, env=env)

    posts_livez = run("posts GET /livez", "posts", "/livez")
    reads = [
        CachedRead(run("GET /api/posts/{id}", "posts", post), "cache", POST_TARGET),
        CachedRead(run(f"GET /api/posts/{{id}} with a token, {POSTS:,} ids", "posts", "/", token, "get_post.lua"),
                   "database"),
        CachedRead(run("GET /api/posts/{id}, If-None-Match", "posts", post, [f"If-None-Match: {post_tag}"]),
                   "304 from the cache"),
        CachedRead(run("GET /api/posts?limit=10 (first page)", "posts", first), "cache", FIRST_PAGE_TARGET),
        CachedRead(run("first page with a token", "posts", first, token), "database"),
        CachedRead(run(f"{len(cursors.read_text().split()):,} pages by cursor, walked", "posts", "/",
                       script="cursor_walk.lua"), "database (never cached)"),
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
