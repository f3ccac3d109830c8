#!/usr/bin/env python3
"""The gateway's runtime contract, with the Caddy the image ships (scripts/caddy.sh) and the
real infra/gateway/Caddyfile, in each deployment shape of docs/operations.md ("Client
address"), emulated on loopback addresses by small proxies that append to X-Forwarded-For
as Google's front end and load balancer do:

  local / compose   client -> gateway                         (no trusted proxy)
  Cloud Run         client -> front end -> gateway            (the front end trusted)
  behind the LB     client -> LB -> front end -> gateway      (both trusted)

In each shape: the service gets exactly the client's address in X-Forwarded-For, whatever
the client wrote there or in X-Real-IP; the real auth service's login limit holds against
a client that rotates a spoofed X-Forwarded-For (429) and still tells two clients apart.
And /health at the public URL: 503 JSON from posts when its database is down, 503 JSON
from the gateway when posts cannot be reached, both with the gateway's headers.

Needs Postgres and Redis (make check-services); builds the debug binaries it runs.
Prints one closing line "N passed, N failed"; exits 1 on any failure.
"""

import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/folio-target")) / "debug"
ADMIN_DB = os.environ.get("FOLIO_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
GATEWAY, AUTH, POSTS, ECHO, FRONT, LB, CLOSED = 18190, 18191, 18192, 18193, 18194, 18195, 18199
FRONT_ADDR, LB_ADDR = "127.0.0.3", "127.0.0.4"  # where each emulated proxy connects from
LOGIN_LIMIT = 3
# Another Caddyfile may be tried (a change under review); the real one by default.
CADDYFILE = os.environ.get("GATEWAY_CADDYFILE", str(ROOT / "infra/gateway/Caddyfile"))


def free_port_closed(port: int) -> None:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"test-gateway: port {port} is in use")


def wait_for(port: int, what: str, proc: subprocess.Popen | None = None) -> None:
    for _ in range(300):
        if proc is not None and proc.poll() is not None:
            sys.exit(f"test-gateway: {what} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"test-gateway: {what} did not listen on {port}")


def request(port: int, method: str, path: str, headers=None, body: bytes | None = None, source="127.0.0.1"):
    """One request from `source` (a loopback address standing for a client or a proxy)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    result = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    conn.close()
    return result


class Echo(http.server.BaseHTTPRequestHandler):
    """Stands in for a service: answers with the forwarding headers it received."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = json.dumps({h: self.headers.get_all(h) for h in ("X-Forwarded-For", "X-Real-IP", "Forwarded")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Frame-Options", "SAMEORIGIN")  # as the services send it
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def appending_proxy(listen: int, upstream: int, source: str):
    """A proxy in front of the gateway: appends its peer's address to X-Forwarded-For, as
    Google's front end and its load balancer do, and connects onwards from `source`."""

    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("x-forwarded-for", "connection")}
            earlier = self.headers.get("X-Forwarded-For")
            peer = self.client_address[0]
            headers["X-Forwarded-For"] = f"{earlier}, {peer}" if earlier else peer
            status, out_headers, out_body = request(upstream, self.command, self.path, headers, body, source)
            self.send_response(status)
            for name, value in out_headers.items():
                if name not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(out_body)))
            self.end_headers()
            self.wfile.write(out_body)

        do_GET = do_POST = forward

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", listen), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name: str, ok: bool, seen=None) -> None:
        if ok:
            self.passed += 1
            print(f"ok    {name}")
        else:
            self.failed += 1
            print(f"FAIL  {name}: saw {seen!r}")


def gateway_headers_ok(headers: dict) -> bool:
    return (
        headers.get("x-frame-options") == "DENY"
        and headers.get("x-content-type-options") == "nosniff"
        and "frame-ancestors 'none'" in headers.get("content-security-policy", "")
        and headers.get("referrer-policy") == "strict-origin-when-cross-origin"
    )


