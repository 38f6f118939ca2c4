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
from typing import TYPE_CHECKING, Any, Literal

from mlci.compare.diff import MetricRow, SpecLike, Verdict, compare_metrics
from mlci.dvc.metrics_file import Value, as_text, is_number
from mlci.revision.snapshot import Snapshot, StageInputs

if TYPE_CHECKING:  # the spec's models need pydantic; the gate logic needs only their fields
    from mlci.compare.diff import Comparison
    from mlci.spec.model import GateRule

Status = Literal["pass", "warn", "fail"]
_RANK: dict[Status, int] = {"pass": 0, "warn": 1, "fail": 2}
# A target whose metric is there but cannot be read, as opposed to one that lacks it.
_UNREAD: frozenset[Verdict] = frozenset({"not-pushed", "unreadable"})
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


@dataclass(frozen=True)
class ReproducedCheck:
    """The committed dvc.lock and metrics against what `dvc repro` gave in the workspace."""

    committed: str
    """The commit whose dvc.lock was checked, as shown: `HEAD (1a2b3c4d5e6f)`."""
    differences: tuple[str, ...]
    """What does not match, each naming its stage or metric: the check fails."""
    unverified: tuple[str, ...] = ()
    """What could not be compared (a committed value not in the cache): a warning."""
    fix: str = ""
    """What to do about the differences, when it can be told (not itself a difference)."""
    stages: int = 0
    metrics: int = 0
    """How many stages and metrics were compared."""


def worst(verdicts: Iterable[Status]) -> Status:
    return max(verdicts, key=_RANK.__getitem__, default="pass")


def evaluate(
    rules: Sequence[GateRule],
    comparison: Comparison,
    reproduced: ReproducedCheck | None,
    *,
    gate: str = "merge",
) -> GateReport:
    """Every rule judged on `comparison`; `reproduced` answers `check: reproduced` rules."""
    rows = {row.name: row for row in comparison.metrics if row.name is not None}
    base = comparison.base.label
    results = tuple(
        _apply_severity(
            rule,
            _check_rule(rule, reproduced)
            if rule.metric is None
            else _metric_rule(rule, rule.metric, rows.get(rule.metric), base),
        )
        for rule in rules
    )
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
class _Part:
    """One limit of a rule, judged: its bound on the value, verdict and reason."""

    threshold: str
    verdict: Status
    reason: str


def _metric_rule(rule: GateRule, name: str, row: MetricRow | None, base: str) -> RuleResult:
    if row is None or row.new_missing is not None:
        return _absent(rule, name, row)
    value = _real(row.new)
    if isinstance(row.new, float) and not math.isfinite(row.new):
        parts: list[_Part] = [
            _Part("a finite number", "fail", f"{name} is {as_text(row.new)}, not a finite number")
        ]
    elif not _limits(rule):
        parts = []  # a rule of presence alone
    elif value is None:
        parts = [_Part("a number", "fail", f"{name} is {as_text(row.new)}, not a number")]
    else:
        parts = [*_bounds(rule, name, value), *_regressions(rule, name, row, base)]
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


def _summary(name: str, row: MetricRow, parts: Sequence[_Part], verdict: Status) -> str:
    if verdict != "pass":
        return "; ".join(part.reason for part in parts if part.verdict == verdict)
    if not parts:
        return f"{name} is present ({as_text(row.new)})"
    noted = [part.reason for part in parts if part.reason]  # a passing no-baseline says so
    within = f"{name} {as_text(row.new)} is within every limit"
    return "; ".join([within, *noted]) if noted else within


def _absent(rule: GateRule, name: str, row: MetricRow | None) -> RuleResult:
    """The target has no value: the rule fails if the metric is required."""
    why = _side_note(row, "new") if row is not None else "not in the comparison"
    unread = row is not None and row.new_missing in _UNREAD
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


def _side_note(row: MetricRow, side: Literal["old", "new"]) -> str:
    """The diff's words for why one side of `row` has no value."""
    # MetricRow.notes lists the base's reason first, then the target's (see mlci.compare.diff).
    missing = [m for m in (row.old_missing, row.new_missing) if m is not None]
    index = 0 if side == "old" or len(missing) == 1 else 1
    if index < len(row.notes):
        return row.notes[index]
    verdict = row.old_missing if side == "old" else row.new_missing
    return str(verdict)


def _bounds(rule: GateRule, name: str, value: float) -> Iterator[_Part]:
    if rule.min is not None:
        ok = value >= rule.min or _close(value, rule.min)
        reason = "" if ok else f"{name} {as_text(value)} is below the minimum {as_text(rule.min)}"
        yield _Part(f">= {as_text(rule.min)}", "pass" if ok else "fail", reason)
    if rule.max is not None:
        ok = value <= rule.max or _close(value, rule.max)
        reason = "" if ok else f"{name} {as_text(value)} is above the maximum {as_text(rule.max)}"
        yield _Part(f"<= {as_text(rule.max)}", "pass" if ok else "fail", reason)


