"""`check: reproduced` on plain snapshots: what a reproduction must match, and what it need not.

The rule's verdicts and the end-to-end runs with real DVC are in tests/compare/test_gates.py."""

from __future__ import annotations

from typing import Any

import pytest

from mlci.compare.diff import DeclaredMetric, DeclaredMetrics
from mlci.compare.reproduced import ReproducedCheck, check_reproduced
from mlci.revision.snapshot import MetricsRead, OutputInfo, Snapshot, StageInputs

DECLARED = DeclaredMetrics(
    {
        "acc": DeclaredMetric("m.json", None, "higher"),
        "loss": DeclaredMetric("m.json", None, "lower", tolerance=0.001),
    }
)

CODE, NEW_CODE, MODEL, OTHER_MODEL = "a" * 32, "b" * 32, "c" * 32, "d" * 32


def pipeline(
    label: str,
    *,
    code: str = CODE,
    model: str = MODEL,
    lr: float = 0.1,
    cmd: str = "python train.py",
    metrics: MetricsRead | None = None,
    has_lock: bool = True,
) -> Snapshot:
    """train (code -> model) and evaluate (model -> m.json), as one dvc.lock records them."""
    stages = {
        "train": StageInputs("", cmd, {"train.py": code}, {"params.yaml": {"train.lr": lr}}),
        "evaluate": StageInputs("", "python evaluate.py", {"model.skops": model}, {}),
    }
    outputs = {"model.skops": OutputInfo(model, 100, None, "train")}
    read = metrics or MetricsRead("m.json", "found", {"acc": 0.9, "seconds": 12.5})
    return Snapshot(
        None, label, True, has_lock, {"m.json": read}, {}, outputs, stages if has_lock else {}
    )


def reproduce(committed: Snapshot, reproduced: Snapshot, **pending: str) -> ReproducedCheck:
    return check_reproduced(committed, reproduced, DECLARED, pending)


def test_reproduced_ignores_model_bytes_and_undeclared_metric_keys() -> None:
    again = MetricsRead("m.json", "found", {"acc": 0.9, "seconds": 14.1})
    check = reproduce(pipeline("HEAD"), pipeline("workspace", model=OTHER_MODEL, metrics=again))
    assert check == ReproducedCheck("HEAD", (), (), stages=2, metrics=1)


@pytest.mark.parametrize(
    ("changes", "difference"),
    [
        (
            {"code": NEW_CODE},
            "stage 'train': dependency train.py: md5 aaaaaaaa committed, md5 bbbbbbbb reproduced",
        ),
        ({"lr": 0.3}, "stage 'train': param params.yaml:train.lr: 0.1 committed, 0.3 reproduced"),
        (
            {"cmd": "python train.py --fast"},
            "stage 'train': command 'python train.py' committed, "
            "'python train.py --fast' reproduced",
        ),
        (
            {"metrics": MetricsRead("m.json", "found", {"acc": 0.85})},
            "metric acc: committed 0.9, reproduced 0.85",
        ),
        (
            {"metrics": MetricsRead("m.json", "absent", message="m.json is not in the workspace")},
            "metric acc: committed 0.9, not in the reproduction (not produced: workspace: "
            "m.json is not in the workspace)",
        ),
    ],
    ids=["code", "params", "command", "metric", "metric-not-produced"],
)
def test_reproduced_names_what_differs(changes: dict[str, Any], difference: str) -> None:
    check = reproduce(pipeline("HEAD"), pipeline("workspace", **changes))
    assert check.differences == (difference,)


def test_reproduced_metrics_within_their_tolerance_match() -> None:
    committed = pipeline("HEAD", metrics=MetricsRead("m.json", "found", {"loss": 0.2}))
    near = pipeline("workspace", metrics=MetricsRead("m.json", "found", {"loss": 0.2005}))
    assert reproduce(committed, near).differences == ()


def test_reproduced_needs_both_locks_and_an_up_to_date_workspace() -> None:
    assert reproduce(pipeline("HEAD", has_lock=False), pipeline("workspace")).differences == (
        "HEAD has no committed dvc.lock: run `mlci run` and commit dvc.lock",
    )
    (no_lock,) = reproduce(pipeline("HEAD"), pipeline("workspace", has_lock=False)).differences
    assert no_lock.startswith("the workspace has no dvc.lock: run `dvc repro`")
    (stale,) = reproduce(
        pipeline("HEAD"), pipeline("workspace"), train="command changed"
    ).differences
    assert stale == (
        "stage 'train' is out of date in the workspace (command changed): run `dvc repro` first"
    )


def test_reproduced_stages_on_one_side_only() -> None:
    committed, reproduced = pipeline("HEAD"), pipeline("workspace")
    extra = {**reproduced.stages, "report": StageInputs("", "python report.py", {}, {})}
    fewer = {"train": committed.stages["train"]}
    check = reproduce(
        Snapshot(None, "HEAD", True, True, committed.metrics, {}, committed.outputs, fewer),
        Snapshot(None, "workspace", True, True, reproduced.metrics, {}, {}, extra),
    )
    assert check.differences == (
        "stage 'evaluate' is not in HEAD's dvc.lock: it was never reproduced there",
        "stage 'report' is not in HEAD's dvc.lock: it was never reproduced there",
    )


def test_a_committed_metric_not_in_the_cache_is_unverified_not_different() -> None:
    gone = MetricsRead("m.json", "not-in-cache", message="m.json: md5 0bad is not in the cache")
    check = reproduce(pipeline("HEAD", metrics=gone), pipeline("workspace"))
    assert check.differences == ()
    assert check.unverified == (
        "metric acc: not-pushed: HEAD: m.json: md5 0bad is not in the cache",
    )
