"""The per-row predictions file an evaluation writes: what each row was, and what was predicted.

A CSV with a header, one row per evaluated row:

    row_id      an identity of the row that outlives the split (a hash of the raw row, say),
                so that two evaluations can be matched row by row
    actual      the truth
    predicted   the model's prediction
    proba:<c>   classification only, optional: the predicted probability of class <c>, one
                column per class (both classes of a binary problem)

The file comes from a pull request: every cell is untrusted. A file that is not this shape
raises PredictionsError, whose message names the file and what is wrong; numbers must be
finite, probabilities within [0, 1], row ids unique.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlci.errors import MlciError

PROBA_PREFIX = "proba:"
REQUIRED = ("row_id", "actual", "predicted")
# A row id is a short identity; anything longer is not one, and would bloat every message.
MAX_ROW_ID = 200


class PredictionsError(MlciError):
    """A predictions file that cannot be read as one."""


@dataclass(frozen=True)
class Predictions:
    """One evaluation's predictions, a row per evaluated row, in file order."""

    path: str
    row_ids: tuple[str, ...]
    actual: np.ndarray
    """Labels as text (classification) or float64 values (regression)."""
    predicted: np.ndarray
    proba: dict[str, np.ndarray]
    """Class label -> probability of that class per row; empty when the file has none."""

    def __len__(self) -> int:
        return len(self.row_ids)

    def rows_digest(self) -> str:
        """A hash of the evaluation data as the predictions record it: each row's id and
        truth, in id order. Equal digests: the same rows with the same truth."""
        digest = hashlib.sha256()
        for row_id, actual in sorted(zip(self.row_ids, map(str, self.actual), strict=True)):
            digest.update(f"{row_id}\x1f{actual}\x1e".encode())
        return digest.hexdigest()


def read_predictions(path: str, content: bytes, task: str) -> Predictions:
    """The predictions in `content` (the file at `path`), for a `classification` or
    `regression` problem. Raises PredictionsError."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PredictionsError(f"{path} is not UTF-8 text") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None:
        raise PredictionsError(f"{path} is empty: it needs a header row {', '.join(REQUIRED)}")
    columns = _columns(path, header, task)
    cells: list[list[str]] = [[] for _ in header]
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise PredictionsError(
                f"{path}:{number}: {len(row)} cells where the header has {len(header)}"
            )
        for values, cell in zip(cells, row, strict=True):
            values.append(cell)
    row_ids = cells[columns["row_id"]]
    _check_row_ids(path, row_ids)
    if not row_ids:
        raise PredictionsError(f"{path} has a header and no rows")
    actual, predicted = cells[columns["actual"]], cells[columns["predicted"]]
    if task == "regression":
        return Predictions(
            path,
            tuple(row_ids),
            _numbers(path, "actual", actual),
            _numbers(path, "predicted", predicted),
            {},
        )
    proba = {
        name.removeprefix(PROBA_PREFIX): _probabilities(path, name, cells[index])
        for name, index in columns.items()
        if name.startswith(PROBA_PREFIX)
    }
    return Predictions(
        path,
        tuple(row_ids),
        np.array(actual, dtype=object),
        np.array(predicted, dtype=object),
        proba,
    )


def _columns(path: str, header: Sequence[str], task: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in columns:
            raise PredictionsError(f"{path}: the column {name!r} appears twice in the header")
        columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise PredictionsError(
            f"{path} lacks the column{'s' * (len(missing) > 1)} {', '.join(missing)}: "
            f"a predictions file has {', '.join(REQUIRED)} (and proba:<class> columns)"
        )
    if task == "regression" and any(name.startswith(PROBA_PREFIX) for name in columns):
        raise PredictionsError(f"{path}: proba: columns belong to classification, not regression")
    return columns


def _check_row_ids(path: str, row_ids: list[str]) -> None:
    seen: set[str] = set()
    for number, row_id in enumerate(row_ids, start=2):
        if not row_id or len(row_id) > MAX_ROW_ID:
            raise PredictionsError(
                f"{path}:{number}: a row_id is empty or longer than {MAX_ROW_ID} characters"
            )
        if row_id in seen:
            raise PredictionsError(
                f"{path}:{number}: the row_id {row_id[:40]!r} appears twice: row ids must "
                "name one row each, or rows cannot be matched between two evaluations"
            )
        seen.add(row_id)


def _numbers(path: str, column: str, cells: list[str]) -> np.ndarray:
    values = np.empty(len(cells), dtype=np.float64)
    for number, cell in enumerate(cells):
        try:
            value = float(cell)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise PredictionsError(
                f"{path}:{number + 2}: {column} is {cell[:40]!r}, not a finite number"
            )
        values[number] = value
    return values


def _probabilities(path: str, column: str, cells: list[str]) -> np.ndarray:
    values = _numbers(path, column, cells)
    outside = np.flatnonzero((values < 0) | (values > 1))
    if outside.size:
        first = int(outside[0])
        raise PredictionsError(
            f"{path}:{first + 2}: {column} is {cells[first][:40]!r}, not a probability in [0, 1]"
        )
    return values
