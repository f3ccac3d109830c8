#!/usr/bin/env python3
"""The whole Folio system as the root `Procfile` lists it, started and supervised.

Every local launcher starts the system through this module: `scripts/system.sh` (make dev,
the browser tests, test-idle, test-dev-signals, the benchmark) runs `folio_system.py run`
after its builds; the resilience suite imports `System` to stop, kill and restart single
processes. honcho reads the same Procfile, but cannot wait for each process to answer
before starting the next, name the one that died, keep a log per process, or restart one
process of a running system, which these launchers need.

The environment every process gets is the caller's, then the wiring below (which the
caller's explicit `extra` overrides): a state folder (`FOLIO_STATE_DIR`, `.dev`) with
pictures in media/, mail in mail/, each process's log in logs/ and the development key;
`FOLIO_BIN` (the cargo profile `FOLIO_PROFILE`, debug or release, in `CARGO_TARGET_DIR`);
the ports (`FOLIO_PORT_BASE` or each `*_PORT`, see the Procfile); links in mails to the
gateway; the mail worker sending to the SMTP catcher and woken on its own port.

    scripts/folio_system.py run        the system in the foreground until SIGINT, SIGTERM
                                       or SIGHUP (exit 0) or until a process dies (exit 1,
                                       naming it); prints "Folio is running at <url>"
    scripts/folio_system.py binaries   the Folio binaries the Procfile runs, one a line
    scripts/folio_system.py ports      the ports it would use, as VARIABLE=port lines
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile"
# The processes that are no HTTP server: ready once their port accepts a connection.
NOT_HTTP = {"smtp"}
START_SECONDS = 60
# Services drain in-flight requests within 8 s of SIGTERM; past 10 s they are killed.
STOP_SECONDS = 10

_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")
_OWN_PORT = re.compile(r"\$\{([A-Z0-9_]+_PORT):-(\d+)\}")
_BINARY = re.compile(r"\$FOLIO_BIN/([A-Za-z0-9_-]+)")


class Entry:
    """One line of the Procfile: a name, a shell command, and the port it declares."""

    def __init__(self, name: str, command: str):
        self.name = name
        self.command = command
        own = _OWN_PORT.search(command)
        if not own:
            raise ValueError(f"Procfile: {name} declares no port as ${{NAME_PORT:-default}}")
        self.port_variable, self.default_port = own.group(1), int(own.group(2))
        binary = _BINARY.search(command)
        self.binary = binary.group(1) if binary else None


def read_procfile(path: Path = PROCFILE) -> list[Entry]:
    """The Procfile's entries in order; comments and blank lines are skipped."""
    entries = []
    for line in path.read_text().splitlines():
        match = _LINE.match(line.strip())
        if match and not line.lstrip().startswith("#"):
            entries.append(Entry(match.group(1), match.group(2)))
    return entries


def binaries(entries: list[Entry] | None = None) -> list[str]:
    """The Folio binaries (each its cargo package's name) the Procfile runs."""
    return [e.binary for e in entries or read_procfile() if e.binary]


def ports(environ: dict[str, str], entries: list[Entry] | None = None) -> dict[str, int]:
    """Each entry's port variable and value: the variable when set, else FOLIO_PORT_BASE
    plus the default's last three digits, else the default."""
    base = environ.get("FOLIO_PORT_BASE")
    chosen = {}
    for entry in entries or read_procfile():
        if environ.get(entry.port_variable):
            chosen[entry.port_variable] = int(environ[entry.port_variable])
        elif base:
            chosen[entry.port_variable] = int(base) + entry.default_port % 1000
        else:
            chosen[entry.port_variable] = entry.default_port
    return chosen


def wiring(environ: dict[str, str], port_of: dict[str, int], state: Path) -> dict[str, str]:
    """What connects the processes to each other and to this machine (module docstring)."""
    target = Path(environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache/folio-target")
    profile = environ.get("FOLIO_PROFILE") or "debug"
    wired = {
        **{name: str(port) for name, port in port_of.items()},
        "FOLIO_STATE_DIR": str(state),
        "FOLIO_BIN": environ.get("FOLIO_BIN") or str(target / profile),
        "WEB_ROOT": environ.get("WEB_ROOT") or str(ROOT / "web/dist"),
        "DATABASE_URL": environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/folio",
        # Pictures go to a folder that media serves at /media/*, reached through the
        # gateway, so the relative image_path works on the gateway's origin.
        "MEDIA_STORE_URL": f"file://{state / 'media'}",
        "MEDIA_PUBLIC_URL": "/media",
        # Every local service signs or verifies tokens with the same generated key.
        "JWT_DEV_KEY_FILE": environ.get("JWT_DEV_KEY_FILE") or str(state / "jwt-dev-key.pem"),
    }
    if "GATEWAY_PORT" in port_of:
        # Reset links in mails must open the frontend behind this gateway.
        wired["FRONTEND_URL"] = f"http://localhost:{port_of['GATEWAY_PORT']}"
    if "SMTP_PORT" in port_of:
        wired.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port_of["SMTP_PORT"]), MAIL_USE_TLS="false")
    if "MAIL_HEALTH_PORT" in port_of:
        # Auth wakes the local mail worker, which goes quiet after MAIL_ACTIVE_SECONDS
        # without mail as on Cloud Run (the development wake token unless MAIL_WAKE_TOKEN).
        wired["MAIL_WAKE_URL"] = f"http://127.0.0.1:{port_of['MAIL_HEALTH_PORT']}/internal/wake"
    return wired


