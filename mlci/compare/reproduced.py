"""The `check: reproduced` gate rule's evidence: whether a commit's dvc.lock and metrics are
what CI got by reproducing it (pure: no I/O). mlci.compare.gates turns it into a rule result."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mlci.compare.diff import UNREAD, MetricRow, SpecLike, compare_metrics
from mlci.dvc.metrics_file import as_text
from mlci.revision.snapshot import Snapshot, StageInputs


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
        if row.old_missing in UNREAD:
            unverified.append(f"metric {row.name}: {row.missing_note('old')}")
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
                f"({row.missing_note('new')})"
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