def _regressions(rule: GateRule, name: str, row: MetricRow, base: str) -> list[_Part]:
    if rule.max_regression is None and rule.max_regression_pct is None:
        return []
    if row.old_missing is not None:
        return [_no_baseline(rule, row, base)]
    if _real(row.old) is None or row.change is None or math.isnan(row.change):
        reason = (
            f"{name} cannot be compared with {base}: {as_text(row.old)} -> {as_text(row.new)} "
            "is not a change in numbers"
        )
        return [_Part(f"comparable with {base}", "fail", reason)]
    worse = _worse_by(row)
    parts = []
    if rule.max_regression is not None:
        parts.append(_absolute(rule.max_regression, name, row, worse, base))
    if rule.max_regression_pct is not None:
        parts.append(_relative(rule.max_regression_pct, name, row, worse, base))
    return parts


def _no_baseline(rule: GateRule, row: MetricRow, base: str) -> _Part:
    note = _side_note(row, "old")
    why = note if note.startswith("no baseline") else f"no baseline: {note}"
    return _Part(
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


def _absolute(limit: float, name: str, row: MetricRow, worse: float, base: str) -> _Part:
    old = row.old
    assert isinstance(old, (int, float))
    sign = "-" if row.direction == "higher" else "+"
    relation = ">=" if row.direction == "higher" else "<="
    bound = old - limit if row.direction == "higher" else old + limit
    threshold = f"{relation} {as_text(bound)} ({base} {as_text(old)} {sign} {as_text(limit)})"
    if worse <= limit or _close(worse, limit):
        return _Part(threshold, "pass", "")
    reason = (
        f"{name} {as_text(row.new)} is {as_text(worse)} worse than {base}'s {as_text(old)} "
        f"(at most {as_text(limit)} allowed)"
    )
    return _Part(threshold, "fail", reason)


def _relative(pct: float, name: str, row: MetricRow, worse: float, base: str) -> _Part:
    old = row.old
    assert isinstance(old, (int, float))
    relation = ">=" if row.direction == "higher" else "<="
    if old == 0:
        # A percentage of 0 is 0: the only change allowed is none (or for the better).
        threshold = f"{relation} 0 ({base} 0: no regression in percent of 0)"
        if worse <= 0:
            return _Part(threshold, "pass", "")
        reason = (
            f"{name} {as_text(row.new)} is worse than {base}'s 0, an infinitely large "
            "regression in percent (use max_regression for a metric that can be 0)"
        )
        return _Part(threshold, "fail", reason)
    allowed = abs(old) * pct / 100
    bound = old - allowed if row.direction == "higher" else old + allowed
    sign = "-" if row.direction == "higher" else "+"
    threshold = f"{relation} {as_text(bound)} ({base} {as_text(old)} {sign} {as_text(pct)}%)"
    if worse <= allowed or _close(worse, allowed):
        return _Part(threshold, "pass", "")
    reason = (
        f"{name} {as_text(row.new)} is {as_text(worse / abs(old) * 100)}% worse than {base}'s "
        f"{as_text(old)} (at most {as_text(pct)}% allowed)"
    )
    return _Part(threshold, "fail", reason)


def _real(value: Value | None) -> float | None:
    """The value as a number to compare with limits; None for text, booleans, NaN and ±inf."""
    if not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        return None
    assert isinstance(value, (int, float))
    return float(value)


def _close(first: float, second: float) -> bool:
    return math.isclose(first, second, rel_tol=1e-9, abs_tol=1e-12)


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


def check_reproduced(
    committed: Snapshot,
    reproduced: Snapshot,
    spec: SpecLike | None,
    pending: Mapping[str, str],
) -> ReproducedCheck:
    """Whether the commit's recorded results are what its code, data and params give.

    `committed` is the commit CI checked out (its dvc.lock and metrics as committed),
    `reproduced` the workspace after `dvc repro`, and `pending` the stages `dvc status` says
    are still out of date there (see `pending_stages`). Compared, stage by stage of dvc.lock:
    the command, the params, and the md5 of each dependency that no stage writes (code, data).
    Outputs, and dependencies that are outputs of another stage, are not compared: a model
    (a pickle, a skops zip) is rarely byte-identical between two runs of the same code, and
    what it is worth shows in the metrics, which are compared instead: each metric mlci.yaml
    declares, committed against reproduced, equal within its tolerance. Undeclared keys of
    metrics files (timings, counts) are not. `pending` guards against a workspace that was
    never reproduced, whose dvc.lock is the committed one and would match it trivially.
    """
    shown = committed.label
    if not committed.has_pipeline:
        return ReproducedCheck(shown, (f"{shown} has no dvc.yaml: there is no pipeline",))
    if not committed.has_lock:
        problem = f"{shown} has no committed dvc.lock: run `mlci run` and commit dvc.lock"
        return ReproducedCheck(shown, (problem,))
    if not reproduced.has_lock:
        problem = "the workspace has no dvc.lock: run `dvc repro` before `mlci gate`"
        return ReproducedCheck(shown, (problem,))
    not_run = [
        f"stage {stage!r} is out of date in the workspace ({why}): run `dvc repro` first"
        for stage, why in pending.items()
    ]
    stage_differences = list(_stage_differences(committed, reproduced))
    metric_differences, unverified, compared = _metric_differences(committed, reproduced, spec)
    return ReproducedCheck(
        shown,
        (*not_run, *stage_differences, *metric_differences),
        tuple(unverified),
        stages=len(reproduced.stages),
        metrics=compared,
    )


def _stage_differences(committed: Snapshot, reproduced: Snapshot) -> Iterator[str]:
    produced = _produced(committed) | _produced(reproduced)
    shown = committed.label
    for name, new in reproduced.stages.items():
        old = committed.stages.get(name)
        if old is None:
            yield f"stage {name!r} is not in {shown}'s dvc.lock: it was never reproduced there"
            continue
        for difference in _input_differences(old, new, produced):
            yield f"stage {name!r}: {difference}"
    for name in committed.stages:
        if name not in reproduced.stages:
            yield f"stage {name!r} is in {shown}'s dvc.lock but was not reproduced"


def _produced(snapshot: Snapshot) -> set[str]:
    """Paths written by the pipeline's stages (not data tracked by a .dvc file)."""
    return {path for path, info in snapshot.outputs.items() if info.stage in snapshot.stages}


def _is_produced(path: str, produced: set[str]) -> bool:
    return any(path == out or path.startswith(out + "/") for out in produced)


def _input_differences(old: StageInputs, new: StageInputs, produced: set[str]) -> Iterator[str]:
    if old.cmd != new.cmd:
        yield f"command {old.cmd!r} committed, {new.cmd!r} reproduced"
    compared = [p for p in sorted({*old.deps, *new.deps}) if not _is_produced(p, produced)]
    for path in compared:
        was, now = old.deps.get(path), new.deps.get(path)
        if was != now:
            yield f"dependency {path}: {_md5(was)} committed, {_md5(now)} reproduced"
    for file in sorted({*old.params, *new.params}):
        was_values, now_values = old.params.get(file, {}), new.params.get(file, {})
        for key in sorted({*was_values, *now_values}):
            was_value, now_value = was_values.get(key, _ABSENT), now_values.get(key, _ABSENT)
            if was_value != now_value or type(was_value) is not type(now_value):
                yield (
                    f"param {file}:{key}: {_param(was_value)} committed, "
                    f"{_param(now_value)} reproduced"
                )


_ABSENT: Any = object()


def _md5(value: str | None) -> str:
    return "absent" if value is None else f"md5 {value[:8]}"


def _param(value: object) -> str:
    return "absent" if value is _ABSENT else as_text(value)


def _metric_differences(
    committed: Snapshot, reproduced: Snapshot, spec: SpecLike | None
) -> tuple[list[str], list[str], int]:
    """Declared metrics that differ, those that could not be compared, how many were."""
    differences: list[str] = []
    unverified: list[str] = []
    compared = 0
    shown = committed.label
    for row in compare_metrics(committed, reproduced, spec):
        if row.name is None or (row.old_missing and row.new_missing):
            continue  # undeclared, or on neither side (the metric's own rules say so)
        if row.old_missing in _UNREAD:
            unverified.append(f"metric {row.name}: {_side_note(row, 'old')}")
            continue
        compared += 1
        if row.old_missing is not None:
            differences.append(
                f"metric {row.name}: not committed at {shown}, reproduced {as_text(row.new)} "
                "(commit dvc.lock and the metrics files `dvc repro` wrote)"
            )
        elif row.new_missing is not None:
            differences.append(
                f"metric {row.name}: committed {as_text(row.old)}, not in the reproduction "
                f"({_side_note(row, 'new')})"
            )
        elif not _same(row):
            differences.append(
                f"metric {row.name}: committed {as_text(row.old)}, reproduced {as_text(row.new)}"
            )
    return differences, unverified, compared


def _same(row: MetricRow) -> bool:
    if row.verdict == "unchanged":
        return True
    both_nan = [isinstance(v, float) and math.isnan(v) for v in (row.old, row.new)]
    return all(both_nan)  # NaN reproduced as NaN is reproduced, though NaN != NaN
