"""The private Folio system the resilience suite breaks on purpose: its own Postgres cluster,
Redis server, SMTP sink and the four release binaries, on ports of their own, so stopping
and restarting them never touches the machine's shared Postgres (5432) and Redis (6379).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `release` for `make resilience`; `debug` inside `make test`, which has built those already.
PROFILE = os.environ.get("RESILIENCE_PROFILE", "release")
BINARIES = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/folio-target")) / PROFILE

# Below Linux's ephemeral range (32768-60999): a port in it can be taken at any moment as
# the local end of some client's connection on this shared machine, and then cannot be
# listened on (seen here: 35432 taken by another suite's client).
PG_PORT = 25432
REDIS_PORT = 26379
SMTP_PORT = 28025
AUTH_PORT, POSTS_PORT, MEDIA_PORT, MAIL_PORT = 28080, 28081, 28082, 28083
GATEWAY_PORT = 28000
DATABASE = "folio"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(predicate, timeout: float, what: str, step: float = 0.05) -> float:
    """Polls `predicate` until true; returns the seconds it took, or fails naming `what`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(step)
    raise TimeoutError(f"{what} not within {timeout} s")


def http_status(port: int, path: str = "/health") -> int | None:
    """One HTTP/1.0 GET on a fresh connection; None when nothing answers."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
            return int(s.recv(32).split()[1])
    except (OSError, ValueError, IndexError):
        return None


def postgres_bin() -> Path:
    """Debian's server binaries, newest major first."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not candidates:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return candidates[-1].parent


class PrivatePostgres:
    """A throw-away cluster; as root it runs as `postgres`, which initdb insists on."""

    def __init__(self, workdir: Path):
        self.data = workdir / "pgdata"
        self.log = workdir / "postgres.log"
        self.bin = postgres_bin()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run([*prefix, *args], check=True, stdout=subprocess.DEVNULL)

    def init(self) -> None:
        self.data.parent.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.data.parent, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()

    def start(self) -> None:
        # fsync off: this cluster is disposable, and the suite tests the services, not disks.
        options = f"-c listen_addresses=127.0.0.1 -c port={PG_PORT} -c unix_socket_directories={self.data.parent} -c fsync=off -c max_connections=200"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: sessions are cut, as when a managed Postgres restarts."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{PG_PORT}/{database}"

    def psql(self, sql: str) -> str:
        out = subprocess.run(["psql", self.url(), "-Atqc", sql], check=True, capture_output=True, text=True)
        return out.stdout.strip()


