#!/usr/bin/env python3
"""The whole local system, used and then left alone, sends Postgres nothing (issue 14).

Neon suspends a database after 5 minutes without queries, and its compute is what costs:
so once the mail worker's active window (MAIL_ACTIVE_SECONDS) has ended, no process may
query. This starts scripts/system.sh (the Procfile's processes) on ports, a database, a
Redis prefix and a state folder of its own, uses the site through the gateway (register,
log in, post, read the feed and the post's page, forgot-password, and waits for the reset
mail to be delivered), waits past the active window, and then counts what Postgres sees
of that database over an idle stretch. Passing means every count is zero:
  - transactions: xact_commit + xact_rollback in pg_stat_database (every statement is one);
  - sessions: connections opened (pg_stat_database.sessions), so a poller that connects
    anew each time is seen as well;
  - client backends: the pid and query_start of every connection to the database
    (pg_stat_activity, live): a query on a pooled connection moves its query_start.
The probe reads them from another database (`postgres`), so it does not count itself.
Backends flush their counters at most once a second and, once idle, within 10 s: the
baseline is taken after that settling time, the end value a flush interval after the
stretch. Autovacuum's visits count as transactions too (not as sessions or client
backends): where the server runs it, a transaction count without any client activity is
reported as autovacuum's and not failed.

Knobs: IDLE_ACTIVE_SECONDS (3, the worker's MAIL_ACTIVE_SECONDS), IDLE_STRETCH_SECONDS
(20), FOLIO_TEST_POSTGRES (postgres://postgres@127.0.0.1:5432/postgres). Anything else
in the environment reaches the services (MAIL_ALWAYS_ON=true must make this fail).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from folio_system import ports

ROOT = Path(__file__).resolve().parent.parent
# The Procfile's port block at 24000: not make dev's (80xx), e2e's (180xx),
# test-dev-signals' (230xx), resilience's (280xx), container-smoke's (3808x) or bench's
# (480xx); below the ephemeral range.
PORTS = ports({"FOLIO_PORT_BASE": "24000"})
DATABASE = "folio_idle"
ADMIN_URL = os.environ.get("FOLIO_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
ACTIVE_SECONDS = int(os.environ.get("IDLE_ACTIVE_SECONDS", "3"))
STRETCH_SECONDS = int(os.environ.get("IDLE_STRETCH_SECONDS", "20"))
# An idle backend flushes its pending counters within PGSTAT_IDLE_INTERVAL (10 s).
STATS_FLUSH_SECONDS = 11
GATEWAY = f"http://127.0.0.1:{PORTS['GATEWAY_PORT']}"


def fail(message: str) -> None:
    raise SystemExit(f"test-idle: FAIL: {message}")


def psql(sql: str) -> list[list[str]]:
    quiet = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    out = subprocess.run(["psql", ADMIN_URL, "-AtXq", "-F", "\t", "-c", sql],
                         check=True, capture_output=True, text=True, env=quiet).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def snapshot() -> dict:
    [[transactions, sessions]] = psql(
        "select xact_commit + xact_rollback, sessions from pg_stat_database "
        f"where datname = '{DATABASE}'")
    backends = psql("select pid, query_start from pg_stat_activity "
                    f"where datname = '{DATABASE}' and backend_type = 'client backend'")
    return {"transactions": int(transactions), "sessions": int(sessions),
            "backends": {pid: started for pid, started in backends}}


def call(method: str, path: str, body=None, token: str | None = None, form: bool = False):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = (urllib.parse.urlencode(body) if form else json.dumps(body)).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded" if form else "application/json"
    request = urllib.request.Request(GATEWAY + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def expect(status: int, method: str, path: str, **kwargs) -> bytes:
    got, body = call(method, path, **kwargs)
    if got != status:
        fail(f"{method} {path} answered {got}, not {status}: {body[:300]!r}")
    return body


def use_the_site(maildir: Path) -> None:
    """What a visitor does, through the gateway, ending with a delivered reset mail."""
    email = f"idle-{os.getpid()}@example.com"
    expect(201, "POST", "/api/users", body={"username": f"idle{os.getpid()}", "email": email,
                                            "password": "idle-password"})
    token = json.loads(expect(200, "POST", "/api/users/token", form=True,
                              body={"username": email, "password": "idle-password"}))["access_token"]
    post = json.loads(expect(201, "POST", "/api/posts", token=token,
                             body={"title": "Quiet", "content": "Nobody reads this."}))
    if str(post["id"]).encode() not in expect(200, "GET", "/api/posts"):
        fail("the new post is not in the feed")
    expect(200, "GET", f"/posts/{post['id']}")
    expect(202, "POST", "/api/users/forgot-password", body={"email": email})
    for _ in range(300):
        if any(email in mail.read_text(errors="replace") for mail in maildir.glob("*.eml")):
            return
        time.sleep(0.1)
    fail(f"no reset mail to {email} reached {maildir} within 30 s")


def start_system(env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        # A session of its own: stopping it is one signal to its group (system.sh then
        # stops the parts it started, each in a session of its own).
        system = subprocess.Popen(["scripts/system.sh"], cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    # The first build of the services may take minutes; system.sh bounds the rest.
    while "Folio is running at" not in log.read_text():
        if system.poll() is not None:
            fail(f"scripts/system.sh exited {system.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    return system


def stop_system(system: subprocess.Popen) -> None:
    if system.poll() is None:
        os.killpg(system.pid, signal.SIGTERM)
        try:
            system.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(system.pid, signal.SIGKILL)
            system.wait()


def measure() -> tuple[dict, dict, int]:
    # Counts of the last queries of the active window reach pg_stat_database by now.
    time.sleep(ACTIVE_SECONDS + 2 + STATS_FLUSH_SECONDS)
    before = snapshot()
    time.sleep(STRETCH_SECONDS + STATS_FLUSH_SECONDS)
    after = snapshot()
    return before, after, STRETCH_SECONDS + STATS_FLUSH_SECONDS


def judge(before: dict, after: dict, seconds: int, system: subprocess.Popen) -> None:
    transactions = after["transactions"] - before["transactions"]
    sessions = after["sessions"] - before["sessions"]
    queried = sorted(pid for pid, started in after["backends"].items()
                     if before["backends"].get(pid) != started)
    print(f"test-idle: over {seconds} s of idle, Postgres saw {transactions} transactions, "
          f"{sessions} new sessions, and a query on {len(queried)} of the "
          f"{len(after['backends'])} connections held open")
    if system.poll() is not None:
        fail("the system stopped during the idle stretch (a quiet system must still be up)")
    for port in PORTS.values():  # /livez touches nothing, so it can be asked now
        if port != PORTS["SMTP_PORT"] and call_livez(port) != 200:
            fail(f"the service on port {port} no longer answers /livez")
    if sessions or queried:
        fail(f"something queries the database while nobody uses the site: {sessions} sessions, "
             f"queries on connections {queried}, {transactions} transactions")
    if transactions:
        [[autovacuum]] = psql("show autovacuum")
        if autovacuum != "on":
            fail(f"{transactions} transactions while nobody uses the site")
        print(f"test-idle: the {transactions} transactions without any client are autovacuum's")


def call_livez(port: int) -> int:
    path = "/gateway/livez" if port == PORTS["GATEWAY_PORT"] else "/livez"
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status
    except (urllib.error.URLError, OSError):
        return 0


def main() -> int:
    for port in PORTS.values():
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                fail(f"port {port} is in use (another run?); this test needs {sorted(PORTS.values())}")
    drop = f"drop database if exists {DATABASE} with (force)"
    psql(drop)
    work = Path(tempfile.mkdtemp(prefix="folio-idle-"))
    env = {**os.environ, **{k: str(v) for k, v in PORTS.items()},
           "DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}",
           "REDIS_KEY_PREFIX": "folio-idle", "FOLIO_STATE_DIR": str(work / "state"),
           "MAIL_ACTIVE_SECONDS": str(ACTIVE_SECONDS)}
    system = None
    passed = False
    try:
        print(f"test-idle: starting the system on {GATEWAY} (MAIL_ACTIVE_SECONDS={ACTIVE_SECONDS})")
        system = start_system(env, work / "system.log")
        use_the_site(work / "state" / "mail")
        print("test-idle: used the site, the reset mail was delivered; now nobody visits")
        before, after, seconds = measure()
        judge(before, after, seconds, system)
        passed = True
    finally:
        if system is not None:
            stop_system(system)
        psql(drop)
        if passed:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"test-idle: the services' logs are kept in {work}/state/logs", file=sys.stderr)
    print("test-idle: the_database_sees_no_query_once_the_mail_worker_goes_quiet passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
