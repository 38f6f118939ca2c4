"""The `monitor:` section of mlci.yaml: how a deployed model's current data is checked
against the data it learnt from, and when a breach starts a retraining.

Every key has a default, so `monitor: {}` (or a stage in `deploy.targets` with a folder)
monitors with no further setup. A feature drifts only when both its test says so at the
declared false-alarm rate (`alpha`) and its effect size passes the threshold: with many rows
a p-value alone calls every tiny shift drift, with few it calls nothing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mlci.spec.model_base import CronLine, Model, NotAnOption, StageName


class Drift(Model):
    """What counts as drift for one feature."""

    alpha: float = Field(default=0.01, gt=0, lt=0.5)
    """The false-alarm rate per feature: a window with no drift is flagged this often at most."""
    numeric: Literal["psi", "ks", "wasserstein"] = "psi"
    """The effect size that decides for a numeric feature (its p-value is the KS test's)."""
    psi: float = Field(default=0.2, gt=0)
    """PSI over the reference's deciles: 0.1 is a moderate shift, 0.2 a large one."""
    ks: float = Field(default=0.1, gt=0, le=1)
    """The KS D: the largest gap between the two distribution functions."""
    wasserstein: float = Field(default=0.1, gt=0)
    """The Wasserstein distance in units of the reference's standard deviation."""
    js: float = Field(default=0.1, gt=0, le=1)
    """The Jensen-Shannon distance (base 2) that decides for a categorical feature (its
    p-value is the chi-squared test's)."""

    def threshold(self, measure: str) -> float:
        return float(getattr(self, measure))


class Retrain(Model):
    """What a sustained breach starts: a pull request with the model retrained on fresh data,
    judged by the same merge gate. Promoting it stays a person's decision."""

    after: int = Field(default=3, ge=1, le=100)
    """Breached checks in a row before a retraining starts."""
    refresh: str | None = None
    """A command that brings fresh data before `dvc repro` (e.g. `dvc update data/raw.csv.dvc`)."""
    enabled: bool = True


class Monitor(Model):
    """Check the model deployed in a stage: its current data against its reference."""

    stage: StageName | None = None
    """The stage whose version is monitored (default: the last of deploy.stages)."""
    current: NotAnOption | None = None
    """The current window: a CSV file, a prediction log file or folder (default: the
    `predictions/` log beside the stage's folder target, where `mlci serve` writes it)."""
    reference: NotAnOption | None = None
    """The reference data, a CSV at the version's commit (default:
    evaluation.rescore.training_data: the rows the version learnt from)."""
    window: int = Field(default=100_000, ge=1)
    """The most recent rows of the current data that are checked."""
    min_rows: int = Field(default=100, ge=10)
    """Fewer rows in the window than this are "not enough data", never drift."""
    dataset_share: float = Field(default=0.5, gt=0, le=1)
    """The dataset drifts when at least this share of its features drift."""
    drift: Drift = Drift()
    schedule: CronLine = "17 6 * * *"
    """When the generated monitor workflow runs (UTC); off the hour, as GitHub asks."""
    retrain: Retrain = Retrain()

    @model_validator(mode="after")
    def _window_holds_enough(self) -> Monitor:
        if self.window < self.min_rows:
            raise ValueError(
                f"`window` ({self.window}) is smaller than `min_rows` ({self.min_rows}): "
                "no window would ever have enough data"
            )
        return self
