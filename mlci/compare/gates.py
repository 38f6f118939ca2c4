"""Merge and deploy gates: the spec's rules applied to a comparison (pure: no I/O).

`evaluate(rules, comparison, reproduced)` gives one RuleResult per rule of `gates.merge` (or
`gates.deploy`): the target's value, the threshold as a bound on that value, a verdict (pass,
warn, fail) and a one-line reason. What each part of a rule means:

    min, max            the target's value must be at least `min` / at most `max`
    max_regression      the target may be at most this much worse than the base, in the
                        metric's units and its direction (for `direction: lower` a rise is
                        worse); a change within the metric's `tolerance` counts as none, as
                        in `mlci diff` (for both regression limits)
    max_regression_pct  the same in percent of |base|; from a base of 0 any regression is
                        infinitely large in percent, so it fails (no change passes). A base
                        or target that is not a number (text, NaN) fails either limit; a
                        target of NaN or ±Infinity fails every metric rule, presence alone
                        included (no evaluation yields an infinite accuracy)
    required            (default true) a target without the metric (removed, not produced,
                        unreadable) fails the rule; when false the rule passes instead, or
                        warns when the metric is there but cannot be read
    no_baseline         the base has no value (no pipeline or metrics there, a new metric,
                        not pushed, unreadable): the regression limits cannot be evaluated,
                        and the rule passes, warns (default) or fails as this says, with a
                        reason that starts "no baseline" and gives the diff's own words.
                        `min` and `max` are checked all the same; a rule without regression
                        limits needs no base and ignores this
    judged_on, non_inferiority, require
                        judged on the comparison on the same rows: mlci.compare.interval_rules
    severity: warn      a failure is reported as a warning and does not fail the gate
    check: reproduced   the committed dvc.lock and metrics are what CI reproduced: see
                        `check_reproduced`

A value at its limit passes, within floating-point rounding: 0.95 - 0.94 is
0.010000000000000009 in binary floating point, and `max_regression: 0.01` must not fail it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from mlci.compare.diff import UNREAD, MetricRow
from mlci.compare.interval_rules import (
    Part,
    compares,
    interval_parts,
    not_comparable,
    on_same_rows,
)
from mlci.compare.regression_limits import close, no_baseline, real, regressions
from mlci.compare.reproduced import ReproducedCheck
from mlci.dvc.metrics_file import Value, as_text

if TYPE_CHECKING:  # the spec's models need pydantic; the gate logic needs only their fields
    from mlci.compare.diff import Comparison
    from mlci.compare.same_rows import SameRows
    from mlci.spec.model import GateRule

Status = Literal["pass", "warn", "fail"]
_RANK: dict[Status, int] = {"pass": 0, "warn": 1, "fail": 2}
LIMITS = ("min", "max", "max_regression", "max_regression_pct")


@dataclass(frozen=True)
class RuleResult:
    """One rule, judged."""

    rule: str
    """The rule as the spec writes it: `accuracy: min 0.9, max_regression 0.01`."""
    metric: str | None
    check: str | None
    value: Value | None
    """The target's value; for `check: reproduced`, `matches` or how many things differ."""
    base: Value | None
    threshold: str
    """What the value must be, as bounds on it: `>= 0.9, >= 0.94 (main 0.95 - 0.01)`."""
    verdict: Status
    reason: str
    """One line: why this verdict."""
    limits: Mapping[str, float]
    """The rule's limits that are set, by their spec key."""
    details: tuple[str, ...] = ()
    """Each finding behind the reason, one per line (e.g. every stage that differs)."""


@dataclass(frozen=True)
class GateReport:
    gate: str
    """`merge` or `deploy`."""
    base_label: str
    base_revision: str | None
    target_label: str
    target_revision: str | None
    results: tuple[RuleResult, ...]
    rules_source: str = ""
    """Whose rules were applied, as shown: `main (1a2b3c4d5e6f)` or `this change`."""
    notes: tuple[str, ...] = ()
    """What a reader must know about the rules themselves (a change that edits them)."""

    @property
    def verdict(self) -> Status:
        return worst(result.verdict for result in self.results)

    @property
    def failed(self) -> bool:
        return self.verdict == "fail"