def main() -> int:
    for port in (GATEWAY, AUTH, POSTS, ECHO, FRONT, LB):
        free_port_closed(port)
    subprocess.run(["cargo", "build", "--quiet", "--bins", "-p", "folio-migrate", "-p", "folio-auth", "-p", "folio-posts"], cwd=ROOT, check=True)
    subprocess.run([str(ROOT / "scripts/caddy.sh"), "--install-only"], check=True)

    work = Path(tempfile.mkdtemp(prefix="folio-gateway-test-"))
    db_name = f"folio_gateway_{uuid.uuid4().hex[:8]}"
    db_url = f"{ADMIN_DB.rsplit('/', 1)[0]}/{db_name}"
    subprocess.run(["psql", ADMIN_DB, "-qc", f"create database {db_name}"], check=True)
    procs: list[subprocess.Popen] = []
    base_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "RUST_LOG": "warn",
        "JWT_DEV_KEY_FILE": str(work / "jwt-dev-key.pem"),
        "MEDIA_STORE_URL": f"file://{work / 'media'}",
        "REDIS_KEY_PREFIX": f"folio-gateway-test-{uuid.uuid4().hex[:8]}",
        "TRUSTED_PROXY_HOPS": "1",
    }

    def spawn(name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = (work / f"{name}.log").open("ab")
        proc = subprocess.Popen(argv, env={**base_env, **env}, stdout=log, stderr=log)
        procs.append(proc)
        return proc

    checks = Checks()
    echo = http.server.ThreadingHTTPServer(("127.0.0.1", ECHO), Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    try:
        subprocess.run([str(TARGET / "migrate")], env={**base_env, "DATABASE_URL": db_url}, check=True, stdout=subprocess.DEVNULL)
        auth = spawn("auth", [str(TARGET / "folio-auth")], {"PORT": str(AUTH), "DATABASE_URL": db_url, "LOGIN_RATE_LIMIT_PER_MINUTE": str(LOGIN_LIMIT)})
        # posts with its database out of reach: its /health must say so through the gateway.
        posts = spawn("posts", [str(TARGET / "folio-posts")], {"PORT": str(POSTS), "DATABASE_URL": f"postgres://postgres@127.0.0.1:{CLOSED}/none"})
        wait_for(AUTH, "auth", auth)
        wait_for(POSTS, "posts", posts)

        shapes = [
            ("local", "", GATEWAY, 1),
            ("Cloud Run", f"{FRONT_ADDR}/32", FRONT, 2),
            ("behind the LB", f"{FRONT_ADDR}/32 {LB_ADDR}/32", LB, 3),
        ]
        front = appending_proxy(FRONT, GATEWAY, FRONT_ADDR)
        lb = appending_proxy(LB, FRONT, LB_ADDR)
        for shape, trusted, entry, n in shapes:
            gateway = spawn(f"gateway-{n}", [str(ROOT / "scripts/caddy.sh"), "run", "--config", CADDYFILE, "--adapter", "caddyfile"], {
                "XDG_CONFIG_HOME": str(work / "caddy"), "XDG_DATA_HOME": str(work / "caddy"),
                "GATEWAY_PORT": str(GATEWAY), "WEB_ROOT": str(work / "web"), "GATEWAY_TRUSTED_PROXIES": trusted,
                "AUTH_UPSTREAM": f"127.0.0.1:{AUTH}", "POSTS_UPSTREAM": f"127.0.0.1:{ECHO}", "MEDIA_UPSTREAM": f"127.0.0.1:{CLOSED}",
            })
            wait_for(GATEWAY, f"gateway ({shape})", gateway)
            client_a, client_b = f"127.0.{n}.5", f"127.0.{n}.6"

            spoofed = {"X-Forwarded-For": "6.6.6.6", "X-Real-IP": "7.7.7.7", "Forwarded": "for=8.8.8.8"}
            status, headers, body = request(entry, "GET", "/api/posts", spoofed, source=client_a)
            seen = json.loads(body) if status == 200 else (status, body)
            checks.check(f"{shape}: the service gets the client's address alone, nothing the client wrote",
                         seen == {"X-Forwarded-For": [client_a], "X-Real-IP": None, "Forwarded": None}, seen)
            checks.check(f"{shape}: an API answer carries the gateway's headers, not the service's", gateway_headers_ok(headers), headers)

            statuses = []
            for i in range(LOGIN_LIMIT + 1):
                form = f"username=nobody{n}%40example.com&password=wrong-password-{i}".encode()
                status, _, _ = request(entry, "POST", "/api/users/token", {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Forwarded-For": f"198.51.100.{i}", "X-Real-IP": f"198.51.100.{i}",
                }, form, source=client_a)
                statuses.append(status)
            checks.check(f"{shape}: a client rotating a spoofed X-Forwarded-For still meets the login limit",
                         statuses == [401] * LOGIN_LIMIT + [429], statuses)
            form = f"username=nobody{n}%40example.com&password=wrong".encode()
            status, _, _ = request(entry, "POST", "/api/users/token", {"Content-Type": "application/x-www-form-urlencoded"}, form, source=client_b)
            checks.check(f"{shape}: another client keeps its own limit", status == 401, status)

            gateway.terminate()
            gateway.wait(timeout=10)
        front.shutdown()
        lb.shutdown()

        gateway = spawn("gateway-health", [str(ROOT / "scripts/caddy.sh"), "run", "--config", CADDYFILE, "--adapter", "caddyfile"], {
            "XDG_CONFIG_HOME": str(work / "caddy"), "XDG_DATA_HOME": str(work / "caddy"),
            "GATEWAY_PORT": str(GATEWAY), "WEB_ROOT": str(work / "web"),
            "AUTH_UPSTREAM": f"127.0.0.1:{AUTH}", "POSTS_UPSTREAM": f"127.0.0.1:{POSTS}", "MEDIA_UPSTREAM": f"127.0.0.1:{CLOSED}",
        })
        wait_for(GATEWAY, "gateway (health)", gateway)
        status, headers, body = request(GATEWAY, "GET", "/health")
        checks.check("/health is 503 JSON from posts when its database is down",
                     (status, headers.get("content-type", "").split(";")[0], body) == (503, "application/json", b'{"detail":"Database unavailable"}'), (status, headers, body))
        checks.check("/health's 503 carries the gateway's headers", gateway_headers_ok(headers), headers)
        status, headers, body = request(GATEWAY, "GET", "/api/users/1/picture")
        checks.check("an unreachable service is 503 JSON, not a 502 page",
                     (status, headers.get("content-type"), body) == (503, "application/json", b'{"detail":"Service temporarily unavailable"}'), (status, headers, body))
        checks.check("the gateway's own 503 carries its headers", gateway_headers_ok(headers), headers)
        status, headers, body = request(GATEWAY, "GET", "/gateway/livez")
        checks.check("/gateway/livez is answered by the gateway itself", (status, body) == (200, b'{"status":"alive"}'), (status, body))
        gateway.terminate()
        gateway.wait(timeout=10)

        gateway = spawn("gateway-down", [str(ROOT / "scripts/caddy.sh"), "run", "--config", CADDYFILE, "--adapter", "caddyfile"], {
            "XDG_CONFIG_HOME": str(work / "caddy"), "XDG_DATA_HOME": str(work / "caddy"),
            "GATEWAY_PORT": str(GATEWAY), "WEB_ROOT": str(work / "web"), "POSTS_UPSTREAM": f"127.0.0.1:{CLOSED}",
        })
        wait_for(GATEWAY, "gateway (posts down)", gateway)
        status, headers, body = request(GATEWAY, "GET", "/health")
        checks.check("/health is 503 JSON when posts cannot be reached",
                     (status, headers.get("content-type"), json.loads(body) if body.startswith(b"{") else body) == (503, "application/json", {"detail": "Service temporarily unavailable"}), (status, headers, body))
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        echo.shutdown()
        subprocess.run(["psql", ADMIN_DB, "-qc", f"drop database if exists {db_name} with (force)"], check=False)
    if checks.failed:
        print(f"test-gateway: logs in {work}")
    print(f"test-gateway: {checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
