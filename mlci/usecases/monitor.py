"""`mlci monitor`: the version deployed in a stage, its current data against its reference.

The version is the one the registry says holds the stage. Its package gives the features
(the input schema learnt at training) and the model; its reference is the data it learnt
from, read at the version's commit from the DVC cache (or git); the current window is the
newest rows of the prediction log `mlci serve` writes, or of a CSV. The model predicts the
reference (and a window without logged predictions), so the predictions drift is checked
too.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlci.errors import UsageError
from mlci.monitor.check import DriftCheck, Kind, check_drift
from mlci.serving.prediction_log import PREDICTION, default_log_folder, read_log
from mlci.spec.model import FolderTarget, Spec

if TYPE_CHECKING:
    import pandas as pd

    from mlci.scoring.paired import PairedComparison
    from mlci.scoring.predictions import Predictions
    from mlci.serving.model import LoadedModel

# A CSV window read whole is bounded: a file larger than this is refused, not read.
MAX_CSV_BYTES = 2 << 30


@dataclass(frozen=True)
class MonitorReport:
    model: str
    version: str
    stage: str
    commit: str
    reference: str
    """Where the reference came from, in words."""
    current: str
    """Where the current window came from, in words."""
    skipped: int
    """Lines of the prediction log that were not a logged row."""
    check: DriftCheck
    performance: PairedComparison | None
    """The window's labelled rows against the deploy-time evaluation, metric by metric."""
    performance_note: str
    """Why there is no performance check (no labels yet, say), or ""."""

    @property
    def worse(self) -> list[str]:
        """The metrics whose interval is wholly worse than at deploy time."""
        found = self.performance.metrics.values() if self.performance is not None else ()
        return [m.name for m in found if m.verdict == "worse"]

    @property
    def breached(self) -> bool:
        return self.check.breached or bool(self.worse)


def monitor(
    root: Path,
    spec: Spec,
    *,
    stage: str | None,
    current: Path | None,
    reference: Path | None,
    environ: dict[str, str],
) -> MonitorReport:
    from mlci.registry.state import read_registry
    from mlci.serving.model import load_package
    from mlci.serving.package import build_package

    settings = spec.monitoring()
    stage = stage or spec.monitored_stage()
    if stage not in spec.deploy.stages:
        raise UsageError(f"{stage!r} is not one of deploy.stages ({', '.join(spec.deploy.stages)})")
    artifact = read_registry(root).artifacts.get(spec.deploy.model)
    holder = artifact.stages.get(stage) if artifact is not None else None
    if holder is None:
        raise UsageError(f"no version of {spec.deploy.model} is in {stage}: nothing to monitor")
    with tempfile.TemporaryDirectory(prefix="mlci-monitor-") as scratch:
        package = Path(scratch) / "package"
        build_package(root, spec, holder.version, package)
        model = load_package(package)
    features: list[tuple[str, Kind]] = [
        (c["name"], "numeric" if c["type"] == "number" else "categorical") for c in model.columns
    ]
    reference_frame, reference_words = _reference(root, spec, holder.commit, reference)
    window, current_words, skipped = _current(root, spec, stage, current, model, environ)
    prediction_kind: Kind = (
        "categorical" if model.manifest.get("task") == "classification" else "numeric"
    )
    reference_frame = _with_predictions(reference_frame, model)
    if PREDICTION not in window.columns:
        window = _with_predictions(window, model)
    check = check_drift(
        reference_frame, window, features, settings, prediction=(PREDICTION, prediction_kind)
    )
    performance, note = _performance(root, spec, holder.commit, window)
    return MonitorReport(
        model=spec.deploy.model,
        version=holder.version,
        stage=stage,
        commit=holder.commit,
        reference=reference_words,
        current=current_words,
        skipped=skipped,
        check=check,
        performance=performance,
        performance_note=note,
    )


