#!/usr/bin/env python3
"""Folio benchmarks (`make bench`): builds release binaries, starts each service against a
fresh database, seeds it, loads it with wrk and writes bench/results/report.md.

Everything runs on this machine over loopback; each load run is bounded in time.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/folio-target"))
RELEASE = TARGET / "release"
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "folio_bench"
DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
USERS = 1000
POSTS = 10_000
PGBENCH_DB = "folio_pgbench"
PASSWORD = "bench password"


@dataclass
class Load:
    """One wrk run."""

    name: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def sh(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, text=True, **kwargs)


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("installing wrk (Debian package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, stdout=subprocess.DEVNULL).returncode:
        sh("apt-get", "update", "-qq", env=env)
        sh("apt-get", "install", "-y", "-qq", "wrk", env=env, stdout=subprocess.DEVNULL)


def build() -> None:
    print("building release binaries")
    sh(
        "cargo", "build", "--release", "--quiet", "-p", "folio-auth", "-p", "folio-posts",
        "-p", "folio-media", "-p", "folio-mail", "-p", "folio-shared", "--bin", "folio-auth",
        "--bin", "folio-posts", "--bin", "folio-media", "--bin", "folio-mail", "--bin", "migrate",
        cwd=ROOT, env={**os.environ, "CARGO_TARGET_DIR": str(TARGET)},
    )


def psql(sql: str, url: str = DB_URL) -> str:
    return sh("psql", url, "-Atqc", sql, capture_output=True).stdout.strip()


def fresh_database() -> None:
    psql(f"drop database if exists {BENCH_DB} with (force)", ADMIN_URL)
    psql(f"create database {BENCH_DB}", ADMIN_URL)
    sh(str(RELEASE / "migrate"), env={**os.environ, "DATABASE_URL": DB_URL}, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(port: int, path: str) -> int | None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
            head = s.recv(16).decode(errors="replace")
            return int(head.split()[1])
    except (OSError, ValueError, IndexError):
        return None


class Service:
    """A service process started from its release binary."""

    def __init__(self, binary: str, env: dict[str, str]):
        self.port = free_port()
        self.binary = RELEASE / binary
        self.env = {**os.environ, "RUST_LOG": "warn", **env, "PORT": str(self.port)}
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        """Starts the process; returns milliseconds until /health first answered 200."""
        started = time.perf_counter()
        self.proc = subprocess.Popen([str(self.binary)], env=self.env, stdout=subprocess.DEVNULL)
        deadline = started + 20
        while time.perf_counter() < deadline:
            if http_status(self.port, "/health") == 200:
                return (time.perf_counter() - started) * 1000
            time.sleep(0.002)
        raise RuntimeError(f"{self.binary.name} did not become healthy")

    def rss_kib(self, field: str = "VmRSS") -> int:
        assert self.proc
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1))

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def wrk(name: str, url: str, connections: int, script: str | None = None, duration: int = DURATION, env: dict | None = None) -> Load:
    args = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{duration}s", "--latency", "--timeout", "10s"]
    if script:
        args += ["-s", str(BENCH / "wrk" / script)]
    out = sh(*args, url, capture_output=True, env={**os.environ, **(env or {})}).stdout
    return parse_wrk(name, connections, out)


def to_ms(value: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m|h)$", value)
    if not match:
        raise ValueError(f"unreadable wrk latency {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}[unit]


def parse_wrk(name: str, connections: int, out: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # The distribution lines only: a Stdev column like "68.50%" must not match "50%".
    p50 = to_ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return Load(name, connections, rps, p50, p99, errors, requests)


def seed_users(auth: Service) -> None:
    """One user through the API (a real hash), then 999 more sharing it, by SQL."""
    import json
    import urllib.request

    body = json.dumps({"username": "bench", "email": "bench@example.com", "password": PASSWORD}).encode()
    request = urllib.request.Request(auth.url("/api/users"), body, {"Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
    psql(
        "insert into users (username, email, password_hash) "
        f"select 'user' || g, 'user' || g || '@example.com', (select password_hash from users limit 1) "
        f"from generate_series(2, {USERS}) g"
    )


def auth_env() -> dict[str, str]:
    return {
        "DATABASE_URL": DB_URL,
        "REDIS_KEY_PREFIX": f"bench-{os.getpid()}",
        # Measure the service, not the limiter: limits far above what wrk can send.
        "LOGIN_RATE_LIMIT_PER_MINUTE": "100000000",
        "JWT_DEV_KEY_FILE": str(ROOT / ".dev/jwt-dev-key.pem"),
        "MEDIA_STORE_URL": "memory://",
    }


def start_times(binary: str, env: dict[str, str], runs: int = 20) -> list[float]:
    times = []
    for _ in range(runs):
        service = Service(binary, env)
        times.append(service.start())
        service.stop()
    return times


def load_table(loads: list[Load], ceiling_tps: float | None = None) -> list[str]:
    """A markdown table of wrk runs, with each RPS as a share of the ceiling if given."""
    ratio_head, ratio_rule = (" RPS / pgbench TPS |", "---:|") if ceiling_tps else ("", "")
    rows = []
    for l in loads:
        ratio = f" {l.rps / ceiling_tps:.0%} |" if ceiling_tps else ""
        rows.append(f"| {l.name} | {l.connections} | {l.rps:,.0f} | {l.p50_ms:.2f} | {l.p99_ms:.2f} | {l.errors} |{ratio}")
    return [
        "| load | connections | RPS | p50 ms | p99 ms | errors |" + ratio_head,
        "|---|---:|---:|---:|---:|---:|" + ratio_rule,
        *rows,
    ]


def process_lines(binary: str, starts: list[float], idle_rss: int, peak_rss: int) -> list[str]:
    """Start-up, memory and size of one service."""
    size_mib = (RELEASE / binary).stat().st_size / 1024 / 1024
    return [
        f"- start to first healthy `/health`: median {statistics.median(starts):.0f} ms "
        f"(min {min(starts):.0f}, max {max(starts):.0f}, {len(starts)} starts)",
        f"- idle RSS after start: {idle_rss / 1024:.1f} MiB; peak RSS during the runs: {peak_rss / 1024:.1f} MiB",
        f"- release binary: {size_mib:.1f} MiB",
    ]


def bench_auth(report: list[str]) -> None:
    env = auth_env()
    starts = start_times("folio-auth", env)
    auth = Service("folio-auth", env)
    loads, idle_rss, peak_rss = measure(auth, lambda: load_auth(auth))
    report += ["## auth", "", *load_table(loads), "", *process_lines("folio-auth", starts, idle_rss, peak_rss), ""]


def measure(service: Service, run_loads) -> tuple[list[Load], int, int]:
    """Starts `service`, notes its idle RSS, runs the loads, notes the peak, stops it."""
    try:
        service.start()
        time.sleep(1)
        idle_rss = service.rss_kib()
        loads = run_loads()
        return loads, idle_rss, service.rss_kib("VmHWM")
    finally:
        service.stop()


def load_auth(auth: Service) -> list[Load]:
    seed_users(auth)
    loads = [
        wrk("GET /api/users/{id}", auth.url(), 64, "get_user.lua", env={"USERS": str(USERS)}),
        wrk("POST /api/users/token (login)", auth.url("/api/users/token"), 16, "login.lua"),
    ]
    # /health latency while login saturates the hashing pool.
    flood = subprocess.Popen(
        ["wrk", "-t", "1", "-c", "64", "-d", f"{DURATION + 2}s", "-s", str(BENCH / "wrk/login.lua"), auth.url("/api/users/token")],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(1)
    loads.append(wrk("GET /health during a login flood (64 conns)", auth.url("/health"), 4))
    flood.wait()
    return loads


def pgbench_select_tps() -> float:
    """The machine's ceiling for one indexed read: pgbench's select-only script."""
    psql(f"drop database if exists {PGBENCH_DB} with (force)", ADMIN_URL)
    psql(f"create database {PGBENCH_DB}", ADMIN_URL)
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + PGBENCH_DB
    sh("pgbench", "-i", "-s", "10", "-q", url, capture_output=True)
    out = sh("pgbench", "-S", "-M", "prepared", "-c", "16", "-j", "2", "-T", str(DURATION), url, capture_output=True).stdout
    psql(f"drop database if exists {PGBENCH_DB} with (force)", ADMIN_URL)
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def seed_posts() -> None:
    psql(
        "insert into posts (title, content, user_id, date_posted) "
        "select 'Post number ' || g, repeat('Some words of a blog post. ', 20), "
        f"(select min(id) from users) + g % {USERS}, now() - g * interval '1 minute' "
        f"from generate_series(1, {POSTS}) g; analyze posts; analyze users"
    )


def bench_posts(report: list[str], ceiling_tps: float) -> None:
    env = {"DATABASE_URL": DB_URL, "JWT_DEV_KEY_FILE": str(ROOT / ".dev/jwt-dev-key.pem")}
    starts = start_times("folio-posts", env)
    seed_posts()
    first_post = int(psql("select min(id) from posts"))
    first_user = int(psql("select min(id) from users"))
    posts = Service("folio-posts", env)
    ranges = {"FIRST_POST": str(first_post), "POSTS": str(POSTS), "FIRST_USER": str(first_user), "USERS": str(USERS)}
    loads, idle_rss, peak_rss = measure(posts, lambda: [
        wrk("GET /api/posts/{id}", posts.url(), 64, "get_post.lua", env=ranges),
        wrk("GET /api/posts?limit=10", posts.url("/api/posts?limit=10"), 64),
        wrk("GET /api/users/{id}/posts", posts.url(), 64, "user_posts.lua", env=ranges),
    ])
    report += [
        f"## posts ({POSTS:,} posts, {USERS:,} users)",
        "",
        f"Ceiling: `pgbench -S -M prepared -c 16 -j 2` against the same Postgres: **{ceiling_tps:,.0f} TPS**.",
        "",
        *load_table(loads, ceiling_tps),
        "",
        *process_lines("folio-posts", starts, idle_rss, peak_rss),
        "",
    ]


def photo_upload_body() -> Path:
    """A multipart body holding a 4000x3000 JPEG of about 3 MB (made with Pillow)."""
    try:
        from PIL import Image, ImageFilter
    except ImportError:
        sh(sys.executable, "-m", "pip", "install", "--quiet", "pillow")
        from PIL import Image, ImageFilter
    import io

    width, height = 4000, 3000
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 30)
    photo = Image.merge("RGB", (gradient, noise.filter(ImageFilter.GaussianBlur(1)), noise))
    jpeg = io.BytesIO()
    photo.save(jpeg, "JPEG", quality=88)
    body = (
        b"--folio-bench-boundary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + jpeg.getvalue() + b"\r\n--folio-bench-boundary--\r\n"
    )
    path = RESULTS / "upload-body.bin"
    RESULTS.mkdir(exist_ok=True)
    path.write_bytes(body)
    return path


def bench_token() -> tuple[int, str]:
    """The seeded bench user's id and a token, from a short-lived auth process."""
    import json
    import urllib.request

    auth = Service("folio-auth", auth_env())
    try:
        auth.start()
        form = b"username=bench%40example.com&password=bench+password"
        request = urllib.request.Request(auth.url("/api/users/token"), form, {"Content-Type": "application/x-www-form-urlencoded"})
        token = json.loads(urllib.request.urlopen(request).read())["access_token"]
    finally:
        auth.stop()
    return int(psql("select id from users where email = 'bench@example.com'")), token


