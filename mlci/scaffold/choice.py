"""What a new project will be, decided before anything is written.

The options given on the command line, the questions asked for the rest, the data's place
in the repository and the remote: all settled first, so that a wrong answer leaves the
folder exactly as it was.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci import git
from mlci.errors import UsageError
from mlci.scaffold.classes import Classes, Label, decide_classes
from mlci.scaffold.data import (
    check_target,
    infer_task,
    label_counts,
    read_columns,
    read_sample,
    read_target,
)
from mlci.scaffold.examples import DEFAULT_EXAMPLE, EXAMPLES, TARGET, example_named
from mlci.scaffold.features import FeatureRoles, decide_features
from mlci.scaffold.remote import RemotePlan, plan_remote

Ask = Callable[[str, str], str]
RAW_DATA = "data/raw.csv"


@dataclass(frozen=True)
class InitOptions:
    """What `mlci init` was asked to do; what it was not told, it asks or defaults."""

    directory: Path
    example: str | None = None
    data: Path | None = None
    target: str | None = None
    task: str | None = None
    positive_class: str | None = None
    """The label precision, recall and F1 are about; default: the rarer of two classes."""
    remote: str | None = None
    commit: bool = False
    assume_yes: bool = False
    """`--yes`: take the defaults, and consent to what needs consent (saying what it did)."""
    ask: Ask = lambda question, default: default


@dataclass(frozen=True)
class Choice:
    """A new project, decided: what `mlci init` will write, before it writes anything."""

    context: dict[str, Any]
    remote: RemotePlan
    example: str | None = None
    data: DataPlan | None = None


@dataclass(frozen=True)
class DataPlan:
    source: Path
    inside: str
    """The CSV's path in the repository."""
    untrack_from_git: bool = False
    """It is committed to git: DVC's remedy (`git rm --cached`) runs before `dvc add`."""


def choose(root: Path, options: InitOptions) -> Choice:
    example, data = options.example, options.data
    if example and data:
        raise UsageError("give either --example or --data, not both")
    if example is None and data is None:
        answer = options.ask(
            "Data: a CSV file, or an example (" + ", ".join(EXAMPLES) + ")", DEFAULT_EXAMPLE
        )
        example, data = (answer, None) if answer in EXAMPLES else (None, Path(answer))
    if example is not None:
        context, remote = _example_context(root, example, options)
        return Choice(context, remote, example=example)
    assert data is not None
    plan = _plan_data(root, data, options)
    context, remote = _data_context(root, plan, options)
    return Choice(context, remote, data=plan)


def _example_context(
    root: Path, name: str, options: InitOptions
) -> tuple[dict[str, Any], RemotePlan]:
    example = example_named(name)
    if options.task and options.task != example.task:
        raise UsageError(f"the example {name!r} is a {example.task} problem, not {options.task}")
    notes: list[str] = []
    classes = _classes(example.classes, example.task, options.positive_class, notes)
    context = _context(
        example=name,
        raw_data=RAW_DATA,
        target=TARGET,
        task=example.task,
        description=f"Learn {name.replace('_', ' ')} from the dataset scikit-learn ships.",
        features=example.features,
        features_source=f"the {name} dataset's columns, all numbers",
        classes=classes,
        notes=notes,
    )
    # The example's data comes from a stage, so any runner rebuilds it: no remote question.
    return context, plan_remote(options.remote, root)


