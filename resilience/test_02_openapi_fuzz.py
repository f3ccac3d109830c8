"""OpenAPI fuzzing: schemathesis against each service's own `/openapi.json`, every check on:
no 5xx, and every answer (status, content type, headers, body) as the spec says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import folio_system  # scripts/, put on the path by stack.py (conftest imports it first)
import pytest

from api import register
from summary import RESULTS

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Enough to reach every documented status of these small APIs, few enough to keep the
# whole suite within its budget on 2 cores; the seed makes a failure reproducible.
MAX_EXAMPLES = int(os.environ.get("RESILIENCE_FUZZ_EXAMPLES", "30"))
SEED = int(os.environ.get("RESILIENCE_FUZZ_SEED", "20261127"))


# Every Folio service of the root Procfile (scripts/ is on the path through stack.py).
SERVICES = folio_system.binaries()


@pytest.mark.parametrize("service_name", SERVICES)
def test_schemathesis_finds_nothing(stack, summary, service_name):
    service = stack.services[service_name]
    # An account per run: fuzzing auth may rename it, change its password or delete it.
    fuzzer = register(stack, f"fuzzer{SERVICES.index(service_name)}", client_ip=f"10.2.0.{SERVICES.index(service_name)}")
    report = RESULTS / f"schemathesis-{service_name}.xml"
    RESULTS.mkdir(exist_ok=True)
    run = subprocess.run(
        [
            str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", service.url("/openapi.json"),
            "--checks", "all",
            "--max-examples", str(MAX_EXAMPLES),
            # No example database: each run starts from the seed alone, so runs repeat.
            "--generation-database", "none",
            "--seed", str(SEED),
            # One worker: with two threads, hypothesis' concurrent ast.parse trips a CPython
            # 3.11 bug ("AST constructor recursion depth mismatch"), a runtime error of
            # the fuzzer, not of the services.
            "--workers", "1",
            "--request-timeout", "10",
            "--header", f"Authorization: Bearer {fuzzer.token}",
            "--report", "junit", "--report-junit-path", str(report),
            "--output-truncate", "false",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    output = run.stdout + run.stderr
    cases = re.search(r"(\d+) generated", output)
    found = re.search(r"found (\d+) unique failures", output)
    summary.record(
        "schemathesis (all checks)",
        f"{service_name}: test cases / unique failures",
        f"{cases.group(1) if cases else '?'} / {found.group(1) if found else 0}",
    )
    assert run.returncode == 0, output[-20000:]
