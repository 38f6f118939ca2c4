"""Trend and evaluation plots for `mlci report`, drawn as GitHub renders them: no image host.

Charts are Mermaid `xychart-beta` line charts (GitHub renders Mermaid in comments and job
summaries); a confusion matrix is a Markdown table. Pure: plot files' text in, text out.

- Trend: one chart per key metric with `MIN_TREND_COMMITS` values along main: its value at
  each commit (oldest first, the last `MAX_TREND_POINTS` that have a value) and then this
  pull request's, labelled "PR".
- Curves: ROC (`fpr`, `tpr` columns), precision-recall (`recall`, `precision`) and plain
  x/y line plots, base and PR on one chart. An xychart spaces its points evenly along the
  x-axis, so every curve is resampled at `CURVE_POINTS` evenly spaced x values: linearly
  between the file's points (ROC, line plots) or as interpolated precision, the best
  precision at that recall or more (precision-recall, as average precision reads it).
- Confusion matrix: counts of (actual, predicted) pairs from the plot file's rows, actual
  down, predicted across, the diagonal in bold, and the change from the base when it has
  the file.

Every label is a pull request's to write, so each goes through `mermaid_string` (see
mlci.present.mermaid) and each table cell through mlci.present.markdown_escape.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from mlci.bounded_load import load_json
from mlci.compare.diff import MetricRow
from mlci.present import markdown_escape as escape
from mlci.present.mermaid import Series, Side, decimal, xychart, y_range
from mlci.present.tables import md_row, md_rule
from mlci.revision.history import History, MetricColumn
from mlci.spec.paths import normalise

MAX_TREND_POINTS = 30
MAX_TREND_METRICS = 4
MIN_TREND_COMMITS = 3
"""Commits of main with a value that a trend chart needs."""
CURVE_POINTS = 21
MAX_CONFUSION_CLASSES = 20
CONFUSION_TEMPLATES = ("confusion", "confusion_normalized")
LINE_TEMPLATES = (None, "linear", "simple", "smooth")

CurveKind = Literal["roc", "precision-recall", "line"]


# --- trend along main --------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    label: str
    """A short commit SHA, or "PR" for the pull request."""
    sha: str | None
    value: float


@dataclass(frozen=True)
class Trend:
    metric: str
    direction: str | None
    branch: str
    """The branch whose first-parent history the commits come from."""
    points: tuple[TrendPoint, ...]
    """Oldest first; the pull request's value last, when it has one."""


def trends(history: History, rows: Sequence[MetricRow], branch: str = "main") -> tuple[Trend, ...]:
    """A trend for each of the first key metrics with MIN_TREND_COMMITS values along main:
    fewer show no trend, only the comparison the metrics table already makes."""
    found = []
    for column in history.columns:
        main = _main_points(history, column.name)
        if len(main) >= MIN_TREND_COMMITS:
            points = (*main, *_pr_point(column, rows))
            found.append(Trend(column.name, column.direction, branch, points))
    return tuple(found[:MAX_TREND_METRICS])


def _main_points(history: History, name: str) -> list[TrendPoint]:
    points = [
        TrendPoint(row.commit.sha[:7], row.commit.sha, value)
        for row in history.rows
        if (value := finite(row.values.get(name))) is not None
    ]
    return points[-MAX_TREND_POINTS:]


def _pr_point(column: MetricColumn, rows: Sequence[MetricRow]) -> list[TrendPoint]:
    row = pr_row(column, rows)
    value = finite(row.new) if row is not None and row.new_missing is None else None
    return [] if value is None else [TrendPoint("PR", None, value)]


def pr_row(column: MetricColumn, rows: Sequence[MetricRow]) -> MetricRow | None:
    """The comparison's row for a history column: by name, else by file and key."""
    file = normalise(".", column.file) if column.file else None
    by_name = [r for r in rows if r.name == column.name]
    by_key = [r for r in rows if r.key == column.key and (file is None or r.file == file)]
    return next(iter([*by_name, *by_key]), None)