def worst(verdicts: Iterable[Status]) -> Status:
    return max(verdicts, key=_RANK.__getitem__, default="pass")


def evaluate(
    rules: Sequence[GateRule],
    comparison: Comparison,
    reproduced: ReproducedCheck | None,
    *,
    gate: str = "merge",
    not_comparable: Status = "warn",
) -> GateReport:
    """Every rule judged on `comparison`; `reproduced` answers `check: reproduced` rules;
    `not_comparable` is what a comparing limit does when the rows differ beyond repair."""
    rows = {row.name: row for row in comparison.metrics if row.name is not None}
    context = _Context(comparison.base.label, comparison.same_rows, not_comparable)
    results = tuple(
        _apply_severity(
            rule,
            _check_rule(rule, reproduced)
            if rule.metric is None
            else _metric_rule(rule, rule.metric, rows.get(rule.metric), context),
        )
        for rule in rules
    )
    base = comparison.base.label
    return GateReport(
        gate,
        base,
        comparison.base.revision,
        comparison.target.label,
        comparison.target.revision,
        results,
    )


def describe(rule: GateRule) -> str:
    """The rule in the spec's own words, for a reader to find it in mlci.yaml."""
    if rule.metric is None:
        return f"check: {rule.check}"
    parts = [f"{key} {as_text(value)}" for key, value in _limits(rule).items()]
    if rule.judged_on == "interval":
        parts.append("judged_on interval")
    if rule.non_inferiority is not None:
        parts.append(f"non_inferiority {as_text(rule.non_inferiority)}")
    if rule.require is not None:
        parts.append(f"require {rule.require}")
    if not rule.required:
        parts.append("required false")
    if rule.severity == "warn":
        parts.append("severity warn")
    return f"{rule.metric}: {', '.join(parts)}" if parts else rule.metric


def _limits(rule: GateRule) -> dict[str, float]:
    return {key: value for key in LIMITS if (value := getattr(rule, key)) is not None}


def _apply_severity(rule: GateRule, result: RuleResult) -> RuleResult:
    if result.verdict != "fail" or rule.severity != "warn":
        return result
    reason = f"{result.reason} (severity warn: reported, not failing the gate)"
    return replace(result, verdict="warn", reason=reason)


# --- metric rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    base: str
    """The base's label."""
    same_rows: SameRows | None
    not_comparable: Status


def _metric_rule(rule: GateRule, name: str, row: MetricRow | None, context: _Context) -> RuleResult:
    if row is None or row.new_missing is not None:
        return _absent(rule, name, row)
    value = real(row.new)
    if isinstance(row.new, float) and not math.isfinite(row.new):
        parts: list[Part] = [
            Part("a finite number", "fail", f"{name} is {as_text(row.new)}, not a finite number")
        ]
    elif not _limits(rule) and not compares(rule):
        parts = []  # a rule of presence alone
    elif value is None:
        parts = [Part("a number", "fail", f"{name} is {as_text(row.new)}, not a number")]
    else:
        parts = [*_bounds(rule, name, value), *_comparing(rule, name, row, context)]
    verdict = worst(part.verdict for part in parts)
    return RuleResult(
        rule=describe(rule),
        metric=name,
        check=None,
        value=row.new,
        base=row.old,
        threshold=", ".join(part.threshold for part in parts) or "present",
        verdict=verdict,
        reason=_summary(name, row, parts, verdict),
        limits=_limits(rule),
        details=tuple(part.reason for part in parts if part.verdict != "pass"),
    )


def _summary(name: str, row: MetricRow, parts: Sequence[Part], verdict: Status) -> str:
    if verdict != "pass":
        return "; ".join(part.reason for part in parts if part.verdict == verdict)
    if not parts:
        return f"{name} is present ({as_text(row.new)})"
    noted = [part.reason for part in parts if part.reason]  # a passing no-baseline says so
    within = f"{name} {as_text(row.new)} is within every limit"
    return "; ".join([within, *noted]) if noted else within


