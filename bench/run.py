#!/usr/bin/env python3
"""Folio benchmarks (`make bench`): builds release binaries, measures the machine's
ceilings (pgbench, redis-benchmark) and one mail worker against the SMTP sink's, starts the
whole system (scripts/system.sh: Postgres and Redis checks, then the Procfile's processes
on the port block 48000: SMTP sink, four services, Caddy gateway; a file object store),
seeds it, loads it with wrk (reading each process's CPU counters around every run), times
cold starts, and writes report.md, report.png and cost.json into bench/. Everything runs
on this machine over loopback.

Knobs: BENCH_SECONDS (seconds per wrk run, 10), BENCH_MIXED_SECONDS (60),
BENCH_COLD_DELAY_MS (1000), BENCH_MAILS (2000); BENCH_QUICK=1 runs every part briefly
(2 s per run, fewer sizes and starts) and writes to bench/results/quick/ instead;
BENCH_OUT sets where the files go. Each run's measurements are also kept in
bench/results/run.pickle: `python3 bench/run.py --render` (with the same BENCH_*
variables, which the text quotes) writes the files again from them, where that run wrote
them: after a change to the report's layout, without measuring again."""

from __future__ import annotations

import os
import pickle
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from folio_bench import measure
from folio_bench.cache import cached_reads
from folio_bench.chart import draw
from folio_bench.cold import cold_path
from folio_bench.cost import instances
from folio_bench.mail_rate import mail_rate_on_a_fresh_database, summary
from folio_bench.readers import reader_reads
from folio_bench.report import Run, commit, render
from folio_bench.report_cost import write_cost_json
from folio_bench.seed import seed
from folio_bench.system import STATE, System
from folio_bench.tools import OUT, QUICK, RESULTS, build, drop_database, ensure_tools, fresh_database

DATABASE = "folio_bench"
MAILS = int(os.environ.get("BENCH_MAILS", "300" if QUICK else "2000"))


SAVED = RESULTS / "run.pickle"


def main() -> int:
    if sys.argv[1:] == ["--render"]:
        saved = pickle.loads(SAVED.read_bytes())
        write(saved["run"], saved["made"], saved["out"])
        return 0
    ensure_tools()
    build()
    ceilings = measure.ceilings()
    # On a quiet machine, before the system starts: the sink's ceiling, then one worker.
    mail_rate = mail_rate_on_a_fresh_database(MAILS, 4)
    print(" ", summary(mail_rate), flush=True)
    shutil.rmtree(STATE, ignore_errors=True)
    db = fresh_database(DATABASE)
    with System(db) as system:
        idle = measure.idle_rss()
        seeded = seed(db)
        reads = measure.reads(seeded)
        # Before anything writes: the tags sent in If-None-Match stay valid.
        cached = cached_reads(seeded, db)
        readers = reader_reads(seeded)
        mixed = measure.mixed(seeded, db)
        writes = measure.writes(seeded)
        peak = measure.peak_rss()
        starts = measure.start_times(db)
        cold = cold_path(measure.BINARIES, measure.start_env(db))
        scaling = measure.scaling(db, seeded)
        # Last: the mails it queues keep the worker busy long after.
        mail = measure.forgot_password_and_mail(seeded, system)
    drop_database(DATABASE)
    run = Run(ceilings, reads, writes, mail, mixed, starts, idle, peak, measure.binary_sizes(), scaling,
              cached, readers, cold, mail_rate)
    made = datetime.now(timezone.utc)
    SAVED.write_bytes(pickle.dumps({"run": run, "made": made, "out": OUT}))
    write(run, made, OUT)
    return 0


def write(run: Run, made: datetime, out: Path) -> None:
    """report.md, cost.json and report.png of `run`, into `out`."""
    shapes = instances()
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(render(run, shapes, made))
    write_cost_json(run, shapes, out / "cost.json", f"{made:%Y-%m-%dT%H:%MZ}", commit())
    draw(run, out / "report.png")
    print((out / "report.md").read_text())
    print(f"written to {out}: report.md, report.png, cost.json")


if __name__ == "__main__":
    sys.exit(main())
