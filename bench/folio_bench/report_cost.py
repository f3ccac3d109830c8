"""The report's cost table (CPU-ms per request per endpoint, and what a million cost on Cloud
Run) and bench/cost.json, the same figures for infra/README.md's cost table to quote."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import cost
from .cost import Instance
from .load import Load
from .tools import QUICK
from .table import cpu_ms, ms, per_request, row, usd


@dataclass
class Priced:
    """One measured load and the Cloud Run services a request of it passes."""

    load: Load
    path: tuple[str, ...]
    note: str = ""


def priced_loads(run) -> list[Priced]:
    """Each endpoint once, on its production path where the run measured it (through the
    gateway); the cached reads were measured straight at the service only."""
    out = [Priced(p.gateway, p.gateway.processes) for p in [*run.reads, *(run.readers or [])]]
    if run.cached is not None:
        out += [Priced(r.load, r.load.processes, "service only, measured straight at it")
                for r in run.cached.reads]
    out += [Priced(w, w.processes) for w in [*run.writes, run.mail.forgot, run.mixed.load]]
    return out


def cost_section(run, shapes: dict[str, Instance]) -> list[str]:
    out = [
        "",
        "## What a request costs: CPU time, and a million of them on Cloud Run",
        "",
        "CPU-ms per request: each process's own CPU counter (`process_cpu_seconds_total` at "
        "the services' hidden `/metrics`, from getrusage; the gateway's from /proc) read just "
        "before and just after its wrk run, the rise divided by the requests served. The "
        "same machine also runs wrk and Postgres, so a process shares two cores with both. "
        "Statements: the service's own count of database statements, per request.",
        "",
        f"Cloud Run list prices (request-based billing, Tier 1 regions, "
        f"cloud.google.com/run/pricing, as of {cost.PRICES_AS_OF}): "
        f"${cost.USD_PER_VCPU_SECOND:.6f} per vCPU-second, ${cost.USD_PER_GIB_SECOND:.7f} per "
        f"GiB-second, ${cost.USD_PER_MILLION_REQUESTS:.2f} per million requests. Instances as "
        "infra/ deploys them: "
        + "; ".join(f"{name} {s.vcpu:g} vCPU, {s.memory_gib * 1024:.0f} MiB, concurrency "
                    f"{s.concurrency} ({s.source})" for name, s in shapes.items())
        + ".",
        "",
        "The model: an instance is billed its whole vCPU and memory while it holds at least "
        "one request. Under steady load the autoscaler adds instances once their CPU passes "
        f"{cost.CPU_TARGET:.0%}, so a request costing c CPU-seconds bills c / (vCPU x "
        f"{cost.CPU_TARGET:.1f}) instance-seconds at each service it passes, plus a request fee "
        "at each (through the gateway: the gateway's part, the service's, two fees; a "
        "mixed load's CPU is its average per request, one service per request). That "
        "holds while an instance can fill its CPU within its concurrency (also scaled out at "
        f"{cost.CONCURRENCY_TARGET:.0%} of it): a request of latency t bills at least t / "
        f"(concurrency x {cost.CONCURRENCY_TARGET:.1f}), the larger once t > c x concurrency / "
        "vCPU: the last column gives that latency (production's includes a Neon round trip; "
        "this run's are loopback under load, so not used). Not counted: the free tier, cold "
        "starts, egress, and Postgres (Neon bills its own compute). Sparse "
        "traffic costs more: a request arriving alone at an idle instance bills a whole "
        f"{cost.BILLING_GRANULE_SECONDS * 1000:.0f} ms granule of it: "
        + ", ".join(f"{name} ${cost.alone_per_million(s):.2f}" for name, s in shapes.items())
        + " per million such requests at each service it passes.",
        "",
        row("request", "path", "RPS", "CPU-ms / req: gateway", "CPU-ms / req: service(s)",
            "statements / req", "$ per million requests", "CPU-bound while latency < ms"),
        row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:"),
    ]
    for item in priced_loads(run):
        load = item.load
        services = tuple(p for p in item.path if p != "gateway")
        priced = cost.per_million(load, item.path, shapes)
        gateway = cpu_ms(load.cpu_ms("gateway")) if "gateway" in item.path else "-"
        path = " > ".join(item.path) + (f", {item.note}" if item.note else "")
        out.append(row(load.name.removesuffix(" via gateway"), path, f"{load.rps:,.0f}", gateway,
                       cpu_ms(load.cpu_ms(*services)), per_request(load.statements()),
                       usd(priced and priced.usd_per_million),
                       ms(priced.cpu_bound_below_ms) if priced and priced.cpu_bound_below_ms else "-"))
    if run.mail_rate is not None and run.mail_rate.cpu_ms_per_mail is not None:
        out += ["", f"The mail worker spent {run.mail_rate.cpu_ms_per_mail:.2f} CPU-ms per mail "
                "delivered (its own counter over the mail-rate run, start-up included)."]
    out += ["", "The same figures, machine-readable: `cost.json` beside this report."]
    return out


def write_cost_json(run, shapes: dict[str, Instance], path: Path, made: str, commit: str) -> None:
    endpoints = []
    for item in priced_loads(run):
        load = item.load
        priced = cost.per_million(load, item.path, shapes)
        endpoints.append({
            "request": load.name.removesuffix(" via gateway"),
            "path": list(item.path),
            "note": item.note or None,
            "connections": load.connections,
            "rps": round(load.rps, 1),
            "p50_ms": load.p50_ms,
            "p99_ms": load.p99_ms,
            "errors": load.errors,
            "cpu_ms_per_request": {p: round(v, 4) for p in item.path if (v := load.cpu_ms(p)) is not None},
            "db_statements_per_request": None if (st := load.statements()) is None else round(st, 3),
            "usd_per_million_requests": priced and round(priced.usd_per_million, 4),
            "cpu_bound_below_latency_ms": priced and priced.cpu_bound_below_ms and round(priced.cpu_bound_below_ms, 1),
        })
    mail = run.mail_rate
    document = {
        "made": made,
        "commit": commit,
        # A quick run (BENCH_QUICK) is for checking the bench, not for quoting.
        "quick": QUICK,
        "prices": {
            "source": "https://cloud.google.com/run/pricing (request-based billing, Tier 1)",
            "as_of": cost.PRICES_AS_OF,
            "usd_per_vcpu_second": cost.USD_PER_VCPU_SECOND,
            "usd_per_gib_second": cost.USD_PER_GIB_SECOND,
            "usd_per_million_requests": cost.USD_PER_MILLION_REQUESTS,
        },
        "model": {
            "cpu_target": cost.CPU_TARGET,
            "concurrency_target": cost.CONCURRENCY_TARGET,
            "billing_granule_seconds": cost.BILLING_GRANULE_SECONDS,
            "summary": cost.__doc__.split("\n\n", 1)[1].replace("\n", " ").strip(),
        },
        "instances": {name: {"vcpu": s.vcpu, "memory_gib": s.memory_gib, "concurrency": s.concurrency,
                             "source": s.source, "usd_per_million_alone": round(cost.alone_per_million(s), 4)}
                      for name, s in shapes.items()},
        "endpoints": endpoints,
        "mail": mail and {"mails_per_second": round(mail.achieved, 1), "sink_ceiling": round(mail.ceiling, 1),
                          "cpu_ms_per_mail": mail.cpu_ms_per_mail and round(mail.cpu_ms_per_mail, 4)},
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
