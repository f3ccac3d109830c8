#!/usr/bin/env python3
"""Mails per second of one mail worker process against the SMTP sink's own ceiling, on its
own (`make bench` measures the same in its run: folio_bench/mail_rate.py says how).
Needs the release binaries (`make bench` builds them), Postgres and Redis.

    python3 bench/mail_rate.py [--binary PATH] [--mails 1000] [--concurrency 4]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from folio_bench.mail_rate import mail_rate_on_a_fresh_database, summary
from folio_bench.tools import RELEASE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(RELEASE / "folio-mail"))
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    print(summary(mail_rate_on_a_fresh_database(args.mails, args.concurrency, Path(args.binary))))


if __name__ == "__main__":
    main()
