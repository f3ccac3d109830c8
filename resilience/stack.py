"""The private Folio system the resilience suite breaks on purpose: its own Postgres cluster
and Redis server, and the processes of the root Procfile (scripts/folio_system.py: SMTP
sink, the four binaries, the gateway) on ports of their own, so stopping and restarting
them never touches the machine's shared Postgres (5432) and Redis (6379).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "scripts"))
from folio_system import Process, System, port_accepts  # noqa: E402  (scripts/ is no package)

# `release` for `make resilience`; `debug` inside `make test`, which has built those already.
PROFILE = os.environ.get("RESILIENCE_PROFILE", "release")
BINARIES = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/folio-target")) / PROFILE

# Below Linux's ephemeral range (32768-60999): a port in it can be taken at any moment as
# the local end of some client's connection on this shared machine, and then cannot be
# listened on (seen here: 35432 taken by another suite's client). The Procfile's
# processes take the block at 28000: 28000, 28025, 28080-28083.
PG_PORT = 25432
REDIS_PORT = 26379
PORT_BASE = 28000
DATABASE = "folio"
# A test names a service by its binary (stack.services["folio-auth"]).
Service = Process
port_open = port_accepts


def wait_until(predicate, timeout: float, what: str, step: float = 0.05) -> float:
    """Polls `predicate` until true; returns the seconds it took, or fails naming `what`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(step)
    raise TimeoutError(f"{what} not within {timeout} s")


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


class Mailbox:
    """What the Procfile's SMTP sink received: each accepted mail is a file in `maildir`."""

    def __init__(self, maildir: Path):
        self.maildir = maildir

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


class Stack:
    """Postgres and Redis, then the Procfile's processes in order; stopped in reverse."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="folio-resilience-"))
        os.chmod(self.workdir, 0o755)
        self.postgres = PrivatePostgres(self.workdir / "pg")
        self.redis = PrivateRedis(self.workdir)
        # Nothing of the caller's environment but PATH and HOME reaches the processes.
        environ = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "RUST_LOG": "info",
            "FOLIO_PORT_BASE": str(PORT_BASE),
            "FOLIO_STATE_DIR": str(self.workdir),
            "FOLIO_BIN": str(BINARIES),
            # The gateway scenarios need its routes, not the frontend.
            "WEB_ROOT": str(self.workdir / "web"),
        }
        (self.workdir / "web").mkdir()
        self.system = System(environ, extra={
            "DATABASE_URL": self.postgres.url(),
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}",
            # Load clients are told apart by X-Forwarded-For (as behind Cloud Run's proxy),
            # so limits stay at their defaults and still hold per client.
            "TRUSTED_PROXY_HOPS": "1",
            # Every test account logs in a few times; the per-account limit is not under test.
            "LOGIN_RATE_LIMIT_PER_MINUTE": "1000",
            # Fuzzing and load create many posts per test account; the per-user post
            # limit (30 a minute by default) is not under test here.
            "POST_RATE_LIMIT_PER_MINUTE": "100000",
        })
        self.system["media"].env["MEDIA_PUBLIC_URL"] = self.system["media"].url("/media")
        self.services = {p.binary: p for p in self.system.processes.values() if p.binary}
        self.smtp = Mailbox(self.system.maildir)
        self.gateway = self.system["gateway"]
        self.auth: Process = self.services["folio-auth"]
        self.posts: Process = self.services["folio-posts"]
        self.media: Process = self.services["folio-media"]
        self.mail: Process = self.services["folio-mail"]

    def start(self) -> None:
        taken = [p for p in (PG_PORT, REDIS_PORT) if port_open(p)] + self.system.taken_ports()
        if taken:
            raise RuntimeError(f"ports already in use (another resilience run?): {taken}")
        self.postgres.init()
        subprocess.run(["psql", self.postgres.url("postgres"), "-qc", f"create database {DATABASE}"], check=True)
        subprocess.run([str(BINARIES / "migrate")], env={**os.environ, "DATABASE_URL": self.postgres.url()}, check=True, stdout=subprocess.DEVNULL)
        self.redis.start()
        self.system.start()

    def stop(self) -> None:
        self.system.stop()
        self.redis.stop()
        try:
            self.postgres.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped by a failed scenario

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
