"""The chart's panels for cached reads (issue 16), pages and feeds (issue 17), the cold path
and the CPU cost of a request (issue 14)."""

from __future__ import annotations

import statistics

from .report import Run
from .report_cost import priced_loads


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
    # "database (never cached)" names the cache too: only what it served is blue.
    colors = ["tab:blue" if r.served.startswith("cache") or "from the cache" in r.served else "tab:orange"
              for r in reads]
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


def readers_panel(ax, run: Run) -> None:
    """Issue 17: pages, feeds and the sitemap beside the JSON feed, direct and via the gateway."""
    pairs = run.readers
    names = [p.direct.name.split(" (")[0].replace("GET ", "") for p in pairs]
    ys = range(len(pairs))
    ax.barh([y + 0.2 for y in ys], [p.direct.rps for p in pairs], 0.4, label="straight at posts")
    ax.barh([y - 0.2 for y in ys], [p.gateway.rps for p in pairs], 0.4, label="through the gateway")
    for y, p in enumerate(pairs):
        ax.text(p.direct.rps, y + 0.2, f" p99 {p.direct.p99_ms:.1f} ms", va="center", fontsize=7)
    ax.set_xscale("log")
    ax.set_yticks(list(ys), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("requests per second (log scale)")
    ax.set_title("Pages, feeds and the sitemap beside the JSON feed")
    ax.legend(fontsize=8, loc="lower right")


def cost_panel(ax, run: Run) -> None:
    """CPU-ms per request per endpoint on the path the cost table prices (log scale)."""
    items = [i for i in priced_loads(run) if i.load.cpu_ms() is not None]
    names = [f"{i.load.name.removesuffix(' via gateway')} [{' > '.join(i.path)}]" for i in items]
    ys = list(range(len(items)))
    totals = [i.load.cpu_ms() for i in items]
    colors = ["tab:gray" if "gateway" in i.path else "tab:blue" for i in items]
    ax.barh(ys, totals, color=colors)
    for y, item in enumerate(items):
        parts = ", ".join(f"{p} {item.load.cpu_ms(p):.3g}" for p in item.path)
        ax.text(totals[y], y, f" {parts}", va="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_yticks(ys, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("CPU-ms per request (log scale; grey: through the gateway, blue: the service alone)")
    ax.set_title("What a request costs in CPU, from each process's own counter (the cost table prices these)")


def cold_panel(ax, run: Run) -> None:
    """Issue 14: how soon each service is healthy once its database answers."""
    cold = run.cold
    services = list(cold.starts)
    xs = range(len(services))
    d = cold.delay_ms
    bars = [
        ("start to healthy, database up", [statistics.median(run.starts[s]) for s in services]),
        ("healthy after the database, held", [cold.median(s, "held", "healthy_ms") - d for s in services]),
        ("healthy after the database, refused", [cold.median(s, "refused", "healthy_ms") - d for s in services]),
        ("start to first /livez, database held", [cold.median(s, "held", "livez_ms") for s in services]),
    ]
    for k, (label, values) in enumerate(bars):
        offset = (k - 1.5) * 0.2
        ax.bar([x + offset for x in xs], values, 0.2, label=label)
        for x, v in zip(xs, values):
            ax.text(x + offset, v, f"{v:.0f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(list(xs), services)
    ax.set_ylabel("ms (median)")
    ax.set_title(f"The cold path: the database out of reach for the first {d} ms")
    ax.legend(fontsize=8)
