"""Mails per second of one mail worker process against the SMTP sink's own ceiling,
measured one after the other in the same run (issue 16 item 4: at least 80% of it).

The ceiling: `concurrency` plain smtplib clients, one process and one connection each,
blasting the same number of ready-made mails straight at a fresh sink
(scripts/smtp_sink.py). The worker: that many jobs queued on a stream of its own before
the worker starts, then timed from the sink's first file to its last (the sink names each
file by the nanosecond it accepted the mail), with MAIL_CONCURRENCY = `concurrency`. Its
CPU time per mail comes from its own `/metrics` (everything since it started, start-up
included). Uses the machine's Redis and the database it is given (migrated, with nothing
else in its outbox: the worker's sweep would deliver another run's mail to this sink)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from pathlib import Path

from .cpu import metric, service_metrics
from .system import free_port
from .tools import RELEASE, ROOT, drop_database, fresh_database, sh

TARGET = 0.80


@dataclass
class MailRate:
    mails: int
    concurrency: int
    ceiling: float  # mails per second the sink takes from plain clients
    achieved: float  # mails per second one worker delivered
    cpu_ms_per_mail: float | None

    @property
    def share(self) -> float:
        return self.achieved / self.ceiling


def accepted(maildir: Path) -> list[int]:
    """Acceptance times (ns) of the mails in the sink, oldest first."""
    return sorted(int(p.name.split("-")[0]) for p in maildir.glob("*.eml") if not p.name.startswith("."))


def rate(times: list[int]) -> float:
    return (len(times) - 1) / ((times[-1] - times[0]) / 1e9)


def wait_for(maildir: Path, n: int, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(times := accepted(maildir)) < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(times)} of {n} mails within {timeout} s")
        time.sleep(0.05)
    return times


class Sink:
    """scripts/smtp_sink.py on `port`, writing into `maildir`, until closed."""

    def __init__(self, port: int, maildir: Path):
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/smtp_sink.py"), "--port", str(port), "--maildir", str(maildir)],
            stdout=subprocess.PIPE, text=True,
        )
        if not self.proc.stdout or self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()


def sample_message() -> bytes:
    """A mail of the worker's kind and size (text and HTML alternatives), as sent bytes."""
    message = EmailMessage()
    message["From"] = "Folio <noreply@folio.test>"
    message["To"] = "ann@example.com"
    message["Subject"] = "Your Folio password was changed"
    message.set_content("Hello Ann,\n\nyour Folio password was changed.\n" * 8)
    message.add_alternative("<p>Hello Ann,</p><p>your Folio password was changed.</p>" * 8, subtype="html")
    # CRLF line ends, as on the wire: smtplib sends bytes as they are.
    return message.as_bytes(policy=policy.SMTP)


def blast(port: int, client: int, mails: int, message: bytes) -> None:
    """One plain SMTP client: one connection, `mails` sends of ready bytes, back to back."""
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i in range(mails):
            smtp.sendmail("noreply@folio.test", [f"ceiling{client}.{i}@example.com"], message)


def sink_ceiling(port: int, maildir: Path, mails: int, clients: int) -> float:
    """The sink's rate under `clients` plain clients. Each is a process of its own sending
    bytes serialised once, so the clients (Python too) are not what is measured."""
    message = sample_message()
    per_client = mails // clients
    processes = [multiprocessing.Process(target=blast, args=(port, k, per_client, message)) for k in range(clients)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
        if p.exitcode:
            raise RuntimeError(f"an SMTP client failed (exit {p.exitcode})")
    return rate(wait_for(maildir, per_client * clients, 60))


def queue_jobs(prefix: str, mails: int) -> None:
    now = datetime.now(timezone.utc).isoformat()
    lines = [
        f'XADD {prefix}:mail * id {uuid.uuid4()} kind password_changed to user{i}@example.com '
        f'username Ann link "" traceparent "" enqueued_at {now}'
        for i in range(mails)
    ]
    subprocess.run(["redis-cli"], input="\n".join(lines) + "\n", text=True, check=True, stdout=subprocess.DEVNULL)


def drop_keys(prefix: str) -> None:
    keys = subprocess.run(["redis-cli", "--scan", "--pattern", f"{prefix}:*"], capture_output=True, text=True).stdout.split()
    for i in range(0, len(keys), 500):
        subprocess.run(["redis-cli", "DEL", *keys[i : i + 500]], stdout=subprocess.DEVNULL)


def worker_env(port: int, health_port: int, database_url: str, prefix: str, concurrency: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PORT": str(health_port),
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"),
        "REDIS_KEY_PREFIX": prefix,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_USE_TLS": "false",
        "MAIL_FROM": "noreply@folio.test",
        "MAIL_CONCURRENCY": str(concurrency),
        # A worker that goes quiet after a wake window must not go quiet mid-measurement
        # (unknown variables are ignored by a worker without that mode).
        "MAIL_ALWAYS_ON": "true",
        "MAIL_WAKE_TOKEN": f"bench-wake-{uuid.uuid4().hex}",
        "RUST_LOG": "warn",
    }


def measure_mail_rate(binary: Path, database_url: str, mails: int = 1000, concurrency: int = 4) -> MailRate:
    print(f"mail worker against the SMTP sink's ceiling ({mails:,} mails, {concurrency} at once)", flush=True)
    work = Path(tempfile.mkdtemp(prefix="folio-mail-rate-"))
    port = free_port()
    prefix = f"bench-mail-{uuid.uuid4().hex[:8]}"
    sink = Sink(port, work / "ceiling")
    worker = None
    try:
        ceiling = sink_ceiling(port, work / "ceiling", mails, concurrency)
        sink.close()
        sink = Sink(port, work / "worker")
        queue_jobs(prefix, mails)
        health_port = free_port()
        env = worker_env(port, health_port, database_url, prefix, concurrency)
        worker = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        achieved = rate(wait_for(work / "worker", mails, 300))
        text = service_metrics("mail", health_port)
        cpu = metric(text, "process_cpu_seconds_total") if text else None
    finally:
        if worker:
            worker.send_signal(signal.SIGTERM)
            worker.wait()
        sink.close()
        drop_keys(prefix)
        subprocess.run(["rm", "-rf", str(work)])
    return MailRate(mails, concurrency, ceiling, achieved, None if cpu is None else 1000 * cpu / mails)


def summary(result: MailRate) -> str:
    met = "met" if result.share >= TARGET else "missed"
    cpu = "" if result.cpu_ms_per_mail is None else f", {result.cpu_ms_per_mail:.2f} CPU-ms per mail"
    return (
        f"SMTP sink ceiling ({result.concurrency} clients): {result.ceiling:,.0f} mails/s; one mail worker "
        f"(MAIL_CONCURRENCY={result.concurrency}): {result.achieved:,.0f} mails/s, {result.share:.0%} of the "
        f"sink (target >= {TARGET:.0%}: {met}){cpu}"
    )


def mail_rate_on_a_fresh_database(mails: int, concurrency: int, binary: Path = RELEASE / "folio-mail") -> MailRate:
    """`measure_mail_rate` against a database of its own, migrated, dropped afterwards."""
    name = "folio_bench_mail"
    db = fresh_database(name)
    try:
        sh(str(RELEASE / "migrate"), env={**os.environ, "DATABASE_URL": db}, capture_output=True)
        return measure_mail_rate(binary, db, mails, concurrency)
    finally:
        drop_database(name)
