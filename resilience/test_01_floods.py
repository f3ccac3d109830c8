"""Slow clients and floods: idle connections, slowloris headers, 100 MB bodies to every
endpoint, deeply nested JSON and bytes that are not UTF-8. Each must leave memory bounded,
answer no 5xx, and leave other clients served while it lasts."""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack

import pytest

from api import User, call, create_post, register
from endpoints import every_endpoint
from load import BackgroundLoad, count_statuses, status_of
from rawhttp import raw_request, send_big_body
from stack import Stack

IDLE_CONNECTIONS = 1000
SLOWLORIS_CONNECTIONS = 200
SLOWLORIS_SECONDS = 10
BIG_BODY = 100 * 1024 * 1024
# Beyond each service's own body limit (media: 5 MiB + framing), what may sit in socket
# buffers and the 64 KiB pieces in flight when the answer arrives.
BUFFER_SLACK = 8 * 1024 * 1024
RSS_GROWTH_BOUND_MIB = 64  # peak RSS over the idle RSS before the floods, per service
SERVED_BOUND_SECONDS = 2  # other clients' requests during a flood


@pytest.fixture(scope="module")
def victim(stack) -> tuple[User, int]:
    user = register(stack, "flooder", client_ip="10.1.0.1")
    return user, create_post(stack, user, "Flood target")


@pytest.fixture(scope="module")
def baseline_rss(stack, victim) -> dict[str, int]:
    # After the victim registered: its Argon2 hashes are not what the floods measure.
    return {name: s.rss_kib() for name, s in stack.services.items()}


def served_meanwhile(stack: Stack, flood) -> list:
    """Runs `flood()` while other clients read from every service; returns their outcomes."""

    async def health(session, n):
        services = list(stack.services.values())
        service = services[n % len(services)]
        return await status_of(session.get(service.url("/health")))

    async def feed(session, n):
        return await status_of(session.get(stack.posts.url("/api/posts?limit=5")))

    with BackgroundLoad({"health": (health, 4), "feed": (feed, 2)}, pause=0.05) as load:
        flood()
        time.sleep(0.5)
        return load.stop()


def assert_served(outcomes, what: str) -> None:
    assert len(outcomes) >= 10, f"too few probe requests during {what}"
    assert all(o.status == 200 for o in outcomes), f"other clients during {what}: {count_statuses(outcomes)}"
    slowest = max(o.seconds for o in outcomes)
    assert slowest <= SERVED_BOUND_SECONDS, f"an ordinary request took {slowest:.2f} s during {what}"


def test_a_thousand_idle_connections_leave_others_served(stack, baseline_rss, summary):
    with ExitStack() as held:
        def flood():
            for i in range(IDLE_CONNECTIONS):
                sock = held.enter_context(socket.create_connection(("127.0.0.1", stack.posts.port), timeout=5))
                if i == 0:
                    opened_at.append(time.monotonic())
            time.sleep(3)

        opened_at: list[float] = []
        outcomes = served_meanwhile(stack, flood)
        rss_held = stack.posts.rss_kib()
    assert_served(outcomes, "1,000 idle connections")
    summary.record("1,000 idle connections (posts)", "other clients served", f"{len(outcomes)} x 200, max {max(o.seconds for o in outcomes):.2f} s")
    summary.record("1,000 idle connections (posts)", "RSS idle -> with 1,000 open, MiB", f"{baseline_rss['folio-posts'] / 1024:.1f} -> {rss_held / 1024:.1f}")
    assert rss_held - baseline_rss["folio-posts"] < RSS_GROWTH_BOUND_MIB * 1024


