"""Mermaid `xychart-beta` line charts as text: the charts of `mlci report` (pure).

GitHub renders Mermaid in comments and job summaries, so a chart needs no image host.
Mermaid's grammar is strict in ways that matter here: numbers must be plain decimals (no
`1e-05`, no `3.`), a line needs at least one value, and a string cannot hold `"`; every
label goes through mlci.present.markdown_escape.mermaid_string.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from mlci.present import markdown_escape as escape

BASE_COLOUR, PR_COLOUR = "#8c959f", "#0969da"  # GitHub's grey and blue, light and dark

Side = Literal["base", "target"]


def decimal(value: float) -> str:
    """A number as Mermaid's xychart grammar takes it: a plain decimal, never an exponent."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Series:
    """One line of a chart."""

    label: str
    side: Side
    y: tuple[float, ...]


def xychart(
    title: str,
    x_axis: str,
    y_axis: tuple[str, float, float],
    lines: Sequence[Series],
) -> str:
    """The text of a ```mermaid block: `x_axis` is already Mermaid (categories or a range)."""
    colours = ", ".join(BASE_COLOUR if s.side == "base" else PR_COLOUR for s in lines)
    label, low, high = y_axis
    body = [
        "---",
        "config:",
        "  themeVariables:",
        "    xyChart:",
        f'      plotColorPalette: "{colours}"',
        "---",
        "xychart-beta",
        f"    title {escape.mermaid_string(title)}",
        f"    x-axis {x_axis}",
        f"    y-axis {escape.mermaid_string(label)} {decimal(low)} --> {decimal(high)}",
        *(f"    line [{', '.join(decimal(v) for v in s.y)}]" for s in lines),
    ]
    return "\n".join(body)


def fence(chart: str) -> str:
    return f"```mermaid\n{chart}\n```"


def legend(lines: Sequence[Series]) -> str:
    """Which line is which: xychart draws no legend, so the caption names the colours."""
    names = {"base": "grey", "target": "blue"}
    return " · ".join(f"{names[s.side]}: {s.label}" for s in lines)


def y_range(values: Iterable[float], *, unit: bool = False) -> tuple[float, float]:
    """A y-axis that shows the changes: 10% margin, kept within [0, 1] for rates."""
    numbers = list(values)
    low, high = min(numbers), max(numbers)
    margin = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - margin, high + margin
    if unit:
        low, high = max(low, 0.0), min(high, 1.0)
    return float(decimal(low)), float(decimal(high))
