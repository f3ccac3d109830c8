"""The report's serverless figures: start-up, the cold path with the database out of reach
(issue 14), memory and binaries; and mail per worker against the SMTP sink (issue 16)."""

from __future__ import annotations

import statistics

from .cold import ColdPath
from .cpu import SERVICES
from .mail_rate import TARGET, MailRate
from .table import row


def mail_rate_section(rate: MailRate, forgot_delivered: int, forgot_seconds: float) -> list[str]:
    met = "met" if rate.share >= TARGET else "missed"
    return [
        "",
        "## Mail per worker against the SMTP sink's own ceiling",
        "",
        f"Measured one after the other in this run, before the system starts (release build): "
        f"{rate.concurrency} plain SMTP clients (Python's smtplib, a process and a connection "
        f"each, sending a mail of the worker's size serialised once) blast {rate.mails:,} mails "
        "at a fresh sink (scripts/smtp_sink.py, one Python process): its ceiling on this "
        "machine, the clients sharing its two cores. Then "
        f"{rate.mails:,} jobs are queued on a stream of their own and one mail worker "
        f"(MAIL_CONCURRENCY={rate.concurrency}, kept awake) delivers them to a fresh sink, "
        "timed from the first accepted mail to the last.",
        "",
        row("SMTP sink's ceiling, mails/s", "one worker, mails/s", "worker / ceiling", "target",
            "worker CPU-ms per mail"),
        row("---:", "---:", "---:", "---", "---:"),
        row(f"{rate.ceiling:,.0f}", f"{rate.achieved:,.0f}", f"{rate.share:.0%}", f">= {TARGET:.0%}: {met}",
            "-" if rate.cpu_ms_per_mail is None else f"{rate.cpu_ms_per_mail:.2f}"),
        "",
        f"In the whole system, after the forgot-password load: {forgot_delivered:,} mails in the "
        f"{forgot_seconds:.0f} s that followed ({forgot_delivered / forgot_seconds:,.0f} per second, "
        "the worker draining a backlog while the rest of the run goes on).",
    ]


def cold_section(cold: ColdPath, normal: dict[str, list[float]]) -> list[str]:
    d = cold.delay_ms
    runs = len(next(iter(next(iter(cold.starts.values())).values())))
    out = [
        "",
        f"### The cold path: the database out of reach for the first {d} ms",
        "",
        "Each binary started as its container starts it, its DATABASE_URL pointing at a small "
        "TCP proxy in front of Postgres that lets nothing through for the first "
        f"{d} ms: *held*, the proxy accepts at once and connects onward only then (as Neon's "
        "proxy holds a connection while a suspended compute resumes); *refused*, nothing "
        "listens until then (a database or pooler still starting). From process start: the "
        "first 200 from `/livez` (the pool is lazy: the process serves before the database "
        "answers) and from `/health` (a database round trip: what Cloud Run's startup probe "
        f"waits for), polled back to back. Median of {runs} starts; \"after the database\" is "
        f"the `/health` time less the {d} ms.",
        "",
        row("service", "start to healthy ms, database up", "held: /livez ms", "held: /health ms",
            "held: after the database ms", "refused: /livez ms", "refused: /health ms",
            "refused: after the database ms"),
        row("---", *["---:"] * 7),
    ]
    for name, modes in cold.starts.items():
        cells = [name, f"{statistics.median(normal[name]):.0f}"]
        for mode in ("held", "refused"):
            healthy = cold.median(name, mode, "healthy_ms")
            cells += [f"{cold.median(name, mode, 'livez_ms'):.0f}", f"{healthy:.0f}", f"{healthy - d:.0f}"]
        out.append(row(*cells))
    out += [
        "",
        "In production the first request after a quiet spell chains more than this: the "
        "gateway's instance start, the service's, the VPC connection, Neon's resume (hundreds "
        "of ms), then the first query; the startup probes allow for it.",
    ]
    return out


def starts_section(run) -> list[str]:
    runs = len(next(iter(run.starts.values())))
    out = [
        "",
        "## Serverless figures",
        "",
        "Start to first healthy `/health` (a database round trip answered): the binary started "
        f"as its container starts it (environment only), {runs} times, median (min-max).",
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
    ]
    if run.cold is not None:
        out += cold_section(run.cold, run.starts)
    return out
