"""Compare two snapshots: metrics with verdicts, params, outputs, stages (pure: no I/O).

Every metric row says, in plain words, why a side has no value; none is ever left as a bare
"-". The verdicts, from the row's point of view:

    improved / regressed   both sides have numbers; the change is beyond the tolerance,
                           for the better or the worse in the spec's direction
    unchanged              equal (within the tolerance for a declared metric)
    no-direction           changed, but mlci.yaml does not say which way is better
    not-a-number           a declared metric whose values are not (finite) numbers
    no-baseline            the base cannot give a value: no pipeline there, no metrics files,
                           or a declared metrics file that was never committed
    new                    the base's pipeline did not have this metric (a new key or file)
    removed                the target no longer has it
    not-produced           the target declares the file but it is not there (not reproduced)
    not-pushed             a DVC-cached metrics file whose object is not in the local cache
    unreadable             a metrics file that cannot be parsed
    missing                declared in mlci.yaml but on neither side
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from mlci.compare.pipeline_changes import (
    OutputChange,
    ParamChange,
    StageChange,
    compare_outputs,
    compare_params,
    compare_stages,
    stale_lock_notes,
)
from mlci.dvc.metrics_file import Value, is_number
from mlci.revision.snapshot import MetricsRead, Snapshot
from mlci.spec.paths import normalise

if TYPE_CHECKING:  # the scorer needs numpy: loaded only when rows are compared
    from mlci.compare.same_rows import SameRows

Verdict = Literal[
    "improved",
    "regressed",
    "unchanged",
    "no-direction",
    "not-a-number",
    "no-baseline",
    "new",
    "removed",
    "not-produced",
    "not-pushed",
    "unreadable",
    "missing",
]
# A side whose metric is there but cannot be read, as opposed to one that lacks it.
UNREAD: frozenset[Verdict] = frozenset({"not-pushed", "unreadable"})
Side = Literal["base", "target"]
BaselineState = Literal[
    "ok", "no-pipeline", "no-metrics", "not-recorded", "not-pushed", "unreadable"
]


class MetricLike(Protocol):
    """What a comparison needs of a declared metric (mlci.spec.model.Metric has it)."""

    @property
    def file(self) -> str: ...
    @property
    def key(self) -> str | None: ...
    @property
    def direction(self) -> str: ...
    @property
    def tolerance(self) -> float: ...


class SpecLike(Protocol):
    """What a comparison needs of the spec (mlci.spec.model.Spec has it)."""

    @property
    def metrics(self) -> Mapping[str, MetricLike]: ...


@dataclass(frozen=True)
class DeclaredMetric:
    """A metric of mlci.yaml as plain data, for callers that do not load the whole spec."""

    file: str
    key: str | None
    direction: str
    tolerance: float = 0.0


@dataclass(frozen=True)
class DeclaredMetrics:
    metrics: Mapping[str, DeclaredMetric]


@dataclass(frozen=True)
class MetricRow:
    """One metric key of one file, compared."""

    file: str
    key: str
    """Dotted key; "" for a file holding one bare value (DVC's key for it), and for a file
    none of whose keys could be read on either side."""
    name: str | None
    """The metric's name in mlci.yaml; None for a metric the spec does not declare."""
    direction: str | None
    tolerance: float
    old: Value | None
    new: Value | None
    change: float | None
    """new - old when both are numbers, computed as DVC computes its `diff`; None for
    booleans, which DVC subtracts too (true -> false is -1)."""
    relative: float | None
    """change / |old|; None when old is 0 or not a number."""
    verdict: Verdict
    old_missing: Verdict | None
    """Why the base has no value (None when it has one); likewise `new_missing`."""
    new_missing: Verdict | None
    notes: tuple[str, ...]
    """Why a side has no value, and where a value came from when that needs saying."""

    def missing_note(self, side: Literal["old", "new"]) -> str:
        """The diff's words for why one side has no value."""
        # The notes list the base's reason first, then the target's (see _row).
        missing = [m for m in (self.old_missing, self.new_missing) if m is not None]
        index = 0 if side == "old" or len(missing) == 1 else 1
        if index < len(self.notes):
            return self.notes[index]
        verdict = self.old_missing if side == "old" else self.new_missing
        return str(verdict)


@dataclass(frozen=True)
class Baseline:
    """Whether the base has any metrics to compare with, and if not, why."""

    state: BaselineState
    message: str


@dataclass(frozen=True)
class SideInfo:
    label: str
    revision: str | None
    has_pipeline: bool
    has_lock: bool
    files: Mapping[str, MetricsRead]
    """Each metrics file as read at that side: where from, or why not."""


@dataclass(frozen=True)
class Comparison:
    base: SideInfo
    target: SideInfo
    baseline: Baseline
    metrics: tuple[MetricRow, ...]
    params: tuple[ParamChange, ...]
    outputs: tuple[OutputChange, ...]
    stages: tuple[StageChange, ...]
    notes: tuple[str, ...]
    """Things worth knowing that belong to no row: a stale dvc.lock, unread templates."""
    same_rows: SameRows | None = None
    """The two sides on the same rows, with intervals; None without `evaluation:`."""


def compare(base: Snapshot, target: Snapshot, spec: SpecLike | None = None) -> Comparison:
    """What changed from `base` to `target`; `spec` gives metric names and directions."""
    return Comparison(
        base=_side(base),
        target=_side(target),
        baseline=baseline(base),
        metrics=tuple(compare_metrics(base, target, spec)),
        params=tuple(compare_params(base.params, target.params)),
        outputs=tuple(compare_outputs(base.outputs, target.outputs)),
        stages=tuple(compare_stages(base, target)),
        notes=(
            *(f"{base.label}: {note}" for note in base.notes),
            *(f"{target.label}: {note}" for note in target.notes),
            *stale_lock_notes(base),
            *stale_lock_notes(target),
        ),
    )


def _side(snapshot: Snapshot) -> SideInfo:
    return SideInfo(
        snapshot.label,
        snapshot.revision,
        snapshot.has_pipeline,
        snapshot.has_lock,
        snapshot.metrics,
    )


# --- the baseline ------------------------------------------------------------------------------


def baseline(base: Snapshot) -> Baseline:
    label = base.label
    if not base.has_pipeline:
        return Baseline("no-pipeline", f"no baseline: {label} has no pipeline (no dvc.yaml)")
    if any(read.state == "found" for read in base.metrics.values()):
        return Baseline("ok", "")
    declared = [read for read in base.metrics.values() if read.declared]
    states = {read.state for read in declared}
    if not declared:
        return Baseline("no-metrics", f"no baseline: {label}'s dvc.yaml declares no metrics files")
    if "not-in-cache" in states:
        return Baseline(
            "not-pushed",
            f"no baseline: {label}'s metrics are DVC outputs missing from the local cache "
            "(never pushed, or not pulled): run `dvc pull`, or `dvc push` where it was reproduced",
        )
    if "unreadable" in states:
        return Baseline("unreadable", f"no baseline: {label}'s metrics files cannot be read")
    return Baseline(
        "not-recorded",
        f"no baseline: {label} declares metrics files but none was ever committed "
        "(reproduce that revision and commit dvc.lock and the metrics)",
    )


# --- metrics -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    name: str
    direction: str
    tolerance: float


@dataclass(frozen=True)
class _Missing:
    """Why one side has no value for a row."""

    verdict: Verdict
    note: str


def compare_metrics(
    base: Snapshot, target: Snapshot, spec: SpecLike | None = None
) -> list[MetricRow]:
    """Declared metrics first (in spec order), then every other key, by file and key."""
    rules = _rules(spec)
    keys: dict[tuple[str, str], None] = dict.fromkeys(rules)
    for file in sorted({*base.metrics, *target.metrics}):
        found = sorted({*_values(base.metrics.get(file)), *_values(target.metrics.get(file))})
        declared = [key for (f, key) in rules if f == file]
        keys.update(dict.fromkeys((file, key) for key in found))
        if not found and not declared:
            keys[file, ""] = None  # no key readable on either side: one row for the file
    return [_row(file, key, rules.get((file, key)), base, target) for file, key in keys]


def _rules(spec: SpecLike | None) -> dict[tuple[str, str], _Rule]:
    rules: dict[tuple[str, str], _Rule] = {}
    for name, metric in (spec.metrics if spec is not None else {}).items():
        file = normalise(".", metric.file) or metric.file
        rules[file, metric.key or name] = _Rule(name, metric.direction, metric.tolerance)
    return rules


def _values(read: MetricsRead | None) -> Mapping[str, Value]:
    return read.values if read is not None and read.state == "found" else {}


def _row(file: str, key: str, rule: _Rule | None, base: Snapshot, target: Snapshot) -> MetricRow:
    old, old_missing = _side_value(base, file, key, "base")
    new, new_missing = _side_value(target, file, key, "target")
    missing = [m for m in (old_missing, new_missing) if m is not None]
    change = relative = None
    if missing:
        verdict = _worst(old_missing, new_missing, declared=rule is not None)
    else:
        change, relative = _change(old, new)
        verdict = _verdict(old, new, change, rule)
    return MetricRow(
        file=file,
        key=key,
        name=rule.name if rule else None,
        direction=rule.direction if rule else None,
        tolerance=rule.tolerance if rule else 0.0,
        old=old,
        new=new,
        change=change,
        relative=relative,
        verdict=verdict,
        old_missing=old_missing.verdict if old_missing else None,
        new_missing=new_missing.verdict if new_missing else None,
        notes=(*(m.note for m in missing), *_undeclared_notes(file, base, target)),
    )


def _undeclared_notes(file: str, *snapshots: Snapshot) -> list[str]:
    """Say when a value comes from a file that side's dvc.yaml does not declare as metrics."""
    return [
        f"{s.label}'s dvc.yaml does not declare {file} as metrics; read it anyway ({read.source})"
        for s in snapshots
        if (read := s.metrics.get(file)) is not None and read.state == "found" and not read.declared
    ]


def _side_value(
    snapshot: Snapshot, file: str, key: str, side: Side
) -> tuple[Value | None, _Missing | None]:
    read = snapshot.metrics.get(file)
    if read is not None and read.state == "found" and key in read.values:
        return read.values[key], None
    return None, _why_missing(snapshot, read, file, key, side)


def _why_missing(
    snapshot: Snapshot, read: MetricsRead | None, file: str, key: str, side: Side
) -> _Missing:
    label, is_base = snapshot.label, side == "base"
    if not snapshot.has_pipeline:
        if is_base:
            return _Missing("no-baseline", baseline(snapshot).message)
        return _Missing("removed", f"removed: {label} has no pipeline (no dvc.yaml)")
    if read is None or (read.state == "absent" and not read.declared):
        if is_base and (summary := baseline(snapshot)).state != "ok":
            return _Missing("no-baseline", summary.message)  # the base has no metrics at all
        if is_base:
            return _Missing("new", f"new metrics file: {file} does not exist at {label}")
        return _Missing("removed", f"removed: {label} no longer has {file}")
    if read.state in ("not-in-cache", "unreadable"):
        verdict: Verdict = "not-pushed" if read.state == "not-in-cache" else "unreadable"
        return _Missing(verdict, f"{verdict}: {label}: {read.message}")
    if read.state == "found":  # the file is there, without this key
        if is_base:
            return _Missing("new", f"new metric: {label}'s {file} has no key {key!r}")
        return _Missing("removed", f"removed: {label}'s {file} has no key {key!r}")
    # Declared by that side's dvc.yaml, yet not there.
    if is_base:
        return _Missing("no-baseline", f"no baseline: {label}: {read.message}")
    return _Missing("not-produced", f"not produced: {label}: {read.message}")


# Which verdict a row takes when a side has no value: a problem to fix before one to read.
_PRIORITY: tuple[Verdict, ...] = (
    "unreadable",
    "not-pushed",
    "not-produced",
    "missing",
    "removed",
    "no-baseline",
    "new",
)


def _worst(old: _Missing | None, new: _Missing | None, *, declared: bool) -> Verdict:
    # A declared metric that neither side has is missing, whatever the base's reason.
    both_lack = old is not None and old.verdict in ("new", "no-baseline")
    if declared and both_lack and new is not None and new.verdict == "removed":
        return "missing"
    present = {m.verdict for m in (old, new) if m is not None}
    return next(v for v in _PRIORITY if v in present)


def _change(old: Value | None, new: Value | None) -> tuple[float | None, float | None]:
    # Booleans get no change, where DVC subtracts them (true -> false is -1): a flag that
    # flips is not a quantity that fell by one. A deliberate difference (README, `mlci diff`).
    if not (is_number(old) and is_number(new)):
        return None, None
    assert isinstance(old, (int, float)) and isinstance(new, (int, float))
    change = new - old  # exactly DVC's `diff`
    relative = change / abs(old) if old != 0 and math.isfinite(old) else None
    return change, relative


def _verdict(
    old: Value | None, new: Value | None, change: float | None, rule: _Rule | None
) -> Verdict:
    if change is None:
        if old == new:
            return "unchanged"
        return "not-a-number" if rule is not None else "no-direction"
    if rule is None:
        return "unchanged" if change == 0 else "no-direction"
    if not all(math.isfinite(v) for v in (old, new, change)):  # type: ignore[arg-type]
        # NaN or an infinity on a side: no evaluation honestly got better by infinitely much.
        return "not-a-number"
    if abs(change) <= rule.tolerance:
        return "unchanged"
    better = change > 0 if rule.direction == "higher" else change < 0
    return "improved" if better else "regressed"