def finite(value: object) -> float | None:
    """A value a chart can draw: a finite number (not a bool), as a float; else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def trend_chart(trend: Trend) -> str:
    values = [p.value for p in trend.points]
    way = {"higher": " (higher is better)", "lower": " (lower is better)"}
    axis = "[" + ", ".join(escape.mermaid_string(p.label) for p in trend.points) + "]"
    y_label = trend.metric + way.get(trend.direction or "", "")
    series = Series(trend.metric, "target", tuple(values))
    commits = sum(p.sha is not None for p in trend.points)
    then = ", then this PR" if trend.points[-1].sha is None else ""
    title = f"{trend.metric}: {commits} commit{'s' * (commits != 1)} of {trend.branch}{then}"
    return xychart(title, axis, (y_label, *y_range(values)), [series])


# --- plot files --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlotInput:
    """A plot file of the pipeline, as text at each side (None: that side does not have it)."""

    path: str
    target: str | None
    base: str | None = None
    template: str | None = None
    """dvc.yaml's template for it (`confusion`, `linear`, ...), when it names one."""
    x: str | None = None
    y: str | None = None
    problem: str | None = None
    """Why the pull request's file was not read (a link out of the repository, a FIFO)."""


def records(path: str, text: str) -> list[dict[str, str]]:
    """The rows of a plot file: CSV, TSV, or JSON holding a list of objects."""
    if path.lower().endswith(".json"):
        data = load_json(text)
        if isinstance(data, Mapping):  # DVC also takes {"anything": [rows]}
            data = next((v for v in data.values() if isinstance(v, list)), [])
        return [{str(k): str(v) for k, v in row.items()} for row in data if isinstance(row, dict)]
    delimiter = "\t" if path.lower().endswith(".tsv") else ","
    return [
        {k: v for k, v in row.items() if k is not None and v is not None}
        for row in csv.DictReader(io.StringIO(text), delimiter=delimiter)
    ]


# --- confusion matrix --------------------------------------------------------------------------


@dataclass(frozen=True)
class Confusion:
    path: str
    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    """counts[i][j]: rows whose actual class is labels[i] and predicted labels[j]."""
    base_counts: tuple[tuple[int, ...], ...] | None


def confusion(path: str, target: str, base: str | None, actual: str, predicted: str) -> Confusion:
    pairs = _pairs(path, target, actual, predicted)
    base_pairs = _pairs(path, base, actual, predicted) if base is not None else None
    labels = _sorted_labels({v for pair in [*pairs, *(base_pairs or ())] for v in pair})
    return Confusion(
        path,
        labels,
        _matrix(pairs, labels),
        _matrix(base_pairs, labels) if base_pairs is not None else None,
    )


def _pairs(path: str, text: str, actual: str, predicted: str) -> Counter[tuple[str, str]]:
    rows = records(path, text)
    if rows and not {actual, predicted} <= rows[0].keys():
        raise ValueError(f"{path}: no {actual!r} and {predicted!r} columns")
    return Counter((row[actual], row[predicted]) for row in rows)


def _sorted_labels(labels: set[str]) -> tuple[str, ...]:
    """Numerically when every label is a number (2 before 10), else alphabetically."""
    try:
        return tuple(sorted(labels, key=float))
    except ValueError:
        return tuple(sorted(labels))


def _matrix(pairs: Counter[tuple[str, str]], labels: Sequence[str]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(pairs[a, p] for p in labels) for a in labels)


def confusion_table(matrix: Confusion) -> list[str]:
    """Markdown lines: actual down, predicted across, the diagonal in bold."""
    labels = [escape.text(label) for label in matrix.labels]
    lines = [
        # Not md_row: a matrix with no classes still has an (empty) cell for them.
        "| actual ↓ · predicted → | " + " | ".join(labels) + " |",
        md_rule(["--:"] * (len(labels) + 1)),
    ]
    for i, label in enumerate(labels):
        cells = [_count(matrix, i, j) for j in range(len(labels))]
        lines.append(md_row([f"**{label}**", *cells]))
    total = sum(map(sum, matrix.counts))
    right = sum(matrix.counts[i][i] for i in range(len(labels)))
    if total:
        lines += [
            "",
            f"{right} of {total} right ({right / total:.1%}) in {escape.code(matrix.path)}.",
        ]
    return lines


def _count(matrix: Confusion, i: int, j: int) -> str:
    count = matrix.counts[i][j]
    text = f"**{count}**" if i == j else str(count)
    if matrix.base_counts is not None and (change := count - matrix.base_counts[i][j]):
        text += f" ({change:+d})"
    return text


# --- curves ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    path: str
    kind: CurveKind
    x_label: str
    y_label: str
    x: tuple[float, ...]
    """The evenly spaced x values every series is resampled at."""
    series: tuple[Series, ...]


