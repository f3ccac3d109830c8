"""bench/report.png: the run at a glance."""

from __future__ import annotations

import statistics
from pathlib import Path

from .chart_panels import cached_panel, cold_panel, cost_panel, readers_panel
from .cpu import SERVICES
from .report import Run


def draw(run: Run, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(15, 30))
    grid = fig.add_gridspec(5, 2, height_ratios=[1, 1, 1, 1, 1.7])
    reads, writes = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    scaling, memory = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
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
    scaling.set_title("Feed latency as the table grows (read through the cache: with a token)")
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
    memory.set_title(f"Memory, start-up to healthy (median of {len(run.starts[SERVICES[0]])}), binary size")
    memory.legend(fontsize=8)

    if run.cached is not None:
        cached_panel(fig.add_subplot(grid[2, :]), run)
    if run.readers:
        readers_panel(fig.add_subplot(grid[3, 0]), run)
    if run.cold is not None:
        cold_panel(fig.add_subplot(grid[3, 1]), run)
    cost_panel(fig.add_subplot(grid[4, :]), run)

    fig.tight_layout(rect=(0, 0, 1, 0.985))
    fig.savefig(path, dpi=100)
