"""What a million requests cost on Cloud Run, from the CPU time each request cost each
process in this run (issues 14 and 16).

The model (request-based billing, `cpu_idle = true`, which every request-serving service of
infra/ uses): an instance is billed vCPU-seconds and GiB-seconds of its whole allocation
while it holds at least one request, plus a fee per request each service receives. Under
steady load the autoscaler adds instances when their average CPU passes its target (60% by
default), so each billed instance-second carries about 0.6 s of CPU work per vCPU: a
request costing `c` CPU-seconds bills `c / (vCPU x 0.6)` instance-seconds. A request through
the gateway pays the gateway's part and the service's, and two request fees. This holds
while requests are short enough for an instance to fill its CPU within its concurrency
(scaled out at 60% of it too): a request of latency `t` bills at least
`t / (concurrency x 0.6)`, which is the larger past `t = c x concurrency / vCPU` (given per
request: the bench's own latencies are loopback under load, not production's). Left out:
the free tier, cold starts, egress, Postgres (Neon bills its own compute)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .load import Load
from .tools import ROOT

# List prices, request-based billing, Tier 1 regions (us-central1, europe-west1, ...), from
# https://cloud.google.com/run/pricing, looked up on this date. Update all four together.
PRICES_AS_OF = "2026-12-03"
USD_PER_VCPU_SECOND = 0.000024
USD_PER_GIB_SECOND = 0.0000025
USD_PER_MILLION_REQUESTS = 0.40
# Billable time is rounded up to this: a request that arrives alone bills at least this.
BILLING_GRANULE_SECONDS = 0.1
# Cloud Run's default autoscaling targets (docs: "Configure custom scaling controls").
CPU_TARGET = 0.60
CONCURRENCY_TARGET = 0.60
REQUEST_BILLED = ("gateway", "auth", "posts", "media")
# When infra/ cannot be read: one vCPU, 512 MiB, Cloud Run's default concurrency.
FALLBACK = (1.0, 0.5, 80)


@dataclass(frozen=True)
class Instance:
    """One Cloud Run service's instance shape, as infra/ deploys it."""

    vcpu: float
    memory_gib: float
    concurrency: int
    source: str

    @property
    def usd_per_second(self) -> float:
        return self.vcpu * USD_PER_VCPU_SECOND + self.memory_gib * USD_PER_GIB_SECOND


def gib(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(Mi|Gi)", text).groups()
    return float(number) / (1024 if unit == "Mi" else 1)


def instances() -> dict[str, Instance]:
    """The gateway from `var.gateway` and its fixed CPU (infra/gateway.tf); auth, posts and
    media from `var.services`' defaults (infra/variables.tf); the fallback for any not found."""
    variables = (ROOT / "infra/variables.tf").read_text()
    gateway_tf = (ROOT / "infra/gateway.tf").read_text()
    found: dict[str, Instance] = {}
    for name, vcpu, memory, concurrency in re.findall(
        r'^\s*(\w+)\s*=\s*\{\s*cpu\s*=\s*"([\d.]+)",\s*memory\s*=\s*"(\w+)",\s*concurrency\s*=\s*(\d+)',
        variables, re.M,
    ):
        found[name] = Instance(float(vcpu), gib(memory), int(concurrency), "infra/variables.tf")
    gateway = re.search(r'default\s*=\s*\{\s*memory\s*=\s*"(\w+)",\s*concurrency\s*=\s*(\d+)', variables)
    gateway_cpu = re.search(r'cpu\s*=\s*"([\d.]+)"', gateway_tf)
    if gateway and gateway_cpu:
        found["gateway"] = Instance(float(gateway_cpu.group(1)), gib(gateway.group(1)), int(gateway.group(2)),
                                    "infra/variables.tf, infra/gateway.tf")
    vcpu, memory, concurrency = FALLBACK
    fallback = Instance(vcpu, memory, concurrency, "assumed (not found in infra/)")
    # The request-billed services only: the mail worker's instance is billed while it
    # lives (CPU always allocated), not per request.
    return {name: found.get(name, fallback) for name in REQUEST_BILLED}


@dataclass
class Cost:
    """A million requests' bill, and the latency past which it no longer holds."""

    usd_per_million: float
    # Past this latency (ms) an instance on the path runs out of concurrency before it
    # fills its CPU, and bills more than the CPU-bound figure (None for a mix of requests
    # to several services: each request reaches one of them).
    cpu_bound_below_ms: float | None


def per_million(load: Load, path: tuple[str, ...], shapes: dict[str, Instance]) -> Cost | None:
    """A million requests like those of `load`, each passing the gateway if `path` names it
    and one of the services it names (a mixed load names several); None when the counters
    were not read. CPU is summed over every process, being an average per request."""
    services = [p for p in path if p != "gateway"]
    usd = USD_PER_MILLION_REQUESTS * (("gateway" in path) + bool(services))
    bound_ms = float("inf")
    for process in path:
        cpu_ms = load.cpu_ms(process)
        if cpu_ms is None:
            return None
        shape = shapes[process]
        usd += cpu_ms / 1000 / (shape.vcpu * CPU_TARGET) * shape.usd_per_second * 1e6
        # t / (concurrency x 0.6) > c / (vCPU x 0.6)  <=>  t > c x concurrency / vCPU
        bound_ms = min(bound_ms, cpu_ms * shape.concurrency / shape.vcpu)
    return Cost(usd, bound_ms if len(services) <= 1 else None)


def alone_per_million(shape: Instance) -> float:
    """A million requests that each arrive alone at an idle instance (sparse traffic):
    each bills one billing granule of the whole instance, whatever it costs in CPU."""
    return BILLING_GRANULE_SECONDS * shape.usd_per_second * 1e6 + USD_PER_MILLION_REQUESTS
