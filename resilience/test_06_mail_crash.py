"""SIGKILL to the mail worker in the middle of a burst of reset mails: every mail arrives,
and one goes out twice only if the SMTP server accepted it in the instant before the kill
(its worker had no time to set the sent marker).

Each of the MAIL_CONCURRENCY (4) senders can be in that instant, and on a loaded 2-core
machine a worker may be slow to read two 250s at once, so the bound is on the average:
at most one duplicate per kill. Before the fix every sender sat in it for the ~40 ms of
a delayed ACK (Nagle), and a kill cost 2-4 duplicates, as many as were sending."""

from __future__ import annotations

import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from api import call
from stack import wait_until

ROUNDS = 4
MAILS = 40
KILL_AFTER = 8  # mails of the burst received before the kill: the worker is mid-burst
# The restarted worker takes over the killed one's entries once idle this long (60 s by
# default); with its 5 s reclaim scan that bounds the wait for the rest.
RECLAIM_SECONDS = 2
DELIVERY_BOUND_SECONDS = 60


def accounts(stack, round_: int) -> list[str]:
    """MAILS accounts made in SQL: forgot-password only needs the row, and the API would
    spend an Argon2 hash on each (seconds apiece in debug builds)."""
    emails = [f"crash{round_}.{i}@example.com" for i in range(MAILS)]
    values = ",".join(f"('crash{round_}_{i}', '{email}', 'not-a-hash')" for i, email in enumerate(emails))
    stack.postgres.psql(f"insert into users (username, email, password_hash) values {values}")
    return emails


def forgot(stack, email: str, client_ip: str) -> int:
    return call(stack.auth.url("/api/users/forgot-password"), "POST", {"email": email}, client_ip=client_ip)[0]


def recipients(stack) -> list[str]:
    """Like `SmtpSink.recipients`, but polled while the sink writes: it skips the sink's
    temporary dot-files, which are renamed away under the reader."""
    found = []
    for mail in stack.smtp.maildir.glob("*.eml"):
        if mail.name.startswith("."):
            continue
        first = mail.read_text(errors="replace").splitlines()[0]
        found.extend(first.removeprefix("X-Envelope-To: ").split(","))
    return found


def pending(stack) -> int:
    reply = stack.redis.cli("XPENDING", "folio:mail", "mailers")
    return int(reply.splitlines()[0])


def test_mail_worker_killed_mid_burst_sends_each_mail_once(stack, summary):
    mail = stack.mail
    mail.env["MAIL_RECLAIM_IDLE_SECONDS"] = str(RECLAIM_SECONDS)
    # The running worker was started with the default reclaim time.
    mail.terminate()
    mail.start()

    per_round = []
    for round_ in range(ROUNDS):
        emails = accounts(stack, round_)
        wanted = set(emails)

        def received() -> Counter:
            return Counter(r for r in recipients(stack) if r in wanted)

        # Concurrent requests fill the stream faster than the worker drains it, so every
        # consumer is sending when the kill comes.
        with ThreadPoolExecutor(8) as pool:
            answers = pool.map(lambda i: forgot(stack, emails[i], f"10.6.{round_}.{i}"), range(MAILS))
            wait_until(lambda: sum(received().values()) >= KILL_AFTER, 30, f"{KILL_AFTER} mails of round {round_}", step=0.002)
            mail.proc.send_signal(signal.SIGKILL)
            mail.proc.wait()
            at_kill = sum(received().values())
            statuses = list(answers)
        assert statuses == [202] * MAILS
        restart = mail.start()

        wait_until(lambda: set(received()) == wanted, DELIVERY_BOUND_SECONDS, f"all {MAILS} mails of round {round_}")
        wait_until(lambda: pending(stack) == 0, DELIVERY_BOUND_SECONDS, "every entry acknowledged")
        counts = received()
        duplicates = sum(n - 1 for n in counts.values())
        per_round.append((at_kill, restart, duplicates))

    scenario = f"SIGKILL to the mail worker mid-burst ({ROUNDS} x {MAILS} reset mails)"
    summary.record(scenario, "mails received before each kill", ", ".join(str(k) for k, _, _ in per_round))
    summary.record(scenario, "worker healthy again after each restart, s", ", ".join(f"{r:.2f}" for _, r, _ in per_round))
    summary.record(scenario, "mails delivered", f"{ROUNDS * MAILS} / {ROUNDS * MAILS}")
    summary.record(scenario, "duplicates per kill", ", ".join(str(d) for _, _, d in per_round))
    duplicates = [d for _, _, d in per_round]
    assert sum(duplicates) <= ROUNDS, f"duplicates per kill: {duplicates}"