def bench_media(report: list[str]) -> None:
    body = photo_upload_body()
    user_id, token = bench_token()
    store = RESULTS / "media-store"
    shutil.rmtree(store, ignore_errors=True)
    env = {
        "DATABASE_URL": DB_URL,
        "JWT_DEV_KEY_FILE": str(ROOT / ".dev/jwt-dev-key.pem"),
        "MEDIA_STORE_URL": f"file://{store}",
    }
    starts = start_times("folio-media", env)
    media = Service("folio-media", env)
    upload_env = {"BODY_FILE": str(body), "USER_ID": str(user_id), "TOKEN": token}
    loads, idle_rss, peak_rss = measure(media, lambda: [
        wrk(f"PATCH picture, {c} client{'s' if c > 1 else ''}", media.url(), c, "upload.lua", env=upload_env)
        for c in (1, 4, 8)
    ])
    report += [
        f"## media (4000x3000 JPEG upload, {body.stat().st_size / 1e6:.1f} MB body)",
        "",
        *load_table(loads),
        "",
        f"- time per upload (1 client, p50): {loads[0].p50_ms:.0f} ms; uploads per second at 4 clients: {loads[1].rps:.1f}",
        f"- peak RSS with up to 8 concurrent uploads (decoding bounded by one per CPU): {peak_rss / 1024:.1f} MiB",
        *process_lines("folio-media", starts, idle_rss, peak_rss),
        "",
    ]


