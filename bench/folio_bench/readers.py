"""Issue 17: the pages, feeds and sitemap readers other than the app fetch, beside the JSON
feed, straight at posts and through the gateway, in the same run. None of them is in the
read cache: each is one indexed query per request (its ETag spares the body, not the read)."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass

from .load import Load, wrk
from .measure import Pair
from .seed import Seeded
from .system import url

# A sitemap page of 50,000 URLs is about 6 MB: a few at once keep the machine busy.
SITEMAP_PAGE_CONNECTIONS = 8


@dataclass
class ReaderCase:
    name: str
    path: str  # with {post} / {user} for a random seeded id
    connections: int = 64


def sitemap_is_an_index() -> bool:
    """Past 50,000 URLs `/sitemap.xml` is a sitemap index naming `?page=N` pages."""
    with urllib.request.urlopen(url("posts", "/sitemap.xml")) as response:
        return b"<sitemapindex" in response.read(4096)


def cases() -> list[ReaderCase]:
    out = [
        ReaderCase("JSON feed, first page (GET /api/posts?limit=10)", "/api/posts?limit=10"),
        ReaderCase("GET /posts/{id} (HTML page with its head)", "/posts/{post}"),
        ReaderCase("GET /users/{id}/posts (HTML page)", "/users/{user}/posts"),
        ReaderCase("GET /feed.xml (Atom, 20 newest)", "/feed.xml"),
        ReaderCase("GET /users/{id}/feed.xml (Atom)", "/users/{user}/feed.xml"),
    ]
    if sitemap_is_an_index():
        out += [
            ReaderCase("GET /sitemap.xml (sitemap index)", "/sitemap.xml"),
            ReaderCase("GET /sitemap.xml?page=1 (50,000 URLs)", "/sitemap.xml?page=1", SITEMAP_PAGE_CONNECTIONS),
        ]
    else:
        out.append(ReaderCase("GET /sitemap.xml (every post)", "/sitemap.xml", SITEMAP_PAGE_CONNECTIONS))
    return out


def reader_reads(seeded: Seeded) -> list[Pair]:
    print("pages, feeds and the sitemap (issue 17)", flush=True)
    pairs = []
    for case in cases():
        env = {**seeded.wrk_env(), "PATH_TEMPLATE": case.path}

        def run(name: str, service: str) -> Load:
            backend = ("posts",) if service == "gateway" else ()
            return wrk(name, url(service, "/"), case.connections, "random_path.lua", env=env, backend=backend)

        pairs.append(Pair(run(case.name, "posts"), run(f"{case.name} via gateway", "gateway")))
    return pairs
