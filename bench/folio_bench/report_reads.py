"""The report's sections on reads: cached and uncached (issue 16), and the pages, feeds and
sitemap (issue 17)."""

from __future__ import annotations

from .cache import P99_TARGET_MS, CachedReads
from .measure import Ceilings, Pair
from .table import cpu_ms, load_cells, ms, per_request, row


def cached_section(cached: CachedReads, c: Ceilings) -> list[str]:
    """Issue 16's figures: cached and uncached reads against `/livez` and pgbench."""
    livez = cached.posts_livez
    out = [
        "",
        "## Cached reads (64 connections, straight at the service)",
        "",
        "Anonymous public reads of posts come from its in-process cache (the body and its "
        "ETag, at most 1 s old); a request with a bearer token (here the bench user's, valid) "
        "reads through to Postgres; pages by cursor are never cached, and the walked row pages "
        "through every page of the feed, each thread from its own place. The profile (auth) "
        "has an ETag but no cache. `/livez` is each service's HTTP stack alone, the ceiling of "
        f"a read that skips the database; pgbench's select-only rate ({c.pgbench_tps:,.0f} "
        "TPS) is the database's. CPU-ms and statements are per request, from the service's "
        "own counters (`/metrics`) before and after the run. All measured in this run.",
        "",
        f"- posts `/livez`: **{livez.rps:,.0f} RPS**, p99 {ms(livez.p99_ms)} ms, "
        f"{cpu_ms(livez.cpu_ms())} CPU-ms per request; auth `/livez`: "
        f"**{cached.auth_livez.rps:,.0f} RPS**, p99 {ms(cached.auth_livez.p99_ms)} ms, "
        f"{cpu_ms(cached.auth_livez.cpu_ms())} CPU-ms per request",
        "",
        row("request", "served from", "RPS", "p50 ms", "p99 ms", "errors", "CPU-ms / req",
            "statements / req", "RPS / its /livez", "RPS / pgbench TPS", "target"),
        row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"),
    ]
    for read in cached.reads:
        livez = cached.auth_livez if "profile" in read.load.name else cached.posts_livez
        share = read.load.rps / livez.rps
        target = "-"
        if read.target is not None:
            met = share >= read.target and read.load.p99_ms < P99_TARGET_MS
            target = (f">= {read.target:.0%} of /livez, p99 < {P99_TARGET_MS:.0f} ms: "
                      f"{'met' if met else 'missed'}")
        out.append(row(read.load.name, read.served, *load_cells(read.load), cpu_ms(read.load.cpu_ms()),
                       per_request(read.load.statements()), f"{share:.0%}",
                       f"{read.load.rps / c.pgbench_tps:.0%}", target))
    return out


def readers_section(readers: list[Pair]) -> list[str]:
    """Issue 17 item 4: each reader URL beside the JSON feed, direct and via the gateway."""
    feed = readers[0].direct
    out = [
        "",
        "## Pages, feeds and the sitemap",
        "",
        "What link previews, crawlers and feed readers fetch, beside the JSON feed's first "
        "page (anonymous: from the read cache). None of these is cached in the process: each "
        "request is one indexed query, rendered. Ids are random over the seeded posts and "
        "users. 64 connections, except the 50,000-URL sitemap page (about 6 MB each). CPU-ms "
        "per request: the service alone straight at it; the gateway's and the service's "
        "through the gateway.",
        "",
        row("request", "connections", "RPS", "p50 ms", "p99 ms", "errors", "CPU-ms / req",
            "RPS via gateway", "p50 ms", "p99 ms", "errors", "CPU-ms / req (gateway + posts)",
            "direct RPS / JSON feed's"),
        row("---", *["---:"] * 12),
    ]
    for pair in readers:
        out.append(row(pair.direct.name, pair.direct.connections, *load_cells(pair.direct),
                       cpu_ms(pair.direct.cpu_ms()), *load_cells(pair.gateway), cpu_ms(pair.gateway.cpu_ms()),
                       f"{pair.direct.rps / feed.rps:.0%}"))
    return out
