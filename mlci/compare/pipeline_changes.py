"""What changed besides the metrics: params, outputs and stages, and a dvc.lock whose params
are stale (pure: no I/O). mlci.compare.diff puts them into one Comparison."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from mlci.revision.snapshot import OutputInfo, ParamValue, Snapshot, StageInputs


@dataclass(frozen=True)
class ParamChange:
    file: str
    key: str
    change: Literal["changed", "added", "removed"]
    old: ParamValue
    new: ParamValue


@dataclass(frozen=True)
class OutputChange:
    path: str
    change: Literal["modified", "added", "deleted"]
    old: OutputInfo | None
    new: OutputInfo | None


@dataclass(frozen=True)
class StageChange:
    stage: str
    change: Literal["changed", "added", "removed"]
    reasons: tuple[str, ...]


def compare_params(
    base: Mapping[str, Mapping[str, ParamValue]], target: Mapping[str, Mapping[str, ParamValue]]
) -> list[ParamChange]:
    changes: list[ParamChange] = []
    for file in sorted({*base, *target}):
        old, new = base.get(file, {}), target.get(file, {})
        for key in sorted({*old, *new}):
            if key not in old:
                changes.append(ParamChange(file, key, "added", None, new[key]))
            elif key not in new:
                changes.append(ParamChange(file, key, "removed", old[key], None))
            elif not same_param(old[key], new[key]):
                changes.append(ParamChange(file, key, "changed", old[key], new[key]))
    return changes


def same_param(old: ParamValue, new: ParamValue) -> bool:
    """Equal as `dvc params diff` compares params (`==`: 1 and 1.0 are the same; a list by
    its text, so [1] and [1.0] differ), with two exceptions. A boolean never equals a
    number: Python's `True == 1` would hide `flag: true` becoming `flag: 1`, which code that
    reads the flag sees. And NaN equals NaN: a param left at `.nan` is not changed."""
    if isinstance(old, bool) != isinstance(new, bool):
        return False
    if isinstance(old, list) or isinstance(new, list):
        return str(old) == str(new)  # DVC compares a list as its str()
    if isinstance(old, float) and isinstance(new, float) and math.isnan(old):
        return math.isnan(new)
    return old == new


def compare_outputs(
    base: Mapping[str, OutputInfo], target: Mapping[str, OutputInfo]
) -> list[OutputChange]:
    changes: list[OutputChange] = []
    for path in sorted({*base, *target}):
        old, new = base.get(path), target.get(path)
        if old is None:
            changes.append(OutputChange(path, "added", None, new))
        elif new is None:
            changes.append(OutputChange(path, "deleted", old, None))
        elif old.md5 != new.md5:
            changes.append(OutputChange(path, "modified", old, new))
    return changes


def compare_stages(base: Snapshot, target: Snapshot) -> list[StageChange]:
    """Stages whose recorded inputs differ: what had to run again to get the target."""
    changes: list[StageChange] = []
    for name, new in target.stages.items():
        old = base.stages.get(name)
        if old is None:
            why = "new stage" if base.has_lock else f"{base.label} has no dvc.lock"
            changes.append(StageChange(name, "added", (why,)))
        elif old.digest != new.digest:
            changes.append(StageChange(name, "changed", tuple(_stage_reasons(old, new))))
    gone = (
        f"not in {target.label}'s dvc.lock"
        if target.has_lock
        else f"{target.label} has no dvc.lock"
    )
    for name in base.stages:
        if name not in target.stages:
            changes.append(StageChange(name, "removed", (gone,)))
    return changes


def _stage_reasons(old: StageInputs, new: StageInputs) -> Iterable[str]:
    if old.cmd != new.cmd:
        yield "command changed"
    deps = sorted(p for p in {*old.deps, *new.deps} if old.deps.get(p) != new.deps.get(p))
    if deps:
        yield "deps: " + ", ".join(deps)
    params = [
        f"{file}:{key}" if file != "params.yaml" else key
        for file in sorted({*old.params, *new.params})
        for key in sorted({*old.params.get(file, {}), *new.params.get(file, {})})
        if old.params.get(file, {}).get(key, _ABSENT) != new.params.get(file, {}).get(key, _ABSENT)
    ]
    if params:
        yield "params: " + ", ".join(params)


_ABSENT = object()


def stale_lock_notes(snapshot: Snapshot) -> list[str]:
    """Stages whose dvc.lock params differ from the params files: their outputs are older."""
    notes = []
    for name, stage in snapshot.stages.items():
        stale = [
            f"{key} ({value!r} in dvc.lock, {current.get(key, 'absent')!r} in {file})"
            for file, values in stage.params.items()
            if (current := snapshot.params.get(file)) is not None
            for key, value in values.items()
            if current.get(key, _ABSENT) != value
        ]
        if stale:
            notes.append(
                f"{snapshot.label}: stage {name!r} last ran with other params than its params "
                f"files hold now: {'; '.join(stale)}. Its outputs and metrics predate that "
                "change: run `mlci run` and commit dvc.lock"
            )
    return notes
