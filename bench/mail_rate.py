#!/usr/bin/env python3
"""Mails per second of one mail worker process against the SMTP sink's own ceiling,
measured in the same run (issue 16 item 4).

The ceiling: MAIL_CONCURRENCY plain smtplib clients, one connection each, sending the
same number of mails straight to the sink. The worker: that many jobs queued on a stream
of its own before the worker starts, then timed from the sink's first file to its last
(the sink names each file by the nanosecond it accepted the mail). Uses the machine's
Redis and Postgres (as `make test` does) and scripts/smtp_sink.py.

    python3 bench/mail_rate.py [--binary PATH] [--mails 1000] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/folio-target"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def sink_ceiling(port: int, maildir: Path, mails: int, clients: int) -> float:
    message = EmailMessage()
    message["From"] = "Folio <noreply@folio.test>"
    message["Subject"] = "Your Folio password was changed"
    message.set_content("Hello Ann,\n\nyour Folio password was changed.\n" * 8)
    message.add_alternative("<p>Hello Ann,</p><p>your Folio password was changed.</p>" * 8, subtype="html")

    def client(k: int) -> None:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for i in range(mails // clients):
                smtp.send_message(message, to_addrs=[f"ceiling{k}.{i}@example.com"])

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return rate(wait_for(maildir, mails // clients * clients, 60))


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(TARGET / "release/folio-mail"))
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="folio-mail-rate-"))
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/smtp_sink.py"), "--port", str(port), "--maildir", str(work / "ceiling")],
        stdout=subprocess.PIPE, text=True,
    )
    assert sink.stdout and sink.stdout.readline().strip() == "ready"
    prefix = f"bench-mail-{uuid.uuid4().hex[:8]}"
    worker = None
    try:
        ceiling = sink_ceiling(port, work / "ceiling", args.mails, args.concurrency)
        sink.send_signal(signal.SIGTERM)
        sink.wait()
        sink = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/smtp_sink.py"), "--port", str(port), "--maildir", str(work / "worker")],
            stdout=subprocess.PIPE, text=True,
        )
        assert sink.stdout and sink.stdout.readline().strip() == "ready"

        queue_jobs(prefix, args.mails)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PORT": str(free_port()),
            "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
            "REDIS_URL": "redis://127.0.0.1:6379",
            "REDIS_KEY_PREFIX": prefix,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(port),
            "MAIL_USE_TLS": "false",
            "MAIL_FROM": "noreply@folio.test",
            "MAIL_CONCURRENCY": str(args.concurrency),
            "RUST_LOG": "warn",
        }
        worker = subprocess.Popen([args.binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        achieved = rate(wait_for(work / "worker", args.mails, 300))
    finally:
        if worker:
            worker.send_signal(signal.SIGTERM)
            worker.wait()
        sink.send_signal(signal.SIGTERM)
        sink.wait()
        drop_keys(prefix)
        subprocess.run(["rm", "-rf", str(work)])

    print(f"SMTP sink ceiling ({args.concurrency} clients): {ceiling:,.0f} mails/s")
    print(f"one mail worker (MAIL_CONCURRENCY={args.concurrency}): {achieved:,.0f} mails/s, {achieved / ceiling:.0%} of the sink")


if __name__ == "__main__":
    main()