class PrivateRedis:
    """A redis-server keeping nothing on disk, like the machine's and a basic managed one."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(REDIS_PORT), 10, "redis-server listening")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def cli(self, *args: str) -> str:
        out = subprocess.run(["redis-cli", "-p", str(REDIS_PORT), *args], check=True, capture_output=True, text=True)
        return out.stdout.strip()


class SmtpSink:
    """The project's SMTP catcher; each accepted mail becomes a file in `maildir`."""

    def __init__(self, workdir: Path):
        self.maildir = workdir / "mail"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/smtp_sink.py"), "--port", str(SMTP_PORT), "--maildir", str(self.maildir)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout and self.proc.stdout.readline().strip() == "ready", "SMTP sink did not start"

    def recipients(self) -> list[str]:
        """The envelope recipient of every mail received so far."""
        found = []
        for mail in self.maildir.glob("*.eml"):
            lines = mail.read_text(errors="replace").splitlines()
            if not lines:
                continue  # still being written by the sink: counted on the next look
            first = lines[0]
            found.extend(first.removeprefix("X-Envelope-To: ").split(","))
        return found

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@dataclass
class Service:
    """One binary of a Folio service."""

    name: str
    port: int
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> float:
        """Starts it; returns the seconds until `/health` answered 200."""
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([str(BINARIES / self.name)], env={**self.env, "PORT": str(self.port)}, stdout=log, stderr=log)
        return wait_until(lambda: http_status(self.port) == 200, 30, f"{self.name} healthy")

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def rss_kib(self, field_name: str = "VmRSS") -> int:
        assert self.proc
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(rf"{field_name}:\s+(\d+) kB", status).group(1))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Gateway:
    """Caddy with the real gateway Caddyfile in front of the services, for the scenarios that
    must see what a client of the public URL sees (a 502 there is the gateway's doing)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        state = self.workdir / "caddy"
        (state / "web").mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "XDG_CONFIG_HOME": str(state),
            "XDG_DATA_HOME": str(state),
            "GATEWAY_PORT": str(GATEWAY_PORT),
            "WEB_ROOT": str(state / "web"),
            "AUTH_UPSTREAM": f"127.0.0.1:{AUTH_PORT}",
            "POSTS_UPSTREAM": f"127.0.0.1:{POSTS_PORT}",
            "MEDIA_UPSTREAM": f"127.0.0.1:{MEDIA_PORT}",
        }
        with (self.workdir / "gateway.log").open("ab") as log:
            self.proc = subprocess.Popen(
                # The Caddy the gateway image ships (scripts/caddy.sh installs it on first use).
                [str(ROOT / "scripts/caddy.sh"), "run", "--config", str(ROOT / "infra/gateway/Caddyfile"), "--adapter", "caddyfile"],
                env=env, stdout=log, stderr=log,
            )
        wait_until(lambda: http_status(GATEWAY_PORT, "/api/posts?limit=1") == 200, 30, "gateway routing")

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{GATEWAY_PORT}{path}"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class Stack:
    """Everything above, started in dependency order and stopped in reverse."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="folio-resilience-"))
        os.chmod(self.workdir, 0o755)
        self.postgres = PrivatePostgres(self.workdir / "pg")
        self.redis = PrivateRedis(self.workdir)
        self.smtp = SmtpSink(self.workdir)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "RUST_LOG": "info",
            "DATABASE_URL": self.postgres.url(),
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}",
            "JWT_DEV_KEY_FILE": str(self.workdir / "jwt-dev-key.pem"),
            "MEDIA_STORE_URL": f"file://{self.workdir / 'media'}",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(SMTP_PORT),
            "MAIL_USE_TLS": "false",
            # Auth wakes the worker, which goes quiet after MAIL_ACTIVE_SECONDS without mail.
            "MAIL_WAKE_URL": f"http://127.0.0.1:{MAIL_PORT}/internal/wake",
            # Load clients are told apart by X-Forwarded-For (as behind Cloud Run's proxy), so
            # limits stay at their defaults and still hold per client.
            "TRUSTED_PROXY_HOPS": "1",
            # Every test account logs in a few times; the per-account limit is not under test.
            "LOGIN_RATE_LIMIT_PER_MINUTE": "1000",
            # Fuzzing and load create many posts per test account; the per-user post
            # limit (30 a minute by default) is not under test here.
            "POST_RATE_LIMIT_PER_MINUTE": "100000",
        }
        self.services = {
            name: Service(name, port, dict(env), self.workdir / f"{name}.log")
            for name, port in [("folio-auth", AUTH_PORT), ("folio-posts", POSTS_PORT), ("folio-media", MEDIA_PORT), ("folio-mail", MAIL_PORT)]
        }
        self.services["folio-media"].env["MEDIA_PUBLIC_URL"] = f"http://127.0.0.1:{MEDIA_PORT}/media"
        self.gateway = Gateway(self.workdir)

    @property
    def auth(self) -> Service:
        return self.services["folio-auth"]

    @property
    def posts(self) -> Service:
        return self.services["folio-posts"]

    @property
    def media(self) -> Service:
        return self.services["folio-media"]

    @property
    def mail(self) -> Service:
        return self.services["folio-mail"]

    def start(self) -> None:
        taken = [p for p in (PG_PORT, REDIS_PORT, SMTP_PORT, AUTH_PORT, POSTS_PORT, MEDIA_PORT, MAIL_PORT, GATEWAY_PORT) if port_open(p)]
        if taken:
            raise RuntimeError(f"ports already in use (another resilience run?): {taken}")
        self.postgres.init()
        subprocess.run(["psql", self.postgres.url("postgres"), "-qc", f"create database {DATABASE}"], check=True)
        subprocess.run([str(BINARIES / "migrate")], env={**os.environ, "DATABASE_URL": self.postgres.url()}, check=True, stdout=subprocess.DEVNULL)
        self.redis.start()
        self.smtp.start()
        # auth first: it creates the development signing key the others then read.
        for service in self.services.values():
            service.start()
        self.gateway.start()

    def stop(self) -> None:
        self.gateway.stop()
        for service in self.services.values():
            service.terminate()
        self.smtp.stop()
        self.redis.stop()
        try:
            self.postgres.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped by a failed scenario

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
