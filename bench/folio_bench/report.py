"""bench/report.md: the numbers of one run, in tables."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import datetime

from .cache import CachedReads
from .cold import ColdPath
from .cost import Instance
from .load import DURATION, Load
from .mail_rate import MailRate
from .measure import MIXED_SECONDS, SCALE_SECONDS, Ceilings, Mail, Mixed, Pair, ScalePoint
from .report_cost import cost_section
from .report_reads import cached_section, readers_section
from .report_serverless import mail_rate_section, starts_section
from .seed import POSTS, USERS
from .table import cpu_ms, load_cells, ms, row
from .tools import QUICK, ROOT


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
    readers: list[Pair] | None = None
    cold: ColdPath | None = None
    mail_rate: MailRate | None = None


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


def write_ratio(load: Load, c: Ceilings) -> str:
    if "create" in load.name:
        return f"{load.rps / c.pgbench_tps:.0%} of pgbench"
    if "forgot" in load.name:
        return f"{load.rps / c.xadd_rps:.1%} of XADD"
    return "-"


def commit() -> str:
    return first_line("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")


def render(run: Run, shapes: dict[str, Instance], made: datetime) -> str:
    wrk_version = first_line("wrk", "--version").split(" [")[0]
    pg_version = first_line("psql", "--version")
    c = run.ceilings
    out = [
        "# Folio benchmark report",
        "",
        f"Made by `make bench` on {made:%Y-%m-%d %H:%M} UTC at commit `{commit()}`"
        + (" (quick mode: BENCH_QUICK, short runs, not for quoting)." if QUICK else "."),
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
        "Straight at the service, and through the gateway (Caddy, on the same two cores), "
        "anonymous as the public sends them: a URL repeated within a second (the first page, "
        "the page by `skip`) is served from the read cache, random posts and users mostly "
        "miss it, a page by cursor never uses it (the next section separates the two). CPU-ms "
        "per request: the service's own straight at it; the gateway's plus the service's "
        "through the gateway.",
        "",
        row("request", "RPS", "p50 ms", "p99 ms", "errors", "CPU-ms / req", "RPS via gateway", "p50 ms",
            "p99 ms", "errors", "CPU-ms / req (gateway + service)", "direct RPS / pgbench TPS"),
        row(*["---"] + ["---:"] * 11),
    ]
    for pair in run.reads:
        out.append(row(pair.direct.name, *load_cells(pair.direct), cpu_ms(pair.direct.cpu_ms()),
                       *load_cells(pair.gateway), cpu_ms(pair.gateway.cpu_ms()),
                       f"{pair.direct.rps / c.pgbench_tps:.0%}"))
    if run.cached is not None:
        out += cached_section(run.cached, c)
    if run.readers:
        out += readers_section(run.readers)
    out += [
        "",
        "## Writes (through the gateway)",
        "",
        row("request", "connections", "RPS", "p50 ms", "p99 ms", "errors", "CPU-ms / req (gateway + service)",
            "RPS / its ceiling"),
        row("---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"),
        *(row(w.name, w.connections, *load_cells(w), cpu_ms(w.cpu_ms()), write_ratio(w, c))
          for w in [*run.writes, run.mail.forgot]),
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
    ]
    if run.mail_rate is not None:
        out += mail_rate_section(run.mail_rate, run.mail.delivered, run.mail.seconds)
    out += [
        "",
        f"## Mixed load: 90% reads, 10% writes, 64 connections, {MIXED_SECONDS} s, via the gateway",
        "",
        "Reads: 35% one post, 25% the feed's first page, 15% a user's feed, 15% a profile. "
        "Writes: 7% new posts, 3% edits.",
        "",
        row("load", "RPS", "p50 ms", "p99 ms", "errors", "CPU-ms / req (gateway + auth + posts)"),
        row("---", "---:", "---:", "---:", "---:", "---:"),
        row(run.mixed.load.name, *load_cells(run.mixed.load), cpu_ms(run.mixed.load.cpu_ms())),
    ]
    out += starts_section(run)
    out += cost_section(run, shapes)
    out += [
        "",
        "## Scaling: the feed as the table grows",
        "",
        f"Straight at posts, 64 connections, {SCALE_SECONDS} s each. Every request carries "
        "the bench user's bearer token, so it reads through the read cache to Postgres: these "
        "rows are the queries' cost at each size (anonymous, the first page would be a cache "
        "hit). A page 90% of the way down by `skip` reads every skipped index entry; the same "
        "page by `cursor` (the previous page's `next_cursor`) enters the index where the page "
        "starts.",
        "",
        "Each cell: RPS / p50 ms / p99 ms / errors / posts' CPU-ms per request.",
        "",
        row("posts", "first page", "page at 90% by cursor", "same page by skip"),
        row("---:", "---:", "---:", "---:"),
    ]
    cell = lambda l: f"{l.rps:,.0f} / {ms(l.p50_ms)} / {ms(l.p99_ms)} / {l.errors} / {cpu_ms(l.cpu_ms())}"  # noqa: E731
    for p in run.scaling:
        out.append(row(f"{p.posts:,}", cell(p.first_page), cell(p.deep_cursor), cell(p.deep_skip)))
    return "\n".join(out) + "\n"
