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
from mlci.scaffold.data import (
    DEFAULT_EXAMPLE,
    EXAMPLE_TARGET,
    EXAMPLES,
    check_example,
    check_target,
    infer_task,
    read_columns,
)
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
    root: Path, example: str, options: InitOptions
) -> tuple[dict[str, Any], RemotePlan]:
    task = check_example(example)
    if options.task and options.task != task:
        raise UsageError(f"the example {example!r} is a {task} problem, not {options.task}")
    name = example.replace("_", " ")
    context = _context(
        example=example,
        raw_data=RAW_DATA,
        target=EXAMPLE_TARGET,
        task=task,
        description=f"Learn {name} from the dataset scikit-learn ships.",
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
    notes = []
    if options.task is not None:
        task = options.task
    else:
        guess = infer_task(csv, target)
        task = options.ask(f"Task ({guess.reason})", guess.task)
        notes.append(f"task: {task} ({guess.reason}; --task to change it)")
    if task not in ("classification", "regression"):
        raise UsageError(f"task {task!r}: choose classification or regression")
    url = options.remote or options.ask(
        "DVC remote URL CI can reach (s3://, gs://, azure://, ssh://; empty: a local folder)", ""
    )
    context = _context(
        example=None,
        raw_data=data.inside,
        target=target,
        task=task,
        description=f"Predict {target} from the other columns of {data.inside}.",
        notes=notes,
    )
    return context, plan_remote(url or None, root)


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
