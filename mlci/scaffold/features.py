"""Which part each column of a table plays in the model: dropped, a date, a category or a number.

Pure: a DataFrame in (a sample of the user's CSV, or a bundled example), the roles out. `mlci
init` writes them into params.yaml's `features:` section, where the user edits them, and the
scaffolded scripts read them from there. The rules, in the order they are tried:

- Nothing to learn: a column with one value (or none) in every row is dropped.
- Identifiers are dropped. A column is one when its values are unique in every row and it is
  named like one (`id`, `customer_id`, `customerID`, `uuid`), or it holds integers that count
  up (or down) like a row number, or it holds text. Uniqueness says little in a tiny
  table, so below `MIN_ROWS_FOR_UNIQUE` rows only the name makes an identifier.
- A number is a number (the model fills in the median and scales it), except whole numbers
  named like an identifier that repeat, such as `store_id`: those are codes, so categories.
- Text that reads as dates (a year and a month at least, in one of the common layouts, for
  nearly every value) is a date; src/prepare.py turns it into numbers.
- Free text (mostly distinct values, over `FREE_TEXT_MIN_DISTINCT` of them) is dropped:
  one-hot encoding would make a feature of nearly every row, and the encoder would carry
  every value in the model file.
- Everything else (text, booleans) is a category. The encoder in src/train.py caps how many
  columns a category becomes, so even a column of many levels stays a few features wide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the bundled examples need no pandas to describe
    import pandas as pd

MIN_ROWS_FOR_UNIQUE = 20
FREE_TEXT_MIN_DISTINCT = 50
FREE_TEXT_SHARE = 0.5
"""Free text when the distinct values are more than this share of the rows that have one."""
DATE_SHARE = 0.95
"""A date column when at least this share of its values look like dates and parse as dates."""
DATE_SAMPLE = 1000
"""How many of a column's distinct values are tried as dates."""
COUNTER_SPAN = 2
"""Integers count like a row number when their range is under this many times the rows
(an auto-increment key with gaps still does; a sorted amount of money does not)."""

# `id`, `customer_id`, `ID-2`, `uuid`; and in camel case `customerID`, `customerId` (but not
# `paid` or `valid`).
_IDENTIFIER_NAME = re.compile(r"(?:^|[_\-\s.])(?:id|uuid|guid)(?:$|[_\-\s.])", re.IGNORECASE)
_CAMEL_IDENTIFIER_NAME = re.compile(r"[a-z0-9](?:ID|Id|UUID|Uuid)$")
# The layouts dates are written in: 2024-03-01 (with a time or not), 2024/03, 01/03/2024,
# 1.3.24, 1 Mar 2024, March 1, 2024. Only values of this shape are parsed: pandas would read
# "3.5" or "10-20" as dates of this year.
_DATE_SHAPE = re.compile(
    r"\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?(?:[T ]\d{1,2}:\d{2}.*)?"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?: \d{1,2}:\d{2}.*)?"
    r"|\d{1,2} [A-Za-z]{3,9}\.?,? \d{4}.*"
    r"|[A-Za-z]{3,9}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}.*"
)


@dataclass(frozen=True)
class Dropped:
    column: str
    reason: str
    """Why the model never sees it, in a few words (shown beside it in params.yaml)."""


@dataclass(frozen=True)
class FeatureRoles:
    """What each column is to the model: the lists of params.yaml's `features:` section."""

    drop: tuple[Dropped, ...] = ()
    dates: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()

    @property
    def used(self) -> tuple[str, ...]:
        return (*self.dates, *self.categorical, *self.numeric)

    def summary(self) -> list[str]:
        """One line per role that has columns, as `mlci init` reports them."""
        dropped = ", ".join(f"{d.column} ({d.reason})" for d in self.drop)
        lines = [("dropped", dropped), ("dates", ", ".join(self.dates))]
        lines += [("categorical", ", ".join(self.categorical))]
        lines += [("numeric", ", ".join(self.numeric))]
        return [f"{role}: {columns}" for role, columns in lines if columns]


def decide_features(frame: pd.DataFrame, target: str) -> FeatureRoles:
    """The role of every column but the target, in the table's column order."""
    drop: list[Dropped] = []
    roles: dict[str, list[str]] = {"dates": [], "categorical": [], "numeric": []}
    for column in frame.columns:
        name = str(column)
        if name == target:
            continue
        role = _role(name, frame[column])
        if role in roles:
            roles[role].append(name)
        else:
            drop.append(Dropped(name, role))
    return FeatureRoles(
        tuple(drop),
        tuple(roles["dates"]),
        tuple(roles["categorical"]),
        tuple(roles["numeric"]),
    )


def _role(name: str, values: pd.Series) -> str:
    """The role of one column: "dates", "categorical", "numeric", or else why it is dropped."""
    import pandas as pd

    present = values.dropna()
    distinct = int(present.nunique())
    if distinct <= 1:
        return "the same value in every row" if distinct else "no values"
    named = bool(_IDENTIFIER_NAME.search(name) or _CAMEL_IDENTIFIER_NAME.search(name))
    # Unique in every row (and so none missing), in a table where that says something.
    unique = distinct == len(values) and (named or len(values) >= MIN_ROWS_FOR_UNIQUE)
    if pd.api.types.is_bool_dtype(values):
        return "categorical"
    if pd.api.types.is_numeric_dtype(values):
        return _number_role(values, present, named=named, unique=unique)
    return _text_role(present.astype(str), distinct, named=named, unique=unique)


def _number_role(values: pd.Series, present: pd.Series, *, named: bool, unique: bool) -> str:
    if unique and named:
        return "unique in every row, and named like an identifier"
    # Integers only: a key has no missing values, so pandas never reads it as floats.
    if unique and values.dtype.kind in "iu" and _counts_like_rows(present):
        return "unique whole numbers counting up like a row number: an identifier"
    return "categorical" if named and _whole_numbers(present) else "numeric"


def _text_role(text: pd.Series, distinct: int, *, named: bool, unique: bool) -> str:
    if _looks_like_dates(text):
        return "dates"
    if unique:
        if named or not _has_words(text):
            return "unique in every row: an identifier"
        return "free text, unique in every row"
    if distinct > FREE_TEXT_MIN_DISTINCT and distinct > FREE_TEXT_SHARE * len(text):
        return f"free text: {distinct:,} distinct values in {len(text):,} rows"
    return "categorical"


def _whole_numbers(values: pd.Series) -> bool:
    if values.dtype.kind in "iu":
        return True
    return bool((values == values.round()).all())


def _counts_like_rows(values: pd.Series) -> bool:
    monotone = values.is_monotonic_increasing or values.is_monotonic_decreasing
    span = float(values.max()) - float(values.min())
    return bool(monotone) and span < COUNTER_SPAN * len(values)


def _looks_like_dates(text: pd.Series) -> bool:
    """Nearly every value has a date's shape and pandas reads it as one."""
    import pandas as pd

    sample = pd.Series(text.unique()[:DATE_SAMPLE])
    shaped = sample.str.strip().str.fullmatch(_DATE_SHAPE)
    if shaped.mean() < DATE_SHARE:
        return False
    # The same reading src/prepare.py makes of them.
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed", utc=True)
    return bool(parsed.notna().mean() >= DATE_SHARE)


def _has_words(text: pd.Series) -> bool:
    """Most values hold a space: sentences or names rather than codes."""
    return bool(text.str.contains(" ", regex=False).mean() > 0.5)
