"""The parts of a metric rule that judge the comparison on the same rows (pure: no I/O).

    judged_on: interval   max_regression and max_regression_pct fail only when the
                          interval's best bound is beyond them: the regression is more than
                          the rows' noise
    non_inferiority: m    the interval's worst bound is at most m worse than the base
    require: significant_improvement
                          the whole interval is on the better side of the base

When the two sides were evaluated on different rows, the regression limits are judged on
the rows both held out, with both models' values there (`on_same_rows`); when too few rows
are common, or a rule needs an interval there is none of, the part takes the verdict
`gates.not_comparable` names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from mlci.compare.diff import MetricRow
from mlci.dvc.metrics_file import as_text

# The states of mlci.compare.same_rows whose values are on a subset of each side's rows; that
# module needs numpy, which a gate without `evaluation:` never loads.
SUBSET = ("rescored", "common")

if TYPE_CHECKING:
    from mlci.compare.same_rows import SameRows
    from mlci.scoring.paired import MetricInterval
    from mlci.spec.model import GateRule

Status = Literal["pass", "warn", "fail"]


@dataclass(frozen=True)
class Part:
    """One limit of a rule, judged: its bound on the value, verdict and reason."""

    threshold: str
    verdict: Status
    reason: str


def asks_interval(rule: GateRule) -> bool:
    return (
        rule.judged_on == "interval" or rule.non_inferiority is not None or rule.require is not None
    )


def compares(rule: GateRule) -> bool:
    """Does the rule compare the change with the base (not only bound its value)?"""
    has_limit = rule.max_regression is not None or rule.max_regression_pct is not None
    return has_limit or asks_interval(rule)


def on_same_rows(row: MetricRow, same_rows: SameRows | None) -> MetricRow:
    """The row with both models' values on the rows both held out, when the evaluations'
    rows differ and the scorer has an interval for it; else the row itself."""
    if same_rows is None or same_rows.state not in SUBSET or same_rows.paired is None:
        return row
    interval = same_rows.paired.metrics.get(row.name or "")
    if interval is None:
        return row
    change = interval.change - interval.base
    relative = change / abs(interval.base) if interval.base else None
    return replace(row, old=interval.base, new=interval.change, change=change, relative=relative)


def not_comparable(same_rows: SameRows | None, policy: Status, base: str) -> Part | None:
    """The part that stands for every comparing limit when the rows differ beyond repair."""
    if same_rows is None or same_rows.state != "not-comparable":
        return None
    return Part(
        f"comparable with {base} (not_comparable: {policy})",
        policy,
        f"{same_rows.message}; not_comparable: {policy}",
    )


def interval_parts(
    rule: GateRule,
    name: str,
    row: MetricRow,
    same_rows: SameRows | None,
    policy: Status,
    base: str,
) -> list[Part]:
    """The parts of `rule` that judge the interval of `name`'s difference."""
    if not asks_interval(rule):
        return []
    interval = same_rows.paired.metrics.get(name) if same_rows and same_rows.paired else None
    if interval is None:
        why = _no_interval(name, same_rows)
        return [
            Part(
                f"an interval (not_comparable: {policy})",
                policy,
                f"{why}; not_comparable: {policy}",
            )
        ]
    worst, best = interval.improvement_bounds()
    shown = _shown(interval)
    parts = []
    if rule.judged_on == "interval":
        for limit in _limits(rule, row):
            ok = best >= -limit
            reason = (
                ""
                if ok
                else (
                    f"{name} is worse than {base} by more than {as_text(limit)}, beyond noise: "
                    f"{shown}"
                )
            )
            parts.append(Part(f"best bound >= -{as_text(limit)} ({shown})", _status(ok), reason))
    if rule.non_inferiority is not None:
        margin = rule.non_inferiority
        ok = worst >= -margin
        reason = (
            "" if ok else (f"{name} is not shown to be within {as_text(margin)} of {base}: {shown}")
        )
        parts.append(Part(f"worst bound >= -{as_text(margin)} ({shown})", _status(ok), reason))
    if rule.require == "significant_improvement":
        ok = interval.verdict == "better"
        reason = "" if ok else f"{name} is not a significant improvement on {base}: {shown}"
        parts.append(Part(f"interval above {base} ({shown})", _status(ok), reason))
    return parts


def _limits(rule: GateRule, row: MetricRow) -> list[float]:
    """The regression limits in the metric's units (a percentage of the base's value)."""
    limits = [] if rule.max_regression is None else [rule.max_regression]
    if rule.max_regression_pct is not None and isinstance(row.old, (int, float)):
        limits.append(abs(float(row.old)) * rule.max_regression_pct / 100)
    return limits


def _shown(interval: MetricInterval) -> str:
    return (
        f"change {interval.difference:+.4g}, interval [{interval.low:+.4g}, {interval.high:+.4g}]"
    )


def _no_interval(name: str, same_rows: SameRows | None) -> str:
    if same_rows is None:
        return f"no interval for {name}: mlci.yaml has no `evaluation:`"
    if same_rows.paired is not None and name in same_rows.paired.skipped:
        return f"no interval for {name}: {same_rows.paired.skipped[name]}"
    return f"no interval for {name}: {same_rows.message}"


def _status(ok: bool) -> Status:
    return "pass" if ok else "fail"
