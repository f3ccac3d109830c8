"""wrk runs and what they measured, with what each request cost each process (its CPU
time and database statements, from the counters read just before and after the run)."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field

from . import cpu
from .system import PORTS
from .tools import BENCH, QUICK, sh

DURATION = int(os.environ.get("BENCH_SECONDS", "2" if QUICK else "10"))
SETTLE_SECONDS = 1 if QUICK else 3


@dataclass
class Load:
    """One wrk run."""

    name: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    # The processes each request passes: ("posts",) straight at posts, ("gateway", "posts")
    # through the gateway.
    processes: tuple[str, ...] = ()
    # The rise of each process's counters over the run (empty when nothing was read).
    spent: cpu.Counters = field(default_factory=cpu.Counters)

    def cpu_ms(self, *processes: str) -> float | None:
        """CPU milliseconds per request served, summed over `processes` (those it passes
        when none are named); None when the counters were not read."""
        names = processes or self.processes
        if not self.requests or any(p not in self.spent.cpu_seconds for p in names) or not names:
            return None
        return 1000 * sum(self.spent.cpu_seconds[p] for p in names) / self.requests

    def statements(self, *processes: str) -> float | None:
        """Database statements per request, summed over `processes` (those it passes when
        none are named, the gateway left out: it runs none)."""
        names = processes or tuple(p for p in self.processes if p != "gateway")
        if not self.requests or any(p not in self.spent.statements for p in names) or not names:
            return None
        return sum(self.spent.statements[p] for p in names) / self.requests


def wrk_command(
    url: str, connections: int, script: str | None, duration: int, headers: list[str] | None = None
) -> list[str]:
    args = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{duration}s"]
    args += ["--latency", "--timeout", "10s"]
    for header in headers or []:
        args += ["-H", header]
    if script:
        args += ["-s", str(BENCH / "wrk" / script)]
    return args + [url]


def wrk(
    name: str,
    url: str,
    connections: int,
    script: str | None = None,
    duration: int = DURATION,
    env: dict[str, str] | None = None,
    headers: list[str] | None = None,
    backend: tuple[str, ...] = (),
) -> Load:
    """Loads `url` with wrk. A run through the gateway names the services behind it
    (`backend`), so its cost per request counts theirs too."""
    processes = target_processes(url, backend)
    print(f"  {name} ({connections} connections, {duration} s)", flush=True)
    command = wrk_command(url, connections, script, duration, headers)
    before = cpu.read()
    out = sh(*command, capture_output=True, env={**os.environ, **(env or {})}).stdout
    # Read at once: the settling below is idle time, not the load's.
    spent = cpu.read().minus(before)
    # Requests wrk left in flight (slow deep pages, queued hashes) finish before the next
    # run starts, so no run pays for the one before it.
    time.sleep(SETTLE_SECONDS)
    load = parse_wrk(name, connections, out)
    load.processes, load.spent = processes, spent
    return load


def target_processes(url: str, backend: tuple[str, ...]) -> tuple[str, ...]:
    port = int(re.match(r"http://[^:/]+:(\d+)", url).group(1))
    process = next(name for name, p in PORTS.items() if p == port)
    if process == "gateway" and not backend:
        raise ValueError(f"a load through the gateway must name its backend: {url}")
    return (process, *backend) if process == "gateway" else (process,)


def to_ms(value: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m|h)$", value)
    if not match:
        raise ValueError(f"unreadable wrk latency {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}[unit]


def parse_wrk(name: str, connections: int, out: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # The distribution lines only: a Stdev column like "68.50%" must not match "50%".
    p50 = to_ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return Load(name, connections, rps, p50, p99, errors, requests)
