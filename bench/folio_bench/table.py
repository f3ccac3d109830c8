"""Markdown table cells shared by the report's sections."""

from __future__ import annotations

from .load import Load


def row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def load_cells(load: Load) -> list[str]:
    return [f"{load.rps:,.0f}", ms(load.p50_ms), ms(load.p99_ms), str(load.errors)]


def cpu_ms(value: float | None) -> str:
    """CPU milliseconds per request: three significant figures, "-" when not measured."""
    if value is None:
        return "-"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def per_request(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def usd(value: float | None) -> str:
    if value is None:
        return "-"
    return f"${value:.3f}" if value < 10 else f"${value:,.2f}" if value < 100 else f"${value:,.0f}"
