"""Redis stopped under load: reads are unaffected, forgot-password still answers 202, the
rate limits degrade open while Redis is gone (as README and rate_limit.rs document) and
hold again once it is back, and every reset mail asked for during the outage arrives
(through the Postgres outbox and the mail worker's sweep) after it."""

from __future__ import annotations

import time

from api import call, register
from load import BackgroundLoad, count_statuses, reader_kinds
from stack import wait_until

OUTAGE_MAILS = 12
RESET_LIMIT = 5  # PASSWORD_RESET_RATE_LIMIT_PER_MINUTE default
READ_BOUND_SECONDS = 2  # reads never wait on Redis; generous for a loaded 2-core machine
LIMITS_BACK_BOUND_SECONDS = 5
# Outbox rows are swept once 30 s old, every 10 s; the worker reconnects within 5 s.
MAIL_BOUND_SECONDS = 90


def forgot(stack, email: str, client_ip: str) -> int:
    status, _ = call(stack.auth.url("/api/users/forgot-password"), "POST", {"email": email}, client_ip=client_ip)
    return status


def burst_of_forgot(stack, client_ip: str, count: int) -> list[int]:
    """`count` forgot-password requests for unknown emails from one client."""
    return [forgot(stack, f"nobody{i}.{client_ip}@example.com", client_ip) for i in range(count)]


def test_redis_outage_under_load(stack, summary):
    reader = register(stack, "redisreader", client_ip="10.4.0.1")
    users = [register(stack, f"redismail{i}", client_ip=f"10.4.1.{i}") for i in range(OUTAGE_MAILS + 1)]

    # Before: the limit holds, and a reset mail goes through the stream.
    assert burst_of_forgot(stack, "10.4.2.1", RESET_LIMIT + 1) == [202] * RESET_LIMIT + [429]
    assert forgot(stack, users[0].email, "10.4.3.0") == 202
    wait_until(lambda: users[0].email in stack.smtp.recipients(), 20, "the mail sent before the outage")

    with BackgroundLoad(reader_kinds(stack, reader, feed=4, profile=2, me=2), pause=0.01) as load:
        time.sleep(2)
        stack.redis.stop()
        down = time.monotonic()
        outage_forgot = []
        for i, user in enumerate(users[1:], start=1):
            started = time.monotonic()
            outage_forgot.append((forgot(stack, user.email, f"10.4.3.{i}"), time.monotonic() - started))
        degraded = burst_of_forgot(stack, "10.4.2.2", RESET_LIMIT + 5)
        worker_health_down = call(stack.mail.url("/health"))[0]
        time.sleep(max(0.0, 8 - (time.monotonic() - down)))
        stack.redis.start()
        up = time.monotonic()
        time.sleep(3)
        outcomes = load.stop()

    during = [o for o in outcomes if o.started >= down and o.ended < up]
    assert not [o for o in outcomes if o.status != 200], f"reads failed: {count_statuses(outcomes)}"
    slowest_read = max(o.seconds for o in outcomes)
    assert slowest_read <= READ_BOUND_SECONDS, f"a read took {slowest_read:.2f} s"
    assert len(during) > 50, "too little read load during the outage to judge it"
    assert [s for s, _ in outage_forgot] == [202] * OUTAGE_MAILS
    assert degraded == [202] * (RESET_LIMIT + 5), f"limits did not degrade open: {degraded}"
    assert worker_health_down == 503

    # After: the limit holds again, once auth's Redis connection has been re-established
    # (it reconnects when a command fails, so the first burst may still pass).
    clients = iter(f"10.4.4.{i}" for i in range(200))
    limits_back = wait_until(
        lambda: burst_of_forgot(stack, next(clients), RESET_LIMIT + 1) == [202] * RESET_LIMIT + [429],
        LIMITS_BACK_BOUND_SECONDS, "rate limits enforced again", step=0.5,
    )
    wait_until(lambda: call(stack.mail.url("/health"))[0] == 200, 20, "mail worker healthy again")

    wanted = {u.email for u in users[1:]}
    wait_until(lambda: wanted <= set(stack.smtp.recipients()), MAIL_BOUND_SECONDS, f"all {OUTAGE_MAILS} outage mails delivered")
    delivered_after = time.monotonic() - up
    received = stack.smtp.recipients()
    duplicates = sum(received.count(email) - 1 for email in wanted)
    queued_rows = int(stack.postgres.psql("select count(*) from mail_outbox where queued_at is null"))

    scenario = "Redis stopped (8 s, restarted empty)"
    summary.record(scenario, "reads during the outage (all 200)", len(during))
    summary.record(scenario, "max read latency, s", slowest_read)
    summary.record(scenario, "forgot-password during the outage", f"{OUTAGE_MAILS} x 202, max {max(t for _, t in outage_forgot):.2f} s")
    summary.record(scenario, "rate limit during the outage", f"degraded open: {len(degraded)} x 202 from one client (limit {RESET_LIMIT})")
    summary.record(scenario, "rate limits enforced again after Redis back, s", limits_back)
    summary.record(scenario, "outage mails received by the SMTP sink", f"{OUTAGE_MAILS} / {OUTAGE_MAILS} ({duplicates} duplicates)")
    summary.record(scenario, "last outage mail received after Redis back, s", delivered_after)
    summary.record(scenario, "outbox rows left unqueued", queued_rows)
