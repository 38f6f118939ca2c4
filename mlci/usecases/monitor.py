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
from mlci.serving.prediction_log import PREDICTION, LoggedRows, default_log_folder, read_log
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
    notes: tuple[str, ...] = ()
    """What else the reader should know: rows left out, a weaker reference."""

    @property
    def worse(self) -> list[str]:
        """The metrics whose interval is wholly worse than at deploy time."""
        found = self.performance.metrics.values() if self.performance is not None else ()
        return [m.name for m in found if m.verdict == "worse"]

    @property
    def breached(self) -> bool:
        return self.check.breached or bool(self.worse)

    @property
    def judged(self) -> bool:
        """The window held enough data to pass or breach; else nothing can be said (a
        server that stopped logging looks like this), and the issue is left as it is."""
        return (
            self.breached
            or self.check.dataset_drift is not None
            or bool(self.performance and self.performance.metrics)
        )


def monitor(
    root: Path,
    spec: Spec,
    *,
    stage: str | None,
    current: Path | None,
    reference: Path | None,
    environ: dict[str, str],
    version: str | None = None,
) -> MonitorReport:
    """Check `version` (default: the one the registry holds in the stage)."""
    from mlci.serving.model import load_package
    from mlci.serving.package import build_package

    settings = spec.monitoring()
    stage = stage or spec.monitored_stage()
    if stage not in spec.deploy.stages:
        raise UsageError(f"{stage!r} is not one of deploy.stages ({', '.join(spec.deploy.stages)})")
    version, commit = _monitored_version(root, spec, stage, version)
    with tempfile.TemporaryDirectory(prefix="mlci-monitor-") as scratch:
        package = Path(scratch) / "package"
        build_package(root, spec, version, package)
        model = load_package(package)
    features: list[tuple[str, Kind]] = [
        (c["name"], "numeric" if c["type"] == "number" else "categorical") for c in model.columns
    ]
    text = [name for name, kind in features if kind == "categorical"]
    reference_frame, reference_words = _reference(root, spec, commit, reference, text)
    window, current_words, logged = _current(root, spec, stage, current, version, environ, text)
    notes = [
        f"{rows:,} rows of the log were predicted by {other}, not {version}, and are left out"
        for other, rows in sorted(logged.other_versions.items())
    ]
    if PREDICTION not in window.columns:
        window = _with_predictions(window, model)
    held_out = _evaluation_predictions(root, spec, commit)
    if isinstance(held_out, str):
        # No held-out predictions: the model's on its training rows, which an overfit model
        # predicts better than it predicts new rows.
        reference_frame = _with_predictions(reference_frame, model)
        reference_predictions = None
        notes.append(f"the predictions' reference is the training rows ({held_out})")
    else:
        reference_predictions = _prediction_series(held_out)
    check = check_drift(
        reference_frame,
        window,
        features,
        settings,
        prediction=(
            PREDICTION,
            "categorical" if spec.problem.task == "classification" else "numeric",
        ),
        reference_predictions=reference_predictions,
    )
    performance, note = _performance(spec, held_out, window)
    return MonitorReport(
        model=spec.deploy.model,
        version=version,
        stage=stage,
        commit=commit,
        reference=reference_words,
        current=current_words,
        skipped=logged.skipped,
        check=check,
        performance=performance,
        performance_note=note,
        notes=tuple(notes),
    )


def _monitored_version(root: Path, spec: Spec, stage: str, version: str | None) -> tuple[str, str]:
    """(version, commit): the one given, else the one the registry holds in the stage."""
    from mlci.registry.state import read_registry

    artifact = read_registry(root).artifacts.get(spec.deploy.model)
    if version is not None:
        found = artifact.version(version) if artifact is not None else None
        if found is None or found.registered is None:
            raise UsageError(f"{spec.deploy.model} has no registered version {version}")
        return found.version, found.commit
    holder = artifact.stages.get(stage) if artifact is not None else None
    if holder is None:
        raise UsageError(f"no version of {spec.deploy.model} is in {stage}: nothing to monitor")
    return holder.version, holder.commit


def _evaluation_predictions(root: Path, spec: Spec, commit: str) -> Predictions | str:
    """The version's own held-out predictions (evaluation.predictions at its commit)."""
    from mlci.gitbatch import GitObjects
    from mlci.revision.snapshot import RevisionReader
    from mlci.scoring.predictions import PredictionsError, read_predictions

    evaluation = spec.evaluation
    if evaluation is None:
        return "mlci.yaml has no evaluation: section (the deploy-time predictions)"
    with GitObjects(root) as objects:
        content = RevisionReader(root, objects).output_content(commit, evaluation.predictions)
    if isinstance(content, str):
        return f"the deploy-time predictions: {content}"
    try:
        return read_predictions(evaluation.predictions, content, spec.problem.task)
    except PredictionsError as error:
        return str(error)


def _prediction_series(predictions: Predictions) -> pd.Series:
    import pandas as pd

    return pd.Series(list(predictions.predicted))