def _data_context(
    root: Path, data: DataPlan, options: InitOptions
) -> tuple[dict[str, Any], RemotePlan]:
    csv = data.source
    columns = read_columns(csv)
    target = options.target or options.ask(
        "Target column (" + ", ".join(columns) + ")", columns[-1]
    )
    check_target(csv, target, columns)
    values = read_target(csv, target)
    notes = []
    if options.task is not None:
        task = options.task
    else:
        guess = infer_task(values, target)
        task = options.ask(f"Task ({guess.reason})", guess.task)
        notes.append(f"task: {task} ({guess.reason}; --task to change it)")
    if task not in ("classification", "regression"):
        raise UsageError(f"task {task!r}: choose classification or regression")
    counts = label_counts(values) if task == "classification" else {}
    classes = _classes(counts, task, _positive_class(counts, options), notes)
    features, source = _features(csv, target, data.inside, notes)
    url = options.remote or options.ask(
        "DVC remote URL CI can reach (s3://, gs://, azure://, ssh://; empty: a local folder)", ""
    )
    context = _context(
        example=None,
        raw_data=data.inside,
        target=target,
        task=task,
        description=f"Predict {target} from the other columns of {data.inside}.",
        features=features,
        features_source=source,
        classes=classes,
        notes=notes,
    )
    return context, plan_remote(url or None, root)


def _positive_class(counts: dict[Label, int], options: InitOptions) -> str | None:
    """The label given with --positive-class or, on a terminal, in answer to the question."""
    if options.positive_class is not None or len(counts) != 2:
        return options.positive_class
    rarer = str(decide_classes(counts, None).positive)
    labels = ", ".join(map(str, counts))
    answer = options.ask(
        f"Positive class, the one precision and recall are about ({labels})", rarer
    )
    return None if answer == rarer else answer


def _features(csv: Path, target: str, inside: str, notes: list[str]) -> tuple[FeatureRoles, str]:
    """The columns' roles, decided from a sample of the CSV; and which rows they came from."""
    sample = read_sample(csv)
    features = decide_features(sample.frame, target)
    notes.append(
        f"features decided from {sample.describe(inside)}; edit `features:` in params.yaml "
        "to change them"
    )
    notes += [f"features, {line}" for line in features.summary()]
    if not features.used:
        notes.append(
            "no column is left for the model to learn from: move one out of `features.drop` "
            "in params.yaml before `mlci run`"
        )
    return features, sample.describe("the data")  # in a YAML comment: no text of the user's


def _classes(
    counts: dict[Label, int], task: str, requested: str | None, notes: list[str]
) -> Classes | None:
    """The target's classes (None for regression); what was decided is added to `notes`."""
    if task != "classification":
        if requested is not None:
            raise UsageError(f"--positive-class is for classification; this is a {task} problem")
        return None
    classes = decide_classes(counts, requested)
    if classes.positive is not None:
        notes.append(classes.describe_positive(requested=requested is not None))
    if classes.imbalanced:
        notes.append(
            f"imbalanced classes (the rarest has {classes.rarest_share:.0%} of the rows): "
            "mlci.yaml judges the model by balanced accuracy, F1 and ROC AUC, not accuracy"
        )
    return classes


def _context(**values: Any) -> dict[str, Any]:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"  # CI runs what you run
    return {**values, "python": python}


def _plan_data(root: Path, data: Path, options: InitOptions) -> DataPlan:
    """Where the CSV will live in the repository, and whether git must let go of it first."""
    source = (data if data.is_absolute() else Path.cwd() / data).resolve()
    if not source.is_file():
        raise UsageError(f"{data}: no such file")
    if not source.is_relative_to(root):
        inside = f"data/{source.name}"
        target = root / inside
        if target.exists() and target.read_bytes() != source.read_bytes():
            raise UsageError(f"{inside} exists and differs from {data}; move one of them")
        return DataPlan(source, inside)
    inside = source.relative_to(root).as_posix()
    committed = git.toplevel(root) == root and git.is_tracked(root, inside)
    if committed and not (root / f"{inside}.dvc").exists():
        question = (
            f"{inside} is committed to git, and DVC tracks it only once git lets go of it: "
            f"run `git rm --cached {inside}` (the file stays where it is)? [y/N]"
        )
        yes = options.assume_yes or options.ask(question, "no").lower() in ("y", "yes")
        if not yes:
            raise UsageError(
                f"{inside} is committed to git: DVC cannot track it as well. Run "
                f"`git rm --cached {inside}` and `mlci init` again, or pass --yes to let "
                "mlci do it; nothing was changed"
            )
        return DataPlan(source, inside, untrack_from_git=True)
    return DataPlan(source, inside)
