"""The numbers each scenario measured, printed as one table at the end of the run and written
to resilience/results/summary.md for the issue note."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    scenario: str
    measure: str
    value: str


class Summary:
    def __init__(self) -> None:
        self.rows: list[Row] = []

    def record(self, scenario: str, measure: str, value: object) -> None:
        if isinstance(value, float):
            value = f"{value:.2f}"
        self.rows.append(Row(scenario, measure, str(value)))

    def markdown(self, header: str) -> str:
        lines = [header, "", "| scenario | measure | value |", "|---|---|---:|"]
        lines += [f"| {r.scenario} | {r.measure} | {r.value} |" for r in self.rows]
        return "\n".join(lines) + "\n"

    def write(self, header: str) -> Path:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / "summary.md"
        out.write_text(self.markdown(header))
        return out
