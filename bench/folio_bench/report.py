"""bench/report.md: the numbers of one run, in tables."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone

from .cache import P99_TARGET_MS, CachedReads
from .load import DURATION, Load
from .measure import MIXED_SECONDS, SERVICES, Ceilings, Mail, Mixed, Pair, ScalePoint
from .seed import POSTS, USERS
from .tools import ROOT


@dataclass
class Run:
    ceilings: Ceilings
    reads: list[Pair]
    writes: list[Load]
    mail: Mail
    mixed: Mixed
    starts: dict[str, list[float]]
    idle_rss: dict[str, float]
    peak_rss: dict[str, float]
    binaries: dict[str, float]
    scaling: list[ScalePoint]
    cached: CachedReads | None = None


def first_line(*command: str) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True).stdout + " "
        return out.splitlines()[0].strip()
    except (OSError, IndexError):
        return "unknown"


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        platform.machine(),
    )
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, {platform.system()} {platform.release()}"


def row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def load_cells(load: Load) -> list[str]:
    return [f"{load.rps:,.0f}", ms(load.p50_ms), ms(load.p99_ms), str(load.errors)]


def write_ratio(load: Load, c: Ceilings) -> str:
    if "create" in load.name:
        return f"{load.rps / c.pgbench_tps:.0%} of pgbench"
    if "forgot" in load.name:
        return f"{load.rps / c.xadd_rps:.1%} of XADD"
    return "-"


def cached_section(cached: CachedReads, c: Ceilings) -> list[str]:
    """Issue 16's figures: cached and uncached reads against `/livez` and pgbench."""
    out = [
        "",
        "## Cached reads (64 connections, straight at the service)",
        "",
        "Anonymous public reads of posts come from its in-process cache (the body and its "
        "ETag, at most 1 s old); a request with a token reads through to Postgres; a page by "
        "cursor is never cached. The profile (auth) has an ETag but no cache. `/livez` is "
        "each service's HTTP stack alone, the ceiling of a read that skips the database; "
        f"pgbench's select-only rate ({c.pgbench_tps:,.0f} TPS) is the database's. All "
        "measured in this run.",
        "",
        f"- posts `/livez`: **{cached.posts_livez.rps:,.0f} RPS**, p99 "
        f"{ms(cached.posts_livez.p99_ms)} ms; auth `/livez`: **{cached.auth_livez.rps:,.0f} "
        f"RPS**, p99 {ms(cached.auth_livez.p99_ms)} ms",
        "",
        row("request", "served from", "RPS", "p50 ms", "p99 ms", "errors", "RPS / its /livez",
            "RPS / pgbench TPS", "target"),
        row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---"),
    ]
    for read in cached.reads:
        livez = cached.auth_livez if "profile" in read.load.name else cached.posts_livez
        share = read.load.rps / livez.rps
        target = "-"
        if read.target is not None:
            met = share >= read.target and read.load.p99_ms < P99_TARGET_MS
            target = (f">= {read.target:.0%} of /livez, p99 < {P99_TARGET_MS:.0f} ms: "
                      f"{'met' if met else 'missed'}")
        out.append(row(read.load.name, read.served, *load_cells(read.load), f"{share:.0%}",
                       f"{read.load.rps / c.pgbench_tps:.0%}", target))
    return out


