"""Issue 14 item 4: the cold path, as far as one machine can show it. Each binary starts
(as its container does: environment only) with its database out of reach for its first
DELAY_MS, behind a small TCP proxy in front of Postgres, in two ways:

- held: the proxy accepts at once but connects to Postgres only after the delay, as Neon's
  proxy holds a connection while a suspended compute resumes;
- refused: nothing listens until the delay has passed (connections are refused), as while
  a database or its pooler is still starting.

Measured from process start: the first 200 from `/livez` (the process serves; the pool is
lazy, so nothing waits for the database) and the first 200 from `/health` (a database round
trip answered: what Cloud Run's startup probe waits for). `/health` is polled as a probe
would poll it, one request after another, each given 5 s."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from .system import free_port, http_status
from .tools import QUICK, RELEASE

DELAY_MS = int(os.environ.get("BENCH_COLD_DELAY_MS", "1000"))
RUNS = 1 if QUICK else 5
MODES = ("held", "refused")


class LateDatabase:
    """A TCP proxy on a port of its own to `upstream`, reachable only `delay_s` after
    `open()` (see the module's two modes)."""

    def __init__(self, upstream: tuple[str, int], mode: str, delay_s: float):
        self.upstream, self.mode, self.delay_s = upstream, mode, delay_s
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Bound but not listening: a connection to it is refused.
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.opens_at = 0.0
        self.closed = threading.Event()

    def open(self) -> None:
        self.opens_at = time.perf_counter() + self.delay_s
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        if self.mode == "refused":
            self._wait_until_open()
        self.listener.listen(64)
        self.listener.settimeout(0.05)
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _wait_until_open(self) -> None:
        while (left := self.opens_at - time.perf_counter()) > 0 and not self.closed.is_set():
            time.sleep(min(left, 0.01))

    def _forward(self, client: socket.socket) -> None:
        self._wait_until_open()
        try:
            server = socket.create_connection(self.upstream)
        except OSError:
            client.close()
            return
        for source, sink in ((client, server), (server, client)):
            threading.Thread(target=pipe, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        self.closed.set()
        self.listener.close()


def pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@dataclass
class ColdStart:
    livez_ms: float
    healthy_ms: float


def through(database_url: str, port: int) -> str:
    """`database_url` with its host and port replaced by the proxy's."""
    parts = urlsplit(database_url)
    user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


def first_200(port: int, path: str, started: float, timeout_s: float, deadline_s: float = 20) -> float:
    """ms from `started` to the first 200 on `path`, polled back to back."""
    while time.perf_counter() - started < deadline_s:
        if http_status(port, path, timeout_s) == 200:
            return (time.perf_counter() - started) * 1000
        time.sleep(0.002)
    raise RuntimeError(f"no 200 from {path} within {deadline_s} s")


def cold_start(binary: str, env: dict[str, str], mode: str) -> ColdStart:
    parts = urlsplit(env["DATABASE_URL"])
    proxy = LateDatabase((parts.hostname or "127.0.0.1", parts.port or 5432), mode, DELAY_MS / 1000)
    port = free_port()
    run_env = {**os.environ, "RUST_LOG": "warn", **env, "PORT": str(port),
               "DATABASE_URL": through(env["DATABASE_URL"], proxy.port)}
    started = time.perf_counter()
    proxy.open()
    proc = subprocess.Popen([str(RELEASE / binary)], env=run_env, stdout=subprocess.DEVNULL)
    try:
        livez = first_200(port, "/livez", started, 1)
        healthy = first_200(port, "/health", started, 5)
        return ColdStart(livez, healthy)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        proxy.close()


@dataclass
class ColdPath:
    delay_ms: int
    # service -> mode -> starts
    starts: dict[str, dict[str, list[ColdStart]]]

    def median(self, service: str, mode: str, field: str) -> float:
        return statistics.median(getattr(s, field) for s in self.starts[service][mode])


def cold_path(binaries: dict[str, str], env: dict[str, str]) -> ColdPath:
    print(f"cold path: the database out of reach for the first {DELAY_MS} ms ({RUNS} starts per mode)", flush=True)
    starts = {
        service: {mode: [cold_start(binary, env, mode) for _ in range(RUNS)] for mode in MODES}
        for service, binary in binaries.items()
    }
    return ColdPath(DELAY_MS, starts)
