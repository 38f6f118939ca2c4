"""The regression limits of a metric rule, `max_regression` and `max_regression_pct`,
judged on the base's and the change's values (pure: no I/O). The meaning of each is in
mlci.compare.gates; the values may be those on the same rows (mlci.compare.interval_rules).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlci.compare.diff import MetricRow
from mlci.compare.interval_rules import Part
from mlci.dvc.metrics_file import Value, as_text, is_number

if TYPE_CHECKING:
    from mlci.spec.model import GateRule


def regressions(rule: GateRule, name: str, row: MetricRow, base: str) -> list[Part]:
    if rule.max_regression is None and rule.max_regression_pct is None:
        return []
    if row.old_missing is not None:
        return [no_baseline(rule, row, base)]
    if real(row.old) is None or row.change is None or math.isnan(row.change):
        reason = (
            f"{name} cannot be compared with {base}: {as_text(row.old)} -> {as_text(row.new)} "
            "is not a change in numbers"
        )
        return [Part(f"comparable with {base}", "fail", reason)]
    worse = _worse_by(row)
    parts = []
    if rule.max_regression is not None:
        parts.append(_absolute(rule.max_regression, name, row, worse, base))
    if rule.max_regression_pct is not None:
        parts.append(_relative(rule.max_regression_pct, name, row, worse, base))
    return parts


def no_baseline(rule: GateRule, row: MetricRow, base: str) -> Part:
    note = row.missing_note("old")
    why = note if note.startswith("no baseline") else f"no baseline: {note}"
    return Part(
        f"no baseline at {base} (no_baseline: {rule.no_baseline})",
        rule.no_baseline,
        f"{why}; no_baseline: {rule.no_baseline}",
    )


def _worse_by(row: MetricRow) -> float:
    """How much worse the target is than the base (negative: better); tolerance counts as 0."""
    assert row.change is not None
    if abs(row.change) <= row.tolerance:
        return 0.0
    return -row.change if row.direction == "higher" else row.change


def _absolute(limit: float, name: str, row: MetricRow, worse: float, base: str) -> Part:
    old = row.old
    assert isinstance(old, (int, float))
    sign = "-" if row.direction == "higher" else "+"
    relation = ">=" if row.direction == "higher" else "<="
    bound = old - limit if row.direction == "higher" else old + limit
    threshold = f"{relation} {as_text(bound)} ({base} {as_text(old)} {sign} {as_text(limit)})"
    if worse <= limit or close(worse, limit):
        return Part(threshold, "pass", "")
    reason = (
        f"{name} {as_text(row.new)} is {as_text(worse)} worse than {base}'s {as_text(old)} "
        f"(at most {as_text(limit)} allowed)"
    )
    return Part(threshold, "fail", reason)


def _relative(pct: float, name: str, row: MetricRow, worse: float, base: str) -> Part:
    old = row.old
    assert isinstance(old, (int, float))
    relation = ">=" if row.direction == "higher" else "<="
    if old == 0:
        # A percentage of 0 is 0: the only change allowed is none (or for the better).
        threshold = f"{relation} 0 ({base} 0: no regression in percent of 0)"
        if worse <= 0:
            return Part(threshold, "pass", "")
        reason = (
            f"{name} {as_text(row.new)} is worse than {base}'s 0, an infinitely large "
            "regression in percent (use max_regression for a metric that can be 0)"
        )
        return Part(threshold, "fail", reason)
    allowed = abs(old) * pct / 100
    bound = old - allowed if row.direction == "higher" else old + allowed
    sign = "-" if row.direction == "higher" else "+"
    threshold = f"{relation} {as_text(bound)} ({base} {as_text(old)} {sign} {as_text(pct)}%)"
    if worse <= allowed or close(worse, allowed):
        return Part(threshold, "pass", "")
    reason = (
        f"{name} {as_text(row.new)} is {as_text(worse / abs(old) * 100)}% worse than {base}'s "
        f"{as_text(old)} (at most {as_text(pct)}% allowed)"
    )
    return Part(threshold, "fail", reason)


def real(value: Value | None) -> float | None:
    """The value as a number to compare with limits; None for text, booleans, NaN and ±inf."""
    if not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        return None
    assert isinstance(value, (int, float))
    return float(value)


def close(first: float, second: float) -> bool:
    return math.isclose(first, second, rel_tol=1e-9, abs_tol=1e-12)
