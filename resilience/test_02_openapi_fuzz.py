"""OpenAPI fuzzing: schemathesis against each service's own `/openapi.json`, every check on:
no 5xx, and every answer (status, content type, headers, body) as the spec says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from api import register
from summary import RESULTS

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# Enough to reach every documented status of these small APIs, few enough to keep the
# whole suite within its budget on 2 cores; the seed makes a failure reproducible.
MAX_EXAMPLES = int(os.environ.get("RESILIENCE_FUZZ_EXAMPLES", "30"))
SEED = int(os.environ.get("RESILIENCE_FUZZ_SEED", "20261127"))


@pytest.fixture(scope="module")
def fuzzer(stack):
    # Fuzzing may change this account's name and email, or delete it: it is its own.
    return register(stack, "fuzzer", client_ip="10.2.0.1")


@pytest.mark.parametrize("service_name", ["folio-auth", "folio-posts", "folio-media", "folio-mail"])
def test_schemathesis_finds_nothing(stack, fuzzer, summary, service_name):
    service = stack.services[service_name]
    report = RESULTS / f"schemathesis-{service_name}.xml"
    RESULTS.mkdir(exist_ok=True)
    run = subprocess.run(
        [
            str(SCHEMATHESIS), "run", service.url("/openapi.json"),
            "--checks", "all",
            "--max-examples", str(MAX_EXAMPLES),
            "--seed", str(SEED),
            "--workers", "2",
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
    summary.record("schemathesis (all checks)", f"{service_name}: exit code, test cases", f"{run.returncode}, {cases.group(1) if cases else '?'}")
    assert run.returncode == 0, output[-20000:]
