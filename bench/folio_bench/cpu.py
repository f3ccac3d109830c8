"""What each process of the running system has spent: CPU seconds and database statements.

The four services report their own counters at the hidden `/metrics`
(`process_cpu_seconds_total` from getrusage, `folio_db_statements_total` from the pool;
shared/src/health.rs); the gateway (Caddy) is read from the kernel (`/proc/<pid>/stat`).
A wrk run reads them just before and just after the load: the rise divided by the
requests served is what one request cost each process."""

from __future__ import annotations

import os
import re
import urllib.request
from dataclasses import dataclass, field

from .system import BINARIES, PORTS, pid_on_port, url

# The Procfile's Folio services: {"auth", "posts", "media", "mail"} today.
SERVICES = tuple(BINARIES)
PROCESSES = ("gateway", *SERVICES)
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass
class Counters:
    """One reading of every process that answered: CPU seconds and statements run."""

    cpu_seconds: dict[str, float] = field(default_factory=dict)
    statements: dict[str, float] = field(default_factory=dict)

    def minus(self, before: Counters) -> Counters:
        """The rise since `before`, for the processes read both times."""
        return Counters(
            {p: v - before.cpu_seconds[p] for p, v in self.cpu_seconds.items() if p in before.cpu_seconds},
            {p: v - before.statements[p] for p, v in self.statements.items() if p in before.statements},
        )


def metric(text: str, name: str) -> float | None:
    match = re.search(rf"^{name} ([0-9.eE+-]+)$", text, re.M)
    return float(match.group(1)) if match else None


def service_metrics(service: str, port: int | None = None) -> str | None:
    """The text of a service's `/metrics`, or None when it does not answer."""
    target = f"http://127.0.0.1:{port}/metrics" if port else url(service, "/metrics")
    try:
        with urllib.request.urlopen(target, timeout=2) as response:
            return response.read().decode()
    except OSError:
        return None


def proc_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of `pid` (fields 14 and 15 of /proc/<pid>/stat, after the
    command name, which may hold spaces)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


_gateway_pid: int | None = None


def read() -> Counters:
    """Every process's counters now; a process that does not answer is left out."""
    global _gateway_pid
    counters = Counters()
    for service in SERVICES:
        text = service_metrics(service)
        if text is None:
            continue
        if (cpu := metric(text, "process_cpu_seconds_total")) is not None:
            counters.cpu_seconds[service] = cpu
        if (statements := metric(text, "folio_db_statements_total")) is not None:
            counters.statements[service] = statements
    try:
        _gateway_pid = _gateway_pid or pid_on_port(PORTS["gateway"])
        counters.cpu_seconds["gateway"] = proc_cpu_seconds(_gateway_pid)
    except (OSError, RuntimeError):
        _gateway_pid = None
    return counters