MAIL_JOBS = 10_000


def resp(*args: str) -> bytes:
    """One command in the Redis protocol, for `redis-cli --pipe`."""
    out = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        out.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
    return b"".join(out)


def enqueue_mail_jobs(prefix: str, count: int) -> None:
    import uuid
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).isoformat()
    commands = b"".join(
        resp(
            "XADD", f"{prefix}:mail", "MAXLEN", "~", "100000", "*",
            "id", str(uuid.uuid4()), "kind", "password_changed", "to", f"user{i}@example.com",
            "username", f"user{i}", "link", "", "traceparent", "", "enqueued_at", now,
        )
        for i in range(count)
    )
    sh("redis-cli", "--pipe", input=commands.decode(), capture_output=True)


def bench_mail(report: list[str]) -> None:
    maildir = RESULTS / "mail-sink"
    sink_port = free_port()
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/smtp_sink.py"), "--port", str(sink_port), "--maildir", str(maildir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    rows = []
    idle_rss = 0
    try:
        assert sink.stdout.readline().strip() == "ready"
        for workers in (1, 2):
            shutil.rmtree(maildir, ignore_errors=True)
            maildir.mkdir(parents=True)
            env = {
                "DATABASE_URL": DB_URL,
                "REDIS_KEY_PREFIX": f"bench-mail-{workers}-{os.getpid()}",
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(sink_port),
                "MAIL_USE_TLS": "false",
            }
            processes = [Service("folio-mail", env) for _ in range(workers)]
            try:
                for process in processes:
                    process.start()
                time.sleep(1)
                idle_rss = idle_rss or processes[0].rss_kib()
                started = time.perf_counter()
                enqueue_mail_jobs(env["REDIS_KEY_PREFIX"], MAIL_JOBS)
                deadline = started + 600
                while len(list(maildir.glob("*.eml"))) < MAIL_JOBS and time.perf_counter() < deadline:
                    time.sleep(0.1)
                elapsed = time.perf_counter() - started
                sent = len(list(maildir.glob("*.eml")))
                peak = max(p.rss_kib("VmHWM") for p in processes)
            finally:
                for process in processes:
                    process.stop()
            rows.append(f"| {workers} | {sent:,} | {elapsed:.1f} | {sent / elapsed:,.0f} | {peak / 1024:.1f} |")
    finally:
        sink.terminate()
        sink.wait()
    size_mib = (RELEASE / "folio-mail").stat().st_size / 1024 / 1024
    report += [
        f"## mail ({MAIL_JOBS:,} queued jobs drained into a local SMTP sink, aiosmtpd)",
        "",
        "| workers | mails sent | seconds | jobs per second | peak RSS MiB (per worker) |",
        "|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"- idle RSS of a worker: {idle_rss / 1024:.1f} MiB; release binary: {size_mib:.1f} MiB",
        "",
    ]


def main() -> int:
    ensure_wrk()
    build()
    fresh_database()
    report = [
        "# Folio benchmark report",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}. "
        f"Load generator: wrk, 2 threads, {DURATION} s per run, loopback. Release builds.",
        "",
    ]
    bench_auth(report)
    bench_posts(report, pgbench_select_tps())
    bench_media(report)
    bench_mail(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "report.md"
    out.write_text("\n".join(report))
    print("\n".join(report))
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