def _absent(rule: GateRule, name: str, row: MetricRow | None) -> RuleResult:
    """The target has no value: the rule fails if the metric is required."""
    why = row.missing_note("new") if row is not None else "not in the comparison"
    unread = row is not None and row.new_missing in UNREAD
    if rule.required:
        verdict: Status = "fail"
        reason = f"{name} is required and the target has no value: {why}"
    else:
        verdict = "warn" if unread else "pass"
        reason = f"{name} is not required; the target has no value: {why}"
    return RuleResult(
        rule=describe(rule),
        metric=name,
        check=None,
        value=None,
        base=row.old if row is not None else None,
        threshold="present" if rule.required else "optional",
        verdict=verdict,
        reason=reason,
        limits=_limits(rule),
        details=(why,),
    )


def _bounds(rule: GateRule, name: str, value: float) -> Iterator[Part]:
    if rule.min is not None:
        ok = value >= rule.min or close(value, rule.min)
        reason = "" if ok else f"{name} {as_text(value)} is below the minimum {as_text(rule.min)}"
        yield Part(f">= {as_text(rule.min)}", "pass" if ok else "fail", reason)
    if rule.max is not None:
        ok = value <= rule.max or close(value, rule.max)
        reason = "" if ok else f"{name} {as_text(value)} is above the maximum {as_text(rule.max)}"
        yield Part(f"<= {as_text(rule.max)}", "pass" if ok else "fail", reason)


def _comparing(rule: GateRule, name: str, row: MetricRow, context: _Context) -> list[Part]:
    """The limits that compare the change with the base: on the same rows when possible."""
    if not compares(rule):
        return []
    if row.old_missing is not None:
        return [no_baseline(rule, row, context.base)]
    apart = not_comparable(context.same_rows, context.not_comparable, context.base)
    if apart is not None:
        return [apart]
    judged = on_same_rows(row, context.same_rows)
    point = regressions(rule, name, judged, context.base) if rule.judged_on == "point" else []
    if judged is not row:
        point = [
            replace(part, threshold=f"{part.threshold} on the rows both held out") for part in point
        ]
    policy, same_rows = context.not_comparable, context.same_rows
    return [*point, *interval_parts(rule, name, judged, same_rows, policy, context.base)]


# --- check: reproduced -------------------------------------------------------------------------


def _check_rule(rule: GateRule, check: ReproducedCheck | None) -> RuleResult:
    value, verdict, reason = _check_outcome(check)
    return RuleResult(
        rule=describe(rule),
        metric=None,
        check=rule.check,
        value=value,
        base=None,
        threshold="committed = reproduced",
        verdict=verdict,
        reason=reason,
        limits={},
        details=_details(check),
    )


def _details(check: ReproducedCheck | None) -> tuple[str, ...]:
    if check is None:
        return ()
    fix = (check.fix,) if check.fix and check.differences else ()
    return (*check.differences, *fix, *check.unverified)


def _check_outcome(check: ReproducedCheck | None) -> tuple[Value | None, Status, str]:
    if check is None:
        return None, "fail", "not checked: no reproduction to compare the committed dvc.lock with"
    if check.differences:
        count = len(check.differences)
        reason = f"{check.committed} is not reproduced: " + "; ".join(check.differences)
        if check.fix:
            reason += f"; {check.fix}"
        return f"{count} difference{'s' * (count != 1)}", "fail", reason
    if check.unverified:
        reason = f"{check.committed}: could not compare everything: " + "; ".join(check.unverified)
        return "unverified", "warn", reason
    compared = f"{_count(check.stages, 'stage')}, {_count(check.metrics, 'metric')} compared"
    reason = f"dvc.lock and metrics of {check.committed} match the reproduction ({compared})"
    return "matches", "pass", reason


def _count(amount: int, noun: str) -> str:
    return f"{amount} {noun}{'s' * (amount != 1)}"
