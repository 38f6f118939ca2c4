"""Score the base's model on the change's evaluation rows, in a scratch folder.

When a change moves its evaluation rows (a new split, new data), the base's own predictions
cover other rows. This runs the change's evaluation once more with the base's model in
place of the change's: in a temporary folder outside the repository, holding copies of the
evaluating stage's inputs from the workspace and, for each file `evaluation.rescore.model`
names, the base's version from the DVC cache (or a local remote) by its dvc.lock md5. The
user's workspace is never written.

Rows the base's model was trained on would flatter it: the base's training rows (the row ids
of `evaluation.rescore.training_data` at the base, from the DVC cache) are left out, so the
comparison is on rows neither model saw.

The command is the change's own, as `mlci run` runs it in the same job: rescoring runs no code
a pull request's CI would not run anyway.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from mlci.files import ReadRefused, read_regular
from mlci.revision.model import Revision, where
from mlci.revision.snapshot import RevisionReader
from mlci.scoring.predictions import Predictions, PredictionsError, read_predictions
from mlci.spec.model import Spec
from mlci.spec.paths import normalise

# An evaluation that runs longer than this is stopped: the gate must end.
TIMEOUT_SECONDS = 30 * 60
# The last lines of a failed evaluation's output, quoted in the reason.
TAIL_LINES = 5


def rescore(
    root: Path, reader: RevisionReader, spec: Spec, base: Revision, task: str
) -> Predictions | str:
    """The base's model scored on the workspace's evaluation rows it did not train on; or, as
    text, why not.

    `spec` is the change's own: its evaluating stage and command produced the change's
    predictions, and now score the base's model the same way.
    """
    evaluation = spec.evaluation
    if evaluation is None or evaluation.rescore is None:
        return "mlci.yaml's evaluation has no `rescore:` (the model files to swap)"
    predictions = normalise(".", evaluation.predictions) or evaluation.predictions
    stage = _writer(spec, predictions)
    if stage is None:
        return f"no stage of mlci.yaml writes {predictions}"
    trained_on = _row_ids(reader, base, evaluation.rescore.training_data)
    if isinstance(trained_on, str):
        return trained_on
    with tempfile.TemporaryDirectory(prefix="mlci-rescore-") as scratch:
        folder = Path(scratch)
        try:
            problem = _copy_inputs(root, spec, stage, folder)
            problem = problem or _base_models(reader, base, evaluation.rescore.model, folder)
        except OSError as error:
            problem = f"the evaluation's inputs could not be copied: {error}"
        problem = problem or _run(spec, stage, folder)
        if problem:
            return problem
        try:
            found = read_regular(folder / predictions)
        except ReadRefused as error:
            return f"{predictions} written with {where(base)}'s model {error}"
        if found is None:
            return f"the evaluation with {where(base)}'s model wrote no {predictions}"
        try:
            scored = read_predictions(predictions, found, task)
        except PredictionsError as error:
            return str(error)
    held_out = np.array([row_id not in trained_on for row_id in scored.row_ids], dtype=bool)
    return _subset(scored, held_out)


def _writer(spec: Spec, path: str) -> str | None:
    for name, stage in spec.stages.items():
        written = (*stage.outs, *stage.metrics, *stage.plots)
        if any(normalise(stage.wdir, out.path) == path for out in written):
            return name
    return None


def _row_ids(reader: RevisionReader, base: Revision, path: str) -> set[str] | str:
    """The row ids of the base's training data: its `row_id` column."""
    source = reader.object_file(base, path)
    if isinstance(source, str):
        return source
    try:
        with source.open(newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            header = next(rows, [])
            if "row_id" not in header:
                return f"{where(base)}'s {path} has no row_id column: its rows are unknown"
            column = header.index("row_id")
            return {row[column] for row in rows if len(row) > column}
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return f"{where(base)}'s {path} cannot be read: {error}"


def _copy_inputs(root: Path, spec: Spec, stage: str, folder: Path) -> str:
    """Copy the stage's dependencies and the params files from the workspace."""
    definition = spec.stages[stage]
    paths = [normalise(definition.wdir, dep) for dep in definition.deps]
    for relative in [*paths, *(normalise(".", file) for file in spec.params)]:
        if relative is None:
            return f"stage {stage!r} depends on a path outside the repository"
        source, target = root / relative, folder / relative
        if not source.exists():
            return f"{relative} is not in the workspace: reproduce the change first"
        if not _inside(root, source):
            return f"{relative} leads outside the repository; it was not copied"
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
    return ""


def _inside(root: Path, path: Path) -> bool:
    real, top = path.resolve(), root.resolve()
    return real == top or top in real.parents


def _base_models(
    reader: RevisionReader, base: Revision, models: tuple[str, ...], folder: Path
) -> str:
    for path in models:
        source = reader.object_file(base, path)
        if isinstance(source, str):
            return source
        target = folder / (normalise(".", path) or path)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return ""


def _run(spec: Spec, stage: str, folder: Path) -> str:
    definition = spec.stages[stage]
    where_to = folder / definition.wdir
    for command in definition.cmd:
        try:
            done = subprocess.run(
                command,
                shell=True,  # as DVC runs a stage's command
                cwd=where_to,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            return f"the evaluation with the base's model ran over {TIMEOUT_SECONDS // 60} minutes"
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-TAIL_LINES:]
            return (
                f"stage {stage!r} failed with the base's model (exit {done.returncode}): "
                + " | ".join(tail)
            )
    return ""


def _subset(predictions: Predictions, keep: np.ndarray) -> Predictions:
    return replace(
        predictions,
        row_ids=tuple(r for r, k in zip(predictions.row_ids, keep, strict=True) if k),
        actual=predictions.actual[keep],
        predicted=predictions.predicted[keep],
        proba={label: values[keep] for label, values in predictions.proba.items()},
    )
