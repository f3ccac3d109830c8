"""Each section of the report: what is loaded, how, and the numbers it gives."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from dataclasses import dataclass

from .cpu import SERVICES
from .load import DURATION, Load, wrk
from .seed import Seeded, insert_posts, login
from .system import BINARIES, PORTS, RssSampler, System, pid_on_port, rss_mib, start_to_healthy_ms, url
from .tools import QUICK, RELEASE, RESULTS, drop_database, fresh_database, psql, sh
from .upload import upload_body

MIXED_SECONDS = int(os.environ.get("BENCH_MIXED_SECONDS", "5" if QUICK else "60"))
MAIL_SECONDS = 5 if QUICK else 20
START_RUNS = 3 if QUICK else 20
SCALE_SECONDS = min(DURATION, 5)


@dataclass
class Ceilings:
    pgbench_tps: float
    xadd_rps: float


def ceilings() -> Ceilings:
    """What this machine's Postgres and Redis do on their own: pgbench's select-only script
    (one indexed read, the ceiling for GET by id) and redis-benchmark's XADD."""
    print("measuring the ceilings (pgbench, redis-benchmark)", flush=True)
    name = "folio_bench_pgbench"
    db = fresh_database(name)
    try:
        sh("pgbench", "-i", "-s", "10", "-q", db, capture_output=True)
        out = sh(
            "pgbench", "-S", "-M", "prepared", "-c", "16", "-j", "2", "-T", str(DURATION), db,
            capture_output=True,
        ).stdout
    finally:
        drop_database(name)
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    key = f"bench-xadd-{time.time_ns()}"
    out = sh(
        "redis-benchmark", "-q", "-n", "200000", "-c", "50", "-P", "1",
        "XADD", key, "*", "kind", "password_reset", "to", "someone@example.com",
        capture_output=True,
    ).stdout
    sh("redis-cli", "del", key, capture_output=True)
    xadd = float(re.search(r"([\d.]+) requests per second", out).group(1))
    return Ceilings(tps, xadd)


def deep_cursor(skip: int) -> str:
    """The cursor that starts the page after `skip` posts (as a client paging down has it)."""
    with urllib.request.urlopen(url("posts", f"/api/posts?skip={skip - 10}&limit=10")) as response:
        return json.loads(response.read())["next_cursor"]


@dataclass
class Pair:
    """One read measured straight at its service and through the gateway."""

    direct: Load
    gateway: Load
    service: str = "posts"


def reads(seeded: Seeded) -> list[Pair]:
    print("reads", flush=True)
    env = seeded.wrk_env()
    cursor = deep_cursor(90_000)
    cases = [
        ("GET /api/posts/{id}", "posts", "/", "get_post.lua"),
        ("GET /api/posts?limit=10", "posts", "/api/posts?limit=10", None),
        ("page 9,001 by cursor", "posts", f"/api/posts?skip=90000&limit=10&cursor={cursor}", None),
        ("GET /api/posts?skip=90000&limit=10", "posts", "/api/posts?skip=90000&limit=10", None),
        ("GET /api/users/{id}/posts", "posts", "/", "user_posts.lua"),
        ("GET /api/users/{id}", "auth", "/", "get_user.lua"),
    ]
    pairs = []
    for name, service, path, script in cases:
        direct = wrk(name, url(service, path), 64, script, env=env)
        through = wrk(f"{name} via gateway", url("gateway", path), 64, script, env=env, backend=(service,))
        pairs.append(Pair(direct, through, service))
    return pairs


def writes(seeded: Seeded) -> list[Load]:
    """Each write through the gateway, at a concurrency that fits what it costs."""
    print("writes", flush=True)
    env = {**seeded.wrk_env(), "RUN": str(time.time_ns()), "BODY_FILE": str(upload_body()),
           "USER_ID": str(seeded.user_id)}
    gateway = url("gateway")
    loads = [
        wrk("POST /api/posts (create)", gateway, 64, "create_post.lua", env=env, backend=("posts",)),
        wrk("POST /api/users/token (login)", gateway + "/api/users/token", 16, "login.lua", env=env,
            backend=("auth",)),
        wrk("POST /api/users (register)", gateway, 16, "register.lua", env=env, backend=("auth",)),
        wrk("PATCH /api/users/{id}/picture (3 MB JPEG)", gateway, 4, "upload.lua", env=env, backend=("media",)),
    ]
    return loads


@dataclass
class Mail:
    forgot: Load
    delivered: int
    seconds: float