def port_accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def http_status(port: int, path: str = "/health") -> int | None:
    """The status of one GET on a fresh connection; None when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


class Process:
    """One process of the system: its Procfile line, environment (a copy of its own: a
    change reaches it at its next start), log and running child."""

    def __init__(self, entry: Entry, env: dict[str, str], log: Path):
        self.name = entry.name
        self.binary = entry.binary
        self.command = entry.command
        self.port = int(env[entry.port_variable])
        self.env = dict(env)
        self.log = log
        self.proc: subprocess.Popen | None = None

    def spawn(self) -> None:
        """Starts it in a session of its own (out of the terminal's process group: a
        Ctrl-C reaches the launcher alone), its output appended to its log."""
        with self.log.open("ab") as log:
            # exec: the child is the program itself, so signals and /proc reach it.
            self.proc = subprocess.Popen(["sh", "-c", f"exec {self.command}"], cwd=ROOT, env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         start_new_session=True)

    def ready(self) -> bool:
        if self.name in NOT_HTTP:
            return port_accepts(self.port)
        return http_status(self.port) == 200

    def start(self, timeout: float = 30) -> float:
        """Starts it; returns the seconds until it was ready."""
        self.spawn()
        started = time.monotonic()
        while not self.ready():
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{self.name} not ready within {timeout} s; see {self.log}")
            time.sleep(0.05)
        return time.monotonic() - started

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def rss_kib(self, field_name: str = "VmRSS") -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(rf"{field_name}:\s+(\d+) kB", status).group(1))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal_group(self, signum: int) -> None:
        if self.alive():
            try:
                os.killpg(self.proc.pid, signum)
            except ProcessLookupError:
                pass

    def terminate(self, timeout: float = 15) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
        self.signal_group(signal.SIGTERM)
        try:
            if self.proc:
                self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.proc.wait()


class System:
    """The Procfile's processes with the environment described above."""

    def __init__(self, environ: dict[str, str] | None = None, extra: dict[str, str] | None = None,
                 procfile: Path = PROCFILE):
        environ = dict(os.environ if environ is None else environ)
        entries = read_procfile(procfile)
        self.state = (ROOT / environ.get("FOLIO_STATE_DIR", ".dev")).resolve()
        self.logs = self.state / "logs"
        for folder in (self.state / "media", self.state / "mail", self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.env = {**environ, **wiring(environ, ports(environ, entries), self.state), **(extra or {})}
        self.processes = {e.name: Process(e, self.env, self.logs / f"{e.name}.log") for e in entries}
        for process in self.processes.values():
            process.log.write_bytes(b"")

    def __getitem__(self, name: str) -> Process:
        return self.processes[name]

    @property
    def maildir(self) -> Path:
        return self.state / "mail"

    def taken_ports(self) -> list[int]:
        return [p.port for p in self.processes.values() if port_accepts(p.port)]

    def dead(self) -> Process | None:
        """The first started process that has exited."""
        return next((p for p in self.processes.values() if p.proc and not p.alive()), None)

    def start(self, timeout: float = START_SECONDS, stopping=lambda: False) -> None:
        """Starts each process in order, each once the one before is ready (auth first
        writes the development key the others read). Raises PartDied when a started one
        exits, TimeoutError past `timeout` seconds; returns early once `stopping()`."""
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            process.spawn()
            while not process.ready():
                if stopping():
                    return
                if (dead := self.dead()) is not None:
                    raise PartDied(dead)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"not every part answered within {timeout:.0f} s; logs are in {self.logs}")
                time.sleep(0.05)

    def stop(self, hurry=lambda: False) -> None:
        """SIGTERM to every process at once; SIGKILL after STOP_SECONDS or once `hurry()`."""
        running = [p for p in self.processes.values() if p.alive()]
        for process in running:
            process.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while any(p.alive() for p in running) and time.monotonic() < deadline and not hurry():
            time.sleep(0.05)
        for process in running:
            process.signal_group(signal.SIGKILL)
            process.proc.wait()


class PartDied(Exception):
    """A process of the system exited while nothing was stopping it."""

    def __init__(self, process: Process):
        super().__init__(f"{process.name} stopped unexpectedly")
        self.process = process


def run() -> int:
    """The foreground system of scripts/system.sh (module docstring)."""
    signals = {"count": 0}

    def on_signal(*_) -> None:
        signals["count"] += 1

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    system = System()
    try:
        system.start(stopping=lambda: signals["count"] > 0)
        if not signals["count"]:
            print(f"Folio is running at http://localhost:{system.env['GATEWAY_PORT']}", flush=True)
        while not signals["count"] and system.dead() is None:
            time.sleep(0.1)
        if signals["count"]:
            return 0
        raise PartDied(system.dead())
    except PartDied as died:
        print(f"system: {died}; the end of {died.process.log}:", file=sys.stderr)
        lines = died.process.log.read_text(errors="replace").splitlines()[-20:]
        print("\n".join(lines), file=sys.stderr, flush=True)
        return 1
    except TimeoutError as late:
        print(f"system: {late}", file=sys.stderr)
        return 1
    finally:
        # Another signal while the processes drain means "now".
        drained_from = signals["count"]
        system.stop(hurry=lambda: signals["count"] > drained_from)


def main(argv: list[str]) -> int:
    if argv == ["run"]:
        return run()
    if argv == ["binaries"]:
        print("\n".join(binaries()))
        return 0
    if argv == ["ports"]:
        print("\n".join(f"{name}={port}" for name, port in ports(dict(os.environ)).items()))
        return 0
    print("usage: scripts/folio_system.py run | binaries | ports", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