def _performance(
    root: Path, spec: Spec, commit: str, window: pd.DataFrame
) -> tuple[PairedComparison | None, str]:
    """The metrics on the window's labelled rows against the version's own evaluation, each
    with the interval of the difference; or why not."""
    from mlci.gitbatch import GitObjects
    from mlci.revision.snapshot import RevisionReader
    from mlci.scoring.independent import compare_independent
    from mlci.scoring.paired import Request, Settings
    from mlci.scoring.predictions import PredictionsError, read_predictions

    target = spec.problem.target
    if target is None:
        return None, "mlci.yaml's problem names no target: there are no labels to score"
    if target not in window.columns or PREDICTION not in window.columns:
        return None, f"no labels in the window yet (no {target!r} column)"
    labelled = window[window[target].notna()]
    if len(labelled) < spec.monitoring().min_rows:
        return None, f"{len(labelled)} labelled rows in the window: not enough data"
    evaluation = spec.evaluation
    if evaluation is None:
        return None, "mlci.yaml has no evaluation: section (the deploy-time predictions)"
    task = spec.problem.task
    with GitObjects(root) as objects:
        content = RevisionReader(root, objects).output_content(commit, evaluation.predictions)
    if isinstance(content, str):
        return None, f"the deploy-time predictions: {content}"
    try:
        before = read_predictions(evaluation.predictions, content, task)
    except PredictionsError as error:
        return None, str(error)
    after = _labelled_predictions(labelled, target, task)
    requests = [
        Request(name, scorer, metric.direction)
        for name, metric in spec.metrics.items()
        if (scorer := spec.scorer_of(name)) is not None
    ]
    settings = Settings(evaluation.confidence, evaluation.resamples, evaluation.seed)
    positive = spec.problem.positive_class
    positive = None if positive is None else _label(positive)
    compared = compare_independent(before, after, requests, settings, task=task, positive=positive)
    return compared, ""


def _labelled_predictions(frame: pd.DataFrame, target: str, task: str) -> Predictions:
    import numpy as np

    from mlci.scoring.predictions import Predictions

    ids = tuple(f"window-{i}" for i in range(len(frame)))
    if task == "regression":
        actual = frame[target].to_numpy(dtype=float)
        predicted = frame[PREDICTION].to_numpy(dtype=float)
    else:
        actual = np.array([_label(v) for v in frame[target]], dtype=object)
        predicted = np.array([_label(v) for v in frame[PREDICTION]], dtype=object)
    return Predictions("the current window", ids, actual, predicted, {})


def _label(value: object) -> str:
    """A class label as the evaluation's CSV writes it: 1.0 read back from a CSV is 1."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _reference(root: Path, spec: Spec, commit: str, given: Path | None) -> tuple[pd.DataFrame, str]:
    import pandas as pd

    if given is not None:
        return _read_csv(given), str(given)
    path = spec.monitoring().reference
    if path is None and spec.evaluation is not None and spec.evaluation.rescore is not None:
        path = spec.evaluation.rescore.training_data
    if path is None:
        raise UsageError(
            "no reference data: set monitor.reference in mlci.yaml, or pass --reference FILE"
        )
    from mlci.gitbatch import GitObjects
    from mlci.revision.snapshot import RevisionReader

    with GitObjects(root) as objects:
        reader = RevisionReader(root, objects)
        source = reader.object_file(commit, path)
        if isinstance(source, str):
            committed = reader.read_file(commit, path)  # a CSV kept in git, not by DVC
            if committed is None:
                raise UsageError(f"the reference {path} of commit {commit[:12]}: {source}")
            return pd.read_csv(io.BytesIO(committed)), f"{path} at {commit[:12]} (git)"
    return _read_csv(source), f"{path} at {commit[:12]} (DVC cache)"


def _current(
    root: Path,
    spec: Spec,
    stage: str,
    given: Path | None,
    model: LoadedModel,
    environ: dict[str, str],
) -> tuple[pd.DataFrame, str, int]:
    import pandas as pd

    settings = spec.monitoring()
    path = given or (root / settings.current if settings.current else None)
    if path is None:
        folders = [t for t in spec.deploy.targets.get(stage, ()) if isinstance(t, FolderTarget)]
        served = (root / folders[0].folder) / "current" if folders else Path("package")
        path = default_log_folder(served, spec.deploy.model, environ)
    if path.is_dir() or path.suffix == ".jsonl":
        logged = read_log(path, settings.window)
        frame = pd.DataFrame(logged.rows)
        return frame, f"the prediction log {path}", logged.skipped
    if not path.is_file():
        raise UsageError(f"the current window {path} does not exist (--current FILE)")
    frame = _read_csv(path).tail(settings.window).reset_index(drop=True)
    return frame, str(path), 0


def _read_csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    if path.stat().st_size > MAX_CSV_BYTES:
        raise UsageError(f"{path} is over {MAX_CSV_BYTES >> 30} GiB: give a smaller window")
    try:
        return pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, OSError) as error:
        raise UsageError(f"{path} cannot be read as a CSV: {error}") from None


def _with_predictions(frame: pd.DataFrame, model: LoadedModel) -> pd.DataFrame:
    """The frame with the model's predictions, when it holds every feature."""
    names = [c["name"] for c in model.columns]
    if frame.empty or not set(names) <= set(frame.columns):
        return frame
    return frame.assign(**{PREDICTION: model.predict_frame(frame)})