def _performance(
    spec: Spec, held_out: Predictions | str, window: pd.DataFrame
) -> tuple[PairedComparison | None, str]:
    """The metrics on the window's labelled rows against the version's own evaluation, each
    with the interval of the difference; or why not."""
    from mlci.scoring.independent import compare_independent
    from mlci.scoring.paired import Request, Settings

    target = spec.problem.target
    if target is None:
        return None, "mlci.yaml's problem names no target: there are no labels to score"
    if target not in window.columns or PREDICTION not in window.columns:
        return None, f"no labels in the window yet (no {target!r} column)"
    after = _labelled_predictions(window, target, spec.problem.task)
    if len(after) < spec.monitoring().min_rows:
        return None, f"{len(after)} labelled rows in the window: not enough data"
    if isinstance(held_out, str) or spec.evaluation is None:
        return None, str(held_out)
    evaluation = spec.evaluation
    requests = [
        Request(name, scorer, metric.direction)
        for name, metric in spec.metrics.items()
        if (scorer := spec.scorer_of(name)) is not None
    ]
    settings = Settings(evaluation.confidence, evaluation.resamples, evaluation.seed)
    positive = spec.problem.positive_class
    positive = None if positive is None else _label(positive)
    compared = compare_independent(
        held_out, after, requests, settings, task=spec.problem.task, positive=positive
    )
    return compared, ""


def _labelled_predictions(frame: pd.DataFrame, target: str, task: str) -> Predictions:
    """The window's rows whose label arrived (and reads as one), as predictions to score."""
    import numpy as np
    import pandas as pd

    from mlci.scoring.predictions import Predictions

    if task == "regression":
        actual = pd.to_numeric(frame[target], errors="coerce").to_numpy(dtype=float)
        predicted = pd.to_numeric(frame[PREDICTION], errors="coerce").to_numpy(dtype=float)
        keep = np.isfinite(actual) & np.isfinite(predicted)
        actual, predicted = actual[keep], predicted[keep]
    else:
        present = frame[frame[target].notna() & frame[PREDICTION].notna()]
        actual = np.array([_label(v) for v in present[target]], dtype=object)
        predicted = np.array([_label(v) for v in present[PREDICTION]], dtype=object)
    ids = tuple(f"window-{i}" for i in range(len(actual)))
    return Predictions("the current window", ids, actual, predicted, {})


def _label(value: object) -> str:
    """A class label as the evaluation's CSV writes it: 1.0 read back from a CSV is 1."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _reference(
    root: Path, spec: Spec, commit: str, given: Path | None, text: list[str]
) -> tuple[pd.DataFrame, str]:
    if given is not None:
        return _read_csv(given, text), str(given)
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
            where = f"{path} at {commit[:12]} (git)"
            return _parse_csv(io.BytesIO(committed), where, text), where
    return _read_csv(source, text), f"{path} at {commit[:12]} (DVC cache)"


def _current(
    root: Path,
    spec: Spec,
    stage: str,
    given: Path | None,
    version: str,
    environ: dict[str, str],
    text: list[str],
) -> tuple[pd.DataFrame, str, LoggedRows]:
    import pandas as pd

    settings = spec.monitoring()
    path = given or (root / settings.current if settings.current else None)
    if path is None:
        folders = [t for t in spec.deploy.targets.get(stage, ()) if isinstance(t, FolderTarget)]
        served = (root / folders[0].folder) / "current" if folders else Path("package")
        path = default_log_folder(served, spec.deploy.model, environ)
    if path.is_dir() or path.suffix == ".jsonl":
        logged = read_log(path, settings.window, version=version)
        return pd.DataFrame(logged.rows), f"the prediction log {path}", logged
    if not path.is_file():
        raise UsageError(f"the current window {path} does not exist (--current FILE)")
    frame = _read_csv(path, text).tail(settings.window).reset_index(drop=True)
    return frame, str(path), LoggedRows([], 0, {})


def _read_csv(path: Path, text: list[str]) -> pd.DataFrame:
    if path.stat().st_size > MAX_CSV_BYTES:
        raise UsageError(f"{path} is over {MAX_CSV_BYTES >> 30} GiB: give a smaller window")
    return _parse_csv(path, str(path), text)


def _parse_csv(source: Path | io.BytesIO, shown: str, text: list[str]) -> pd.DataFrame:
    """A CSV with the schema's text columns read as text: type inference would turn codes
    such as 007 into 7, or (with a blank cell) 1 into 1.0, and compare them as other
    categories than the log's strings."""
    import pandas as pd

    try:
        return pd.read_csv(source, dtype=dict.fromkeys(text, str))
    except (ValueError, UnicodeDecodeError, OSError) as error:
        raise UsageError(f"{shown} cannot be read as a CSV: {error}") from None


def _with_predictions(frame: pd.DataFrame, model: LoadedModel) -> pd.DataFrame:
    """The frame with the model's predictions, when it holds every feature."""
    names = [c["name"] for c in model.columns]
    if frame.empty or not set(names) <= set(frame.columns):
        return frame
    return frame.assign(**{PREDICTION: model.predict_frame(frame)})