def curve(
    plot: PlotInput, kind: CurveKind, x: str, y: str, labels: Mapping[Side, str]
) -> Curve | None:
    texts: tuple[tuple[Side, str | None], ...] = (("base", plot.base), ("target", plot.target))
    sides = {
        side: points
        for side, text in texts
        if text is not None and (points := _points(plot.path, text, x, y))
    }
    if not sides:
        return None
    xs = [p[0] for points in sides.values() for p in points]
    low, high = (0.0, 1.0) if kind != "line" else (min(xs), max(xs))
    grid = tuple(low + (high - low) * i / (CURVE_POINTS - 1) for i in range(CURVE_POINTS))
    resample = _best_precision if kind == "precision-recall" else _linear
    series = tuple(
        Series(labels[side], side, tuple(resample(points, at) for at in grid))
        for side, points in sides.items()
    )
    return Curve(plot.path, kind, x, y, grid, series)


def _points(path: str, text: str, x: str, y: str) -> list[tuple[float, float]]:
    points = []
    for row in records(path, text):
        try:
            point = (float(row[x]), float(row[y]))
        except (KeyError, ValueError):
            continue
        if all(map(math.isfinite, point)):
            points.append(point)
    return sorted(points)


def _linear(points: Sequence[tuple[float, float]], at: float) -> float:
    """y at `at`, on straight lines between the points (the highest y where x repeats)."""
    left = [p for p in points if p[0] <= at]
    right = [p for p in points if p[0] > at]
    if not left:
        return right[0][1]
    (x0, y0) = left[-1]
    if not right or x0 == at:
        return y0
    (x1, y1) = right[0]
    return y0 + (y1 - y0) * (at - x0) / (x1 - x0)


def _best_precision(points: Sequence[tuple[float, float]], at: float) -> float:
    """Interpolated precision: the best precision at this recall or any higher one."""
    return max((p for r, p in points if r >= at - 1e-12), default=0.0)


def curve_chart(found: Curve) -> str:
    names = {"roc": "ROC", "precision-recall": "Precision-recall", "line": found.y_label}
    values = [v for s in found.series for v in s.y]
    unit = found.kind != "line"
    y_axis = (found.y_label, *((0.0, 1.0) if unit else y_range(values)))
    x_axis = (
        f"{escape.mermaid_string(found.x_label)} {decimal(found.x[0])} --> {decimal(found.x[-1])}"
    )
    return xychart(f"{names[found.kind]}: {found.path}", x_axis, y_axis, found.series)


# --- which plots, and how ----------------------------------------------------------------------


@dataclass(frozen=True)
class Plots:
    confusions: tuple[Confusion, ...] = ()
    curves: tuple[Curve, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    """(path, why) for each plot file the report does not show."""


def read_plots(plots: Iterable[PlotInput], labels: Mapping[Side, str]) -> Plots:
    """The plots a reviewer needs, from each plot file's text at the base and the PR."""
    confusions: list[Confusion] = []
    curves: list[Curve] = []
    skipped: list[tuple[str, str]] = []
    for plot in plots:
        try:
            shown = _read_plot(plot, labels)
        except (ValueError, KeyError, TypeError, csv.Error) as error:
            skipped.append((plot.path, f"unreadable ({error})"))
            continue
        if isinstance(shown, str):
            skipped.append((plot.path, shown))
        elif isinstance(shown, Confusion):
            confusions.append(shown)
        else:
            curves.append(shown)
    return Plots(tuple(confusions), tuple(curves), tuple(skipped))


def _read_plot(plot: PlotInput, labels: Mapping[Side, str]) -> Confusion | Curve | str:
    """What to show for a plot file, or why nothing."""
    if plot.problem is not None:
        return plot.problem
    if plot.target is None:
        return "not produced by this pull request"
    head = records(plot.path, plot.target)[:1]
    columns = set(head[0]) if head else set()
    if plot.template in CONFUSION_TEMPLATES or {"actual", "predicted"} <= columns:
        found = confusion(
            plot.path, plot.target, plot.base, plot.x or "actual", plot.y or "predicted"
        )
        if len(found.labels) > MAX_CONFUSION_CLASSES:
            return f"{len(found.labels)} classes: too many for a table (see --format json)"
        return found
    kind, x, y = _curve_columns(plot, columns)
    if kind is None:
        return "not a confusion matrix or a curve (scatter plots are not drawn)"
    return curve(plot, kind, x, y, labels) or "no numeric points"


def _curve_columns(plot: PlotInput, columns: set[str]) -> tuple[CurveKind | None, str, str]:
    if {"fpr", "tpr"} <= columns:
        return "roc", "fpr", "tpr"
    if {"recall", "precision"} <= columns:
        return "precision-recall", "recall", "precision"
    if plot.template in LINE_TEMPLATES and plot.x in columns and plot.y in columns:
        assert plot.x is not None and plot.y is not None
        return "line", plot.x, plot.y
    return None, "", ""
