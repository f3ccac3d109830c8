#!/usr/bin/env bash
# Postgres and Redis must answer on 127.0.0.1 before tests or dev start. When one is down
# and its server is installed on this machine, start it; otherwise say so plainly.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "Postgres is down; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
  fi
fi
if ! pg_up; then
  echo "ERROR: PostgreSQL is not answering on 127.0.0.1:5432 (trust auth, user postgres)." >&2
  echo "       Start it (pg_ctlcluster ... start) or install it (apt-get install postgresql)." >&2
  exit 1
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "Redis is down; starting it"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
  fi
fi
if ! redis_up; then
  echo "ERROR: Redis is not answering on 127.0.0.1:6379." >&2
  echo "       Start it (redis-server --daemonize yes) or install it (apt-get install redis-server)." >&2
  exit 1
fi
echo "Postgres and Redis are up"