def render(run: Run) -> str:
    commit = first_line("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    wrk_version = first_line("wrk", "--version").split(" [")[0]
    pg_version = first_line("psql", "--version")
    c = run.ceilings
    out = [
        "# Folio benchmark report",
        "",
        f"Made by `make bench` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC at commit `{commit}`.",
        f"Machine: {machine()}. One machine runs everything: the load generator, Postgres "
        f"({pg_version}), Redis, the Caddy gateway and the four release-built services, over "
        f"loopback. Load generator: {wrk_version} (Debian), 2 threads, {DURATION} s per run "
        f"({MIXED_SECONDS} s for the mixed load). Data: {USERS:,} users, {POSTS:,} posts. "
        "Pictures go to the local file store (object_store's LocalFileSystem); mail to a local "
        "SMTP sink (aiosmtpd). Errors are non-2xx answers plus socket errors.",
        "",
        "![Throughput, latency as the table grows, and memory](report.png)",
        "",
        "## Ceilings of this machine",
        "",
        f"- `pgbench -S -M prepared -c 16 -j 2` (one indexed read per transaction, the ceiling "
        f"for GET by id): **{c.pgbench_tps:,.0f} TPS**",
        f"- `redis-benchmark XADD` (50 clients): **{c.xadd_rps:,.0f} per second** (what queueing "
        "a mail costs Redis)",
        "",
        "## Reads (64 connections)",
        "",
        "Straight at the service, and through the gateway (Caddy, on the same two cores).",
        "",
        row("request", "RPS", "p50 ms", "p99 ms", "errors", "RPS via gateway", "p50 ms", "p99 ms",
            "errors", "direct RPS / pgbench TPS"),
        row(*["---"] + ["---:"] * 9),
    ]
    for pair in run.reads:
        out.append(row(pair.direct.name, *load_cells(pair.direct), *load_cells(pair.gateway),
                       f"{pair.direct.rps / c.pgbench_tps:.0%}"))
    if run.cached is not None:
        out += cached_section(run.cached, c)
    out += [
        "",
        "## Writes (through the gateway)",
        "",
        row("request", "connections", "RPS", "p50 ms", "p99 ms", "errors", "RPS / its ceiling"),
        row("---", "---:", "---:", "---:", "---:", "---:", "---:"),
        *(row(w.name, w.connections, *load_cells(w), write_ratio(w, c)) for w in [*run.writes, run.mail.forgot]),
        "",
        "Ceilings of writes: a new post is one insert, set against pgbench's select-only TPS "
        "(an upper bound, inserts cost more); forgot-password ends in one XADD, set against "
        "redis-benchmark's; login, register and uploads are bound by CPU work (hashing, "
        "image decoding), not by a store.",
        "",
        "Login and register hash a password with Argon2id (19 MiB, 2 passes) on a pool of one "
        "thread per core: their rate is the machine's hashing rate. Each forgot-password queues "
        f"a mail: in the {run.mail.seconds:.0f} s after that run, one mail worker delivered "
        f"**{run.mail.delivered:,} mails** ({run.mail.delivered / run.mail.seconds:,.0f} per "
        "second) to the SMTP sink.",
        "",
        f"## Mixed load: 90% reads, 10% writes, 64 connections, {MIXED_SECONDS} s, via the gateway",
        "",
        "Reads: 35% one post, 25% the feed's first page, 15% a user's feed, 15% a profile. "
        "Writes: 7% new posts, 3% edits.",
        "",
        row("load", "RPS", "p50 ms", "p99 ms", "errors"),
        row("---", "---:", "---:", "---:", "---:"),
        row(run.mixed.load.name, *load_cells(run.mixed.load)),
        "",
        "## Serverless figures",
        "",
        "Start to first healthy `/health` (a database round trip answered): the binary started "
        "as its container starts it (environment only), 20 times, median (min-max).",
        "",
        row("service", "start to healthy ms", "idle RSS MiB", "peak RSS during the mixed load MiB",
            "peak RSS of the whole run MiB", "release binary MiB"),
        row("---", "---:", "---:", "---:", "---:", "---:"),
    ]
    for name in SERVICES:
        starts = run.starts[name]
        out.append(row(
            name,
            f"{statistics.median(starts):.0f} ({min(starts):.0f}-{max(starts):.0f})",
            f"{run.idle_rss[name]:.1f}",
            f"{run.mixed.peak_rss_mib[name]:.1f}",
            f"{run.peak_rss[name]:.1f}",
            f"{run.binaries[name]:.1f}",
        ))
    out += [
        "",
        f"`migrate` binary: {run.binaries['migrate']:.1f} MiB. The whole run's peak is set by "
        "the heaviest load each service saw: logins and registrations (Argon2's 19 MiB per "
        "hashing thread) for auth, 3 MB photo uploads for media (decoded with a bounded "
        "allocation, one per core). The mixed load uploads nothing: media idles through it.",
        "",
        "## Scaling: the feed as the table grows",
        "",
        "Straight at posts, 64 connections, 5 s each. A page 90% of the way down by `skip` "
        "reads every skipped index entry; the same page by `cursor` (the previous page's "
        "`next_cursor`) enters the index where the page starts.",
        "",
        "Each cell: RPS / p50 ms / p99 ms / errors.",
        "",
        row("posts", "first page", "page at 90% by cursor", "same page by skip"),
        row("---:", "---:", "---:", "---:"),
    ]
    cell = lambda l: f"{l.rps:,.0f} / {ms(l.p50_ms)} / {ms(l.p99_ms)} / {l.errors}"  # noqa: E731
    for p in run.scaling:
        out.append(row(f"{p.posts:,}", cell(p.first_page), cell(p.deep_cursor), cell(p.deep_skip)))
    return "\n".join(out) + "\n"
