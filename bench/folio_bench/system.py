"""The running system (scripts/system.sh, release build: the Procfile's processes) and its
processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from .tools import RELEASE, RESULTS, ROOT, folio_system

ports, read_procfile = folio_system.ports, folio_system.read_procfile

# The Procfile's port block at 48000, so a `make dev` or a test run is not disturbed.
PORT_BASE = {"FOLIO_PORT_BASE": "48000"}
PROCESSES = read_procfile()
PORTS = {entry.name: ports(PORT_BASE, PROCESSES)[entry.port_variable] for entry in PROCESSES}
# Each Folio service's binary, by process name: {"auth": "folio-auth", ...}.
BINARIES = {entry.name: entry.binary for entry in PROCESSES if entry.binary}
STATE = RESULTS / "state"
# Measure the services, not the limiters: limits far above what wrk can send.
UNLIMITED = {
    "LOGIN_RATE_LIMIT_PER_MINUTE": "100000000",
    "REGISTER_RATE_LIMIT_PER_MINUTE": "100000000",
    "PASSWORD_RESET_RATE_LIMIT_PER_MINUTE": "100000000",
    # The create and mixed scenarios post as one bench user, far past 30 posts a minute.
    "POST_RATE_LIMIT_PER_MINUTE": "100000000",
}


# How auth wakes this system's mail worker (a worker without a wake endpoint ignores both;
# unset, auth would wake the development worker on port 8083).
MAIL_WAKE = {
    "MAIL_WAKE_URL": f"http://127.0.0.1:{PORTS['mail']}/internal/wake",
    "MAIL_WAKE_TOKEN": f"bench-wake-token-{os.getpid()}-0123456789abcdef",
}


def url(service: str, path: str = "") -> str:
    return f"http://127.0.0.1:{PORTS[service]}{path}"


class System:
    """scripts/system.sh in the background, stopped on exit."""

    def __init__(self, database_url: str):
        self.env = {
            **os.environ,
            **UNLIMITED,
            **MAIL_WAKE,
            "FOLIO_PROFILE": "release",
            "DATABASE_URL": database_url,
            "FOLIO_STATE_DIR": str(STATE),
            "REDIS_KEY_PREFIX": f"bench-{os.getpid()}",
            "RUST_LOG": "warn",
            **{entry.port_variable: str(PORTS[entry.name]) for entry in PROCESSES},
        }
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> System:
        print("starting the whole system (scripts/system.sh, release)", flush=True)
        self.proc = subprocess.Popen(
            [str(ROOT / "scripts/system.sh")], env=self.env, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        for line in self.proc.stdout:
            if line.startswith("Folio is running at"):
                return self
        raise RuntimeError(f"scripts/system.sh stopped (exit {self.proc.wait()}); logs in {STATE / 'logs'}")

    def __exit__(self, *_) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)

    @property
    def maildir(self) -> Path:
        return STATE / "mail"


def pid_on_port(port: int) -> int:
    """The process listening on `port` (from `ss`)."""
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
    match = re.search(r"pid=(\d+)", out)
    if not match:
        raise RuntimeError(f"nothing listens on port {port}")
    return int(match.group(1))


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024


class RssSampler:
    """Peak RSS of some processes, sampled every 200 ms while a load runs."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.peak = {name: 0.0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_mib(pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()


def http_status(port: int, path: str, timeout: float = 1) -> int | None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
            head = s.recv(16).decode(errors="replace")
            return int(head.split()[1])
    except (OSError, ValueError, IndexError):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_to_healthy_ms(binary: str, env: dict[str, str]) -> float:
    """Starts `binary` the way a container does (env only) and times it to its first 200 on
    /health; then stops it with SIGTERM."""
    port = free_port()
    env = {**os.environ, "RUST_LOG": "warn", **env, "PORT": str(port)}
    started = time.perf_counter()
    proc = subprocess.Popen([str(RELEASE / binary)], env=env, stdout=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 20:
            if http_status(port, "/health") == 200:
                return (time.perf_counter() - started) * 1000
            time.sleep(0.001)
        raise RuntimeError(f"{binary} did not become healthy in 20 s")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
