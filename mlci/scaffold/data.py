"""What `mlci init` learns from the data: the bundled examples, columns, and the task."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlci.errors import UsageError
from mlci.spec.errors import did_you_mean

# Datasets that ship inside scikit-learn (nothing to download), by the task they pose.
EXAMPLES = {
    "breast_cancer": "classification",
    "iris": "classification",
    "wine": "classification",
    "diabetes": "regression",
}
DEFAULT_EXAMPLE = "breast_cancer"
EXAMPLE_TARGET = "target"

# An integer target with at most this many distinct values reads as class labels.
MAX_CLASSES = 20


@dataclass(frozen=True)
class TaskGuess:
    task: str
    reason: str


def read_columns(csv: Path) -> list[str]:
    import pandas as pd

    try:
        return [str(c) for c in pd.read_csv(csv, nrows=0).columns]
    except (OSError, ValueError) as error:
        raise UsageError(f"{csv}: cannot read it as CSV ({error})") from None


def check_target(csv: Path, target: str, columns: list[str]) -> None:
    if target not in columns:
        raise UsageError(
            f"{csv}: no column {target!r}" + did_you_mean(target, columns) + "; pass --target"
        )


def infer_task(csv: Path, target: str) -> TaskGuess:
    """Classification for labels (text, booleans, few whole numbers), else regression."""
    import pandas as pd

    values = pd.read_csv(csv, usecols=[target])[target].dropna()
    if values.empty:
        raise UsageError(f"{csv}: column {target!r} has no values to learn from")
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return TaskGuess("classification", f"{target!r} holds labels, not numbers")
    distinct = values.nunique()
    whole = bool((values == values.round()).all())
    if whole and distinct <= MAX_CLASSES:
        return TaskGuess("classification", f"{target!r} has {distinct} distinct whole numbers")
    return TaskGuess("regression", f"{target!r} holds {distinct} distinct numbers")


def check_example(name: str) -> str:
    if name not in EXAMPLES:
        raise UsageError(f"no example {name!r}" + did_you_mean(name, EXAMPLES))
    return EXAMPLES[name]
