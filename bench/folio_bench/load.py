"""wrk runs and what they measured."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

from .tools import BENCH, sh

DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
SETTLE_SECONDS = 3


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
) -> Load:
    print(f"  {name} ({connections} connections, {duration} s)", flush=True)
    command = wrk_command(url, connections, script, duration, headers)
    out = sh(*command, capture_output=True, env={**os.environ, **(env or {})}).stdout
    # Requests wrk left in flight (slow deep pages, queued hashes) finish before the next
    # run starts, so no run pays for the one before it.
    time.sleep(SETTLE_SECONDS)
    return parse_wrk(name, connections, out)


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
