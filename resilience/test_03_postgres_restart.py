"""Postgres restarted under load: while it is down every request is a quick 503; once it is
back the pools reconnect by themselves within seconds; never a 500; no acknowledged write
is lost. Some writers go through the real gateway: there too the answer is 503 JSON, never
a 502 (a service that closed a connection after an early answer made Caddy report 502s)."""

from __future__ import annotations

import itertools
import time

from api import create_post, register
from load import BackgroundLoad, count_statuses, reader_kinds, status_of

OUTAGE_SECONDS = 6
FAIL_FAST_SECONDS = 5  # the bound on any answer while Postgres is down
RECOVERY_BOUND_SECONDS = 5  # first 200 after Postgres accepts connections again
SETTLED_AFTER_SECONDS = 5  # from then on, every request succeeds
FEED_CACHE_TTL_SECONDS = 1.0  # services/posts/src/cache.rs


def test_postgres_restart_under_load(stack, summary):
    author = register(stack, "pgrestart", client_ip="10.3.0.1")
    create_post(stack, author, "Before the restart")
    written: list[tuple[str, int]] = []
    titles = itertools.count()

    async def write(session, n):
        title = f"restart load {next(titles)}"
        headers = {"Authorization": f"Bearer {author.token}"}
        status = await status_of(session.post(stack.posts.url("/api/posts"), json={"title": title, "content": "x"}, headers=headers))
        written.append((title, status))
        return status

    async def gateway_write(session, n):
        title = f"restart load {next(titles)}"
        headers = {"Authorization": f"Bearer {author.token}"}
        status = await status_of(session.post(stack.gateway.url("/api/posts"), json={"title": title, "content": "x" * 2048}, headers=headers))
        written.append((title, status))
        return status

    kinds = {**reader_kinds(stack, author, feed=6, profile=3, me=3), "write": (write, 3), "gateway_write": (gateway_write, 4)}
    with BackgroundLoad(kinds, pause=0.01) as load:
        time.sleep(3)
        stopping = time.monotonic()
        stack.postgres.stop()
        down = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        starting = time.monotonic()
        stack.postgres.start()
        up = time.monotonic()
        time.sleep(SETTLED_AFTER_SECONDS + 5)
        outcomes = load.stop()

    before = [o for o in outcomes if o.ended < stopping]
    # Anonymous feed reads may come from the posts service's cache for up to its 1 s TTL
    # after the last database read: 200s then are the cache keeping its promise.
    outage = [
        o for o in outcomes
        if o.started >= down + (FEED_CACHE_TTL_SECONDS if o.kind == "feed" else 0) and o.ended < starting
    ]
    after = [o for o in outcomes if o.started >= up]
    settled = [o for o in after if o.started >= up + SETTLED_AFTER_SECONDS]

    statuses = {o.status for o in outcomes}
    assert not [o for o in outcomes if o.error], f"requests without an HTTP answer: {[o for o in outcomes if o.error][:5]}"
    assert statuses <= {200, 201, 503}, f"unexpected statuses (a 500 is a bug): {statuses}"
    slowest = max(o.seconds for o in outcomes)
    assert slowest <= FAIL_FAST_SECONDS, f"a request took {slowest:.2f} s"
    assert before and all(o.status in (200, 201) for o in before), "failures before the outage"
    assert len(outage) > 50, "too little load during the outage to judge it"
    assert {o.status for o in outage} == {503}, f"during the outage: {count_statuses(outage)}"
    assert settled and all(o.status in (200, 201) for o in settled), f"after recovery: {count_statuses(settled)}"

    recovery = {}
    for kind in kinds:
        first_ok = min(o.ended for o in after if o.kind == kind and o.status in (200, 201))
        recovery[kind] = first_ok - up
        assert recovery[kind] <= RECOVERY_BOUND_SECONDS, f"{kind}: first success {recovery[kind]:.2f} s after Postgres was back"

    acknowledged = [title for title, status in written if status == 201]
    titles_sql = ",".join("'" + t.replace("'", "''") + "'" for t in acknowledged)
    stored = int(stack.postgres.psql(f"select count(*) from posts where title in ({titles_sql})"))
    assert stored == len(acknowledged), f"{len(acknowledged) - stored} acknowledged posts lost"

    scenario = "Postgres restart (fast shutdown, down 6 s)"
    summary.record(scenario, "requests (before / outage / after)", f"{len(before)} / {len(outage)} / {len(after)}")
    summary.record(scenario, "answers during the outage", count_statuses(outage))
    summary.record(scenario, "max latency during the outage, s", max(o.seconds for o in outage))
    summary.record(scenario, "max latency in the whole run, s", slowest)
    summary.record(scenario, "5xx other than 503", sum(1 for o in outcomes if o.status and o.status >= 500 and o.status != 503))
    through_gateway = [o for o in outcomes if o.kind == "gateway_write"]
    summary.record(scenario, "writes through the gateway: answers", count_statuses(through_gateway))
    summary.record(scenario, f"first 200 after Postgres back, s (worst of {len(kinds)} kinds)", max(recovery.values()))
    summary.record(scenario, "posts acknowledged (201) / found in Postgres", f"{len(acknowledged)} / {stored}")