def test_slowloris_headers_leave_others_served(stack, baseline_rss, summary):
    socks: list[socket.socket] = []
    cut: list[int] = []

    def flood():
        for _ in range(SLOWLORIS_CONNECTIONS):
            sock = socket.create_connection(("127.0.0.1", stack.auth.port), timeout=5)
            sock.sendall(b"GET /api/users/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            socks.append(sock)
        for second in range(SLOWLORIS_SECONDS):
            for sock in socks:
                try:
                    sock.sendall(f"X-Slow-{second}: {second}\r\n".encode())
                except OSError:
                    pass
            time.sleep(1)

    outcomes = served_meanwhile(stack, flood)
    rss = stack.auth.rss_kib()
    for sock in socks:
        try:
            sock.sendall(b"X-Last: 1\r\n")
            sock.setblocking(False)
            if sock.recv(1) == b"":
                cut.append(1)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            cut.append(1)
        sock.close()
    assert_served(outcomes, "slowloris")
    scenario = f"slowloris ({SLOWLORIS_CONNECTIONS} conns, a header line/s for {SLOWLORIS_SECONDS} s, auth)"
    summary.record(scenario, "other clients served", f"{len(outcomes)} x 200, max {max(o.seconds for o in outcomes):.2f} s")
    summary.record(scenario, "slow connections closed by the server by then", len(cut))
    summary.record(scenario, "RSS idle -> after, MiB", f"{baseline_rss['folio-auth'] / 1024:.1f} -> {rss / 1024:.1f}")
    assert rss - baseline_rss["folio-auth"] < RSS_GROWTH_BOUND_MIB * 1024


# Before answering early, a service reads and throws away what the handler left of a body,
# up to 32 MiB (shared/src/http/drain.rs), so that a proxy still sending it gets the answer
# instead of a reset; past that it answers with Connection: close. Nothing is buffered.
DRAIN_MAX_BYTES = 32 * 1024 * 1024


def body_limit(endpoint) -> int:
    return {"folio-posts": 2 * 1024 * 1024, "folio-media": 5 * 1024 * 1024 + 64 * 1024}.get(endpoint.service.name, 64 * 1024)


def test_a_100_mb_body_to_every_endpoint_is_refused_early(stack, victim, baseline_rss, summary):
    user, post_id = victim
    endpoints = every_endpoint(stack, user, post_id)
    results = []
    uploads: list[int | None] = []

    def flood():
        for endpoint in endpoints:
            for chunked in (False, True):
                headers = {"Authorization": f"Bearer {user.token}", "Content-Type": "application/json"}
                results.append((endpoint, chunked, send_big_body(endpoint.service.port, endpoint.method, endpoint.path, headers, BIG_BODY, chunked)))
        # And the one endpoint that streams its body: a well-formed upload of a 100 MB file.
        picture = f"/api/users/{user.id}/picture"
        upload = next(e for e in endpoints if e.method == "PATCH" and e.path == picture)
        headers = {"Authorization": f"Bearer {user.token}", "Content-Type": "multipart/form-data; boundary=folio"}
        part = b'--folio\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff'
        for chunked in (False, True):
            result = send_big_body(stack.media.port, "PATCH", picture, headers, BIG_BODY, chunked, prefix=part)
            results.append((upload, chunked, result))
            uploads.append(result.status)

    outcomes = served_meanwhile(stack, flood)
    assert_served(outcomes, "100 MB bodies")
    failures = [
        f"{e} ({'chunked' if c else 'Content-Length'}): {r}"
        for e, c, r in results
        if r.status is None or r.status >= 500 or r.sent_before_answer > body_limit(e) + DRAIN_MAX_BYTES + BUFFER_SLACK
    ]
    assert not failures, "\n".join(failures)
    assert uploads == [413, 413], f"100 MB multipart uploads: {uploads}"
    statuses = {}
    for _, _, r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    peak = {name: s.rss_kib("VmHWM") for name, s in stack.services.items()}
    scenario = f"100 MB body x {len(endpoints)} endpoints x 2 framings"
    summary.record(scenario, "answers", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    summary.record(scenario, "most sent before the answer, MiB", max(r.sent_before_answer for _, _, r in results) / 2**20)
    summary.record(scenario, "other clients served", f"{len(outcomes)} x 200")
    for name in stack.services:
        summary.record(scenario, f"{name} RSS idle -> peak, MiB", f"{baseline_rss[name] / 1024:.1f} -> {peak[name] / 1024:.1f}")
        assert peak[name] - baseline_rss[name] < RSS_GROWTH_BOUND_MIB * 1024, f"{name} peak RSS grew by {(peak[name] - baseline_rss[name]) / 1024:.0f} MiB"


def form_body(body: bytes) -> bytes:
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def test_deeply_nested_json_and_invalid_utf8_are_client_errors(stack, victim, summary):
    user, post_id = victim
    json_endpoints = [e for e in every_endpoint(stack, user, post_id) if e.json_body]
    assert json_endpoints, "no JSON endpoints found in the specs"
    cases = []
    for endpoint in json_endpoints:
        # As deep as the body limit allows: the parser must refuse, not recurse.
        objects, arrays = (body_limit(endpoint) - 16) // 6, (body_limit(endpoint) - 16) // 2
        for name, body in [
            (f"{objects:,} levels of objects", nested(objects)),
            (f"{arrays:,} levels of arrays", b"[" * arrays + b"]" * arrays),
            ("invalid UTF-8 in a string", b'{"title": "\xff\xfe", "content": "\xc3\x28", "email": "\xff@example.com", "username": "\xff"}'),
        ]:
            head = (
                f"{endpoint.method} {endpoint.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                f"Authorization: Bearer {user.token}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            cases.append((f"{endpoint}: {name}", endpoint.service.port, head.encode() + body))
    for service in stack.services.values():
        for name, request in [
            ("percent-encoded invalid UTF-8 in the path", b"GET /api/users/%FF%FE HTTP/1.1\r\n"),
            ("raw invalid UTF-8 in the path", b"GET /api/posts/\xff\xfe HTTP/1.1\r\n"),
            ("invalid UTF-8 in the query", b"GET /api/posts?skip=%FF&limit=%C3%28 HTTP/1.1\r\n"),
            ("invalid UTF-8 in a bearer token", b"GET /api/users/me HTTP/1.1\r\nAuthorization: Bearer \xff\xfe\xfd\r\n"),
            ("invalid UTF-8 in a login form", b"POST /api/users/token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n" + form_body(b"username=%FF%FE&password=\xff\xfe")),
        ]:
            request = request.replace(b" HTTP/1.1\r\n", b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", 1)
            if b"Content-Length" not in request:
                request += b"\r\n"
            cases.append((f"{service.name}: {name}", service.port, request))

    answers = {}

    def flood():
        for name, port, request in cases:
            answers[name] = raw_request(port, request)

    outcomes = served_meanwhile(stack, flood)
    assert_served(outcomes, "hostile JSON and bytes")
    bad = {name: status for name, status in answers.items() if status is None or status >= 500}
    assert not bad, f"no answer or a 5xx: {bad}"
    assert all(service.alive() for service in stack.services.values())
    tally = {}
    for status in answers.values():
        tally[status] = tally.get(status, 0) + 1
    summary.record("nested JSON and invalid UTF-8", "requests / answers", f"{len(cases)}: " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.items())))
