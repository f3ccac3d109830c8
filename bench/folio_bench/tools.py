"""Commands, packages and databases the benchmark uses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The system's process list (the root Procfile) is read by scripts/folio_system.py.
sys.path.append(str(ROOT / "scripts"))
import folio_system  # noqa: E402  (scripts/ is no package)

BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
# BENCH_QUICK=1: every load a couple of seconds, fewer sizes and starts, to check the
# bench itself; its report goes to bench/results/ (untracked), never over bench/report.md.
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0", "false")
# Where report.md, report.png and cost.json are written.
OUT = Path(os.environ.get("BENCH_OUT", RESULTS / "quick" if QUICK else BENCH))
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/folio-target"))
RELEASE = TARGET / "release"
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SERVER_URL = ADMIN_URL.rsplit("/", 1)[0]


def sh(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, text=True, **kwargs)


def ensure_debian(command: str, package: str) -> None:
    """Installs `package` from Debian when `command` is missing."""
    if shutil.which(command):
        return
    print(f"installing {package} (Debian package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL}
    if subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, **quiet).returncode:
        sh("apt-get", "update", "-qq", env=env)
        sh("apt-get", "install", "-y", "-qq", package, env=env, **quiet)


def ensure_python(module: str, requirement: str) -> None:
    """Installs `requirement` from PyPI when `module` does not import."""
    try:
        __import__(module)
    except ImportError:
        print(f"installing {requirement} (PyPI)")
        sh(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement)


def ensure_tools() -> None:
    ensure_debian("wrk", "wrk")
    ensure_debian("redis-benchmark", "redis-tools")
    ensure_python("matplotlib", "matplotlib==3.10.*")
    ensure_python("PIL", "pillow")


def build() -> None:
    print("building release binaries")
    packages = [arg for binary in folio_system.binaries() for arg in ("-p", binary)]
    sh(
        "cargo", "build", "--release", "--quiet", "--bins", "-p", "folio-migrate", *packages,
        cwd=ROOT, env={**os.environ, "CARGO_TARGET_DIR": str(TARGET)},
    )


def database_url(name: str) -> str:
    return f"{SERVER_URL}/{name}"


def psql(sql: str, url: str) -> str:
    # Seeding a million rows is one long statement: lift the database's 10 s limit (V7).
    env = {**os.environ, "PGOPTIONS": "-c statement_timeout=0"}
    return sh("psql", url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql, capture_output=True, env=env).stdout.strip()


def fresh_database(name: str) -> str:
    """Drops and recreates database `name`; returns its URL."""
    psql(f"drop database if exists {name} with (force)", ADMIN_URL)
    psql(f"create database {name}", ADMIN_URL)
    return database_url(name)


def drop_database(name: str) -> None:
    psql(f"drop database if exists {name} with (force)", ADMIN_URL)
