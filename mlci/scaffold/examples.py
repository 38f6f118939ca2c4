"""The example datasets that ship inside scikit-learn, as `mlci init` needs to know them.

Their columns and classes are written down here rather than read from scikit-learn, whose
import alone would double the time `mlci init --example` takes; tests/scaffold compares them
with the datasets themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlci.errors import UsageError
from mlci.scaffold.classes import Label
from mlci.scaffold.features import FeatureRoles
from mlci.spec.errors import did_you_mean

DEFAULT_EXAMPLE = "breast_cancer"
TARGET = "target"


@dataclass(frozen=True)
class Example:
    task: str
    columns: tuple[str, ...]
    """The features, all numbers, in the order src/load.py writes them."""
    classes: dict[Label, int] = field(default_factory=dict)
    """Rows per class, in the order they first appear (classification only)."""

    @property
    def features(self) -> FeatureRoles:
        return FeatureRoles(numeric=self.columns)


def _measures(*names: str) -> tuple[str, ...]:
    """Breast cancer's features: each measure as a mean, its standard error and its worst."""
    return (
        *(f"mean {name}" for name in names),
        *(f"{name} error" for name in names),
        *(f"worst {name}" for name in names),
    )


EXAMPLES = {
    "breast_cancer": Example(
        "classification",
        _measures(
            "radius",
            "texture",
            "perimeter",
            "area",
            "smoothness",
            "compactness",
            "concavity",
            "concave points",
            "symmetry",
            "fractal dimension",
        ),
        {0: 212, 1: 357},  # 0 is malignant
    ),
    "iris": Example(
        "classification",
        ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"),
        {0: 50, 1: 50, 2: 50},
    ),
    "wine": Example(
        "classification",
        (
            "alcohol",
            "malic_acid",
            "ash",
            "alcalinity_of_ash",
            "magnesium",
            "total_phenols",
            "flavanoids",
            "nonflavanoid_phenols",
            "proanthocyanins",
            "color_intensity",
            "hue",
            "od280/od315_of_diluted_wines",
            "proline",
        ),
        {0: 59, 1: 71, 2: 48},
    ),
    "diabetes": Example(
        "regression", ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
    ),
}


def example_named(name: str) -> Example:
    if name not in EXAMPLES:
        raise UsageError(f"no example {name!r}" + did_you_mean(name, EXAMPLES))
    return EXAMPLES[name]
