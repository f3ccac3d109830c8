#!/usr/bin/env python3
"""Folio benchmarks (`make bench`): builds release binaries, measures the machine's
ceilings, starts the whole system (scripts/system.sh: Postgres and Redis checks, SMTP sink,
file object store, four services, Caddy gateway), seeds it, loads it with wrk, and writes
bench/report.md and bench/report.png. Everything runs on this machine over loopback."""

from __future__ import annotations

import shutil
import sys

from folio_bench import measure
from folio_bench.cache import cached_reads
from folio_bench.chart import draw
from folio_bench.report import Run, render
from folio_bench.seed import seed
from folio_bench.system import STATE, System
from folio_bench.tools import BENCH, build, drop_database, ensure_tools, fresh_database

DATABASE = "folio_bench"


def main() -> int:
    ensure_tools()
    build()
    ceilings = measure.ceilings()
    shutil.rmtree(STATE, ignore_errors=True)
    db = fresh_database(DATABASE)
    with System(db) as system:
        idle = measure.idle_rss()
        seeded = seed(db)
        reads = measure.reads(seeded)
        # Before anything writes: the tags sent in If-None-Match stay valid.
        cached = cached_reads(seeded)
        mixed = measure.mixed(seeded, db)
        writes = measure.writes(seeded)
        peak = measure.peak_rss()
        starts = measure.start_times(db)
        scaling = measure.scaling(db, seeded)
        # Last: the mails it queues keep the worker busy long after.
        mail = measure.forgot_password_and_mail(seeded, system)
    drop_database(DATABASE)
    run = Run(ceilings, reads, writes, mail, mixed, starts, idle, peak, measure.binary_sizes(), scaling,
              cached)
    (BENCH / "report.md").write_text(render(run))
    draw(run, BENCH / "report.png")
    print((BENCH / "report.md").read_text())
    print("written to bench/report.md and bench/report.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
