"""The classes of a classification target: which one is positive, and whether they are balanced.

Pure: the count of each label in, decisions out. Precision, recall and F1 of a two-class
problem are about one class, the positive one: unless told, it is the rarer class (the churned
customer, the fraud, the illness), which is the one a model is usually built to find. When the
rarest class is scarce, accuracy flatters a model that never predicts it, so the scaffold
judges such a model by balanced accuracy, F1 and ROC AUC instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mlci.errors import UsageError
from mlci.spec.errors import did_you_mean

Label = str | int | float | bool
IMBALANCED_SHARE = 0.7
"""Imbalanced when the rarest class has less than this share of an even split (0.35 of the
rows for two classes, 0.23 for three)."""


@dataclass(frozen=True)
class Classes:
    counts: Mapping[Label, int]
    """Rows per label, as the data holds them."""
    positive: Label | None
    """The class precision, recall and F1 are about; None unless there are two classes."""
    imbalanced: bool

    @property
    def rarest_share(self) -> float:
        return min(self.counts.values()) / sum(self.counts.values())

    def describe_positive(self, *, requested: bool) -> str:
        """The init report's line on the positive class: which, why, and how to change it."""
        assert self.positive is not None
        if requested:
            why = "as asked"
        elif len(set(self.counts.values())) == 1:
            why = "the classes are equally common: the first one in the data"
        else:
            why = "the rarer class"
        rows, total = self.counts[self.positive], sum(self.counts.values())
        return (
            f"positive class: {self.positive!r} ({why}: {rows:,} of {total:,} rows); "
            "--positive-class to change it"
        )


def decide_classes(counts: Mapping[Label, int], requested: str | None) -> Classes:
    """The positive class (the one named by `requested`, or the rarer one) and the balance.

    `counts` in the data's order of first appearance, which breaks a tie between equal
    classes; a label's text is what `requested` is compared with (`--positive-class 1`)."""
    if len(counts) < 2:
        raise UsageError("the target holds a single class: there is nothing to tell apart")
    even_share = 1 / len(counts)
    imbalanced = min(counts.values()) / sum(counts.values()) < IMBALANCED_SHARE * even_share
    if len(counts) != 2:
        if requested is not None:
            raise UsageError(
                f"--positive-class is for a target of two classes; this one has {len(counts)}, "
                "scored by averaging over every class"
            )
        return Classes(counts, None, imbalanced)
    if requested is None:
        positive = min(counts, key=lambda label: counts[label])  # first of equals on a tie
    else:
        positive = _named(counts, requested)
    return Classes(counts, positive, imbalanced)


def _named(counts: Mapping[Label, int], requested: str) -> Label:
    by_text = {str(label): label for label in counts}
    if requested in by_text:
        return by_text[requested]
    raise UsageError(
        f"--positive-class {requested!r} is not a label of the target"
        + did_you_mean(requested, by_text)
    )
