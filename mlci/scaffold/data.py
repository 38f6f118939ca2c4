"""What `mlci init` reads from the user's CSV: the columns, a sample of the rows, the target's
values, and the task they pose. (The bundled examples are described in mlci.scaffold.examples.)"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlci.errors import UsageError
from mlci.scaffold.classes import Label
from mlci.spec.errors import did_you_mean

if TYPE_CHECKING:  # pandas is imported where it is used, to keep `mlci --help` light
    import pandas as pd

# An integer target with at most this many distinct values reads as class labels.
MAX_CLASSES = 20
PROFILE_ROWS = 50_000
"""The columns' roles are decided from at most this many rows, the first ones of the file: a
sample, so that init stays quick on a table of millions of rows."""


@dataclass(frozen=True)
class TaskGuess:
    task: str
    reason: str


@dataclass(frozen=True)
class Sample:
    """The first rows of a CSV, on which the columns' roles are decided."""

    frame: pd.DataFrame
    whole: bool
    """It is the whole file, not only its first `PROFILE_ROWS` rows."""

    def describe(self, name: str) -> str:
        if self.whole:
            return f"{name} ({len(self.frame):,} rows)"
        return f"the first {len(self.frame):,} rows of {name}"


def read_columns(csv: Path) -> list[str]:
    import pandas as pd

    try:
        return [str(c) for c in pd.read_csv(csv, nrows=0).columns]
    except (OSError, ValueError) as error:
        raise UsageError(f"{csv}: cannot read it as CSV ({error})") from None


def read_sample(csv: Path) -> Sample:
    import pandas as pd

    try:
        frame = pd.read_csv(csv, nrows=PROFILE_ROWS + 1, low_memory=False)
    except (OSError, ValueError) as error:
        raise UsageError(f"{csv}: cannot read it as CSV ({error})") from None
    return Sample(frame.head(PROFILE_ROWS), whole=len(frame) <= PROFILE_ROWS)


def read_target(csv: Path, target: str) -> pd.Series:
    """Every value of the target column but the missing ones (the whole file: one column)."""
    import pandas as pd

    values = pd.read_csv(csv, usecols=[target])[target].dropna()
    if values.empty:
        raise UsageError(f"{csv}: column {target!r} has no values to learn from")
    return values


def check_target(csv: Path, target: str, columns: list[str]) -> None:
    if target not in columns:
        raise UsageError(
            f"{csv}: no column {target!r}" + did_you_mean(target, columns) + "; pass --target"
        )


def infer_task(values: pd.Series, target: str) -> TaskGuess:
    """Classification for labels (text, booleans, few whole numbers), else regression."""
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return TaskGuess("classification", f"{target!r} holds labels, not numbers")
    distinct = values.nunique()
    whole = bool((values == values.round()).all())
    if whole and distinct <= MAX_CLASSES:
        return TaskGuess("classification", f"{target!r} has {distinct} distinct whole numbers")
    return TaskGuess("regression", f"{target!r} holds {distinct} distinct numbers")


def label_counts(values: pd.Series) -> dict[Label, int]:
    """Rows per label, in the order the labels first appear; labels as plain Python values,
    which YAML and JSON can write."""
    import pandas as pd

    counts = values.value_counts()
    return {_plain(label): int(counts[label]) for label in pd.unique(values)}


def _plain(label: object) -> Label:
    item = getattr(label, "item", None)  # a numpy scalar
    value = item() if callable(item) else label
    return value if isinstance(value, (str, int, float, bool)) else str(value)
