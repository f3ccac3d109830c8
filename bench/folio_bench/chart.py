"""bench/report.png: the run at a glance."""

from __future__ import annotations

import statistics
from pathlib import Path

from .measure import SERVICES
from .report import Run


def draw(run: Run, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ((reads, writes), (scaling, memory), bottom) = plt.subplots(3, 2, figsize=(15, 15))
    fig.suptitle("Folio on one 2-core machine (wrk, loopback, release builds)", fontsize=14)

    names = [p.direct.name.replace("GET ", "") for p in run.reads]
    ys = range(len(names))
    reads.barh([y + 0.2 for y in ys], [p.direct.rps for p in run.reads], 0.4, label="straight at the service")
    reads.barh([y - 0.2 for y in ys], [p.gateway.rps for p in run.reads], 0.4, label="through the gateway")
    reads.axvline(run.ceilings.pgbench_tps, color="grey", linestyle="--", label="pgbench -S ceiling")
    reads.set_yticks(list(ys), names, fontsize=8)
    reads.invert_yaxis()
    reads.set_xlabel("requests per second (64 connections)")
    reads.set_title("Reads")
    reads.legend(fontsize=8, loc="lower right")

    loads = [*run.writes, run.mail.forgot, run.mixed.load]
    labels = [w.name.split(" (")[0] if "(" in w.name else w.name for w in loads]
    writes.barh(range(len(loads)), [w.rps for w in loads], color="tab:green")
    writes.set_xscale("log")
    writes.set_yticks(range(len(loads)), labels, fontsize=8)
    writes.invert_yaxis()
    for y, w in enumerate(loads):
        writes.text(w.rps, y, f" {w.rps:,.0f}/s, p99 {w.p99_ms:.0f} ms", va="center", fontsize=8)
    writes.set_xlabel("requests per second (log scale)")
    writes.set_title("Writes and the mixed load (through the gateway)")

    sizes = [p.posts for p in run.scaling]
    scaling.plot(sizes, [p.first_page.p99_ms for p in run.scaling], "o-", label="first page")
    scaling.plot(sizes, [p.deep_skip.p99_ms for p in run.scaling], "s-", label="page at 90% by skip")
    scaling.plot(sizes, [p.deep_cursor.p99_ms for p in run.scaling], "^-", label="same page by cursor")
    scaling.set_xscale("log")
    scaling.set_yscale("log")
    scaling.set_xlabel("posts in the table")
    scaling.set_ylabel("p99 latency, ms (64 connections)")
    scaling.set_title("Feed latency as the table grows")
    scaling.legend(fontsize=8)
    scaling.grid(True, which="both", alpha=0.3)

    xs = range(len(SERVICES))
    memory.bar([x - 0.27 for x in xs], [run.idle_rss[s] for s in SERVICES], 0.27, label="idle RSS")
    memory.bar(list(xs), [run.mixed.peak_rss_mib[s] for s in SERVICES], 0.27,
               label="peak RSS during the mixed load")
    memory.bar([x + 0.27 for x in xs], [run.peak_rss[s] for s in SERVICES], 0.27,
               label="peak RSS of the whole run")
    ticks = [
        f"{s}\nstarts in {statistics.median(run.starts[s]):.0f} ms\n{run.binaries[s]:.1f} MiB binary"
        for s in SERVICES
    ]
    memory.set_xticks(list(xs), ticks, fontsize=8)
    memory.set_ylabel("MiB")
    memory.set_title("Memory, start-up to healthy (median of 20), binary size")
    memory.legend(fontsize=8)

    grid = bottom[0].get_gridspec()
    for ax in bottom:
        ax.remove()
    if run.cached is not None:
        cached_panel(fig.add_subplot(grid[2, :]), run)

    fig.tight_layout()
    fig.savefig(path, dpi=100)


def cached_panel(ax, run: Run) -> None:
    """Issue 16: each read's RPS as a share of its service's /livez, with p99."""
    cached = run.cached
    reads = cached.reads
    names = [f"{r.load.name} ({r.served})" for r in reads]
    shares = []
    for r in reads:
        livez = cached.auth_livez if "profile" in r.load.name else cached.posts_livez
        shares.append(100 * r.load.rps / livez.rps)
    ys = range(len(reads))
    colors = ["tab:blue" if "cache" in r.served else "tab:orange" for r in reads]
    ax.barh(list(ys), shares, color=colors)
    for y, (share, r) in enumerate(zip(shares, reads)):
        ax.text(share, y, f" {r.load.rps:,.0f}/s, p99 {r.load.p99_ms:.1f} ms", va="center", fontsize=8)
    ax.axvline(100 * run.ceilings.pgbench_tps / cached.posts_livez.rps, color="grey", linestyle="--",
               label="pgbench -S, as % of posts /livez")
    ax.axvline(80, color="tab:green", linestyle=":", label="target: cached post 80%, first page 60%")
    ax.axvline(60, color="tab:green", linestyle=":")
    ax.set_yticks(list(ys), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"% of the service's own /livez (posts {cached.posts_livez.rps:,.0f}/s) in the same run")
    ax.set_title("Cached reads (blue: from the cache; orange: database) — 64 connections, straight at the service")
    ax.legend(fontsize=8, loc="lower right")