def forgot_password_and_mail(seeded: Seeded, system: System) -> Mail:
    """forgot-password under load (each queues a mail), then how fast the one mail worker
    delivers the backlog to the SMTP sink (counted for MAIL_SECONDS, then the rest is left)."""
    before = len(list(system.maildir.glob("*.eml")))
    forgot = wrk("POST /api/users/forgot-password", url("gateway"), 16, "forgot_password.lua", env=seeded.wrk_env(),
                 backend=("auth",))
    started = time.perf_counter()
    time.sleep(MAIL_SECONDS)
    delivered = len(list(system.maildir.glob("*.eml"))) - before
    return Mail(forgot, delivered, time.perf_counter() - started)


@dataclass
class Mixed:
    load: Load
    peak_rss_mib: dict[str, float]


def peak_rss() -> dict[str, float]:
    """Each service's peak RSS since it started (the kernel's high-water mark)."""
    return {name: rss_mib(pid_on_port(PORTS[name]), "VmHWM") for name in SERVICES}


def mixed(seeded: Seeded, db: str) -> Mixed:
    print(f"mixed load, {MIXED_SECONDS} s", flush=True)
    own = psql(f"select string_agg(id::text, ',') from (select id from posts where user_id = {seeded.user_id} limit 100) p", db)
    env = {**seeded.wrk_env(), "OWN_POSTS": own}
    pids = {name: pid_on_port(PORTS[name]) for name in SERVICES}
    with RssSampler(pids) as sampler:
        load = wrk("90% reads / 10% writes via gateway", url("gateway"), 64, "mixed.lua", MIXED_SECONDS, env,
                   backend=("auth", "posts"))
    return Mixed(load, sampler.peak)


def idle_rss() -> dict[str, float]:
    return {name: rss_mib(pid_on_port(PORTS[name])) for name in SERVICES}


def start_env(db: str) -> dict[str, str]:
    """What a binary started on its own needs besides PORT (the running system's key)."""
    return {
        "DATABASE_URL": db,
        "REDIS_KEY_PREFIX": "bench-starts",
        "JWT_DEV_KEY_FILE": str(RESULTS / "state/jwt-dev-key.pem"),
        "MEDIA_STORE_URL": "memory://",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(PORTS["smtp"]),
        "MAIL_USE_TLS": "false",
    }


def start_times(db: str, runs: int = START_RUNS) -> dict[str, list[float]]:
    """Each binary started `runs` times as a container would start it; ms to first healthy."""
    print(f"start-up times ({runs} starts per binary)", flush=True)
    env = start_env(db)
    return {
        name: [start_to_healthy_ms(BINARIES[name], env) for _ in range(runs)]
        for name in SERVICES
    }


def binary_sizes() -> dict[str, float]:
    return {name: (RELEASE / BINARIES[name]).stat().st_size / 1024 / 1024 for name in SERVICES} | {
        "migrate": (RELEASE / "migrate").stat().st_size / 1024 / 1024
    }


@dataclass
class ScalePoint:
    posts: int
    first_page: Load
    deep_skip: Load
    deep_cursor: Load


SCALE_SIZES = (1_000, 10_000) if QUICK else (1_000, 10_000, 100_000, 1_000_000)


def scaling(db: str, seeded: Seeded) -> list[ScalePoint]:
    """The feed as the table grows: first page, a page 90% of the way down by `skip`, and the
    same page by cursor (straight at the posts service, 64 connections, 5 s each). Each
    request carries the bench user's token, so it reads through the read cache to Postgres:
    the cost of the query at each size, not of the cache."""
    print("scaling", flush=True)
    # A fresh token: the run's first may be near its expiry by now.
    token = [f"Authorization: Bearer {login(url('gateway'))}"]

    def run(name: str, path: str) -> Load:
        return wrk(name, url("posts", path), 64, duration=SCALE_SECONDS, headers=token)

    points = []
    for size in SCALE_SIZES:
        psql("truncate posts", db)
        insert_posts(db, size, seeded.first_user)
        # The inserted rows' writes reach disk now, not during the measurements.
        psql("checkpoint", db)
        deep = size * 9 // 10
        cursor = deep_cursor(deep)
        print(f" {size:,} posts", flush=True)
        points.append(ScalePoint(
            posts=size,
            first_page=run(f"first page, {size:,} posts", "/api/posts?limit=10"),
            deep_cursor=run(f"cursor at {deep}", f"/api/posts?skip={deep}&limit=10&cursor={cursor}"),
            deep_skip=run(f"skip={deep}", f"/api/posts?skip={deep}&limit=10"),
        ))
    return points
