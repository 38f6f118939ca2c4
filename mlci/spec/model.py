"""The models of mlci.yaml, version 1: strict, frozen, and the source of the JSON Schema.

Every model forbids unknown keys, so a misspelt threshold is an error rather than a rule
that silently never fires. Shorthands a user writes (`outs: [model.pkl]`, `cmd: "..."`,
`runs_on: gpu`) are normalised by before-validators, which also tell the JSON Schema which
shapes the file may take, so editors accept exactly what the loader accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BeforeValidator,
    Field,
    model_validator,
)

from mlci.spec.model_base import (
    DEFAULT_PARAMS_FILE,
    FULL_SHA,
    SPEC_VERSION,
    STAGE_NAME,
    STEP_POINTS,
    Label,
    Model,
    NotAnOption,
    RemoteName,
    Strings,
    WorkflowName,
    _params_shorthand,
    _path_shorthand,
)
from mlci.spec.model_ci import (
    CI,
    Cache,
    KeyOverride,
    MlciSource,
    Overrides,
    Remote,
    SecurityRule,
    StepInsertion,
)
from mlci.spec.model_deploy import (
    CommandTarget,
    Container,
    Deploy,
    FolderTarget,
    ObjectStoreTarget,
    Oidc,
)
from mlci.spec.model_monitor import Drift, Monitor, Retrain

# The spec's models and constants, whichever module of the spec defines them: the rest of
# mlci imports them from here.
__all__ = [
    "CI",
    "DEFAULT_PARAMS_FILE",
    "FULL_SHA",
    "SPEC_VERSION",
    "STAGE_NAME",
    "STEP_POINTS",
    "Artifact",
    "Cache",
    "CommandTarget",
    "Container",
    "DataSource",
    "Deploy",
    "Drift",
    "DvcImport",
    "Evaluation",
    "FolderTarget",
    "GateRule",
    "Gates",
    "KeyOverride",
    "Metric",
    "MetricsOutput",
    "MlciSource",
    "Model",
    "Monitor",
    "ObjectStoreTarget",
    "Oidc",
    "Output",
    "Overrides",
    "ParamsRef",
    "Pipeline",
    "PlotsOutput",
    "Problem",
    "Remote",
    "Rescore",
    "Retrain",
    "Scorer",
    "SecurityRule",
    "Spec",
    "Stage",
    "StepInsertion",
    "WorkflowName",
]


class Problem(Model):
    """The problem the model solves: how success is judged starts here."""

    task: Literal["classification", "regression", "other"]
    """What kind of learning problem this is."""
    target: str | None = None
    """The column the model predicts."""
    positive_class: Label | None = None
    """Classification of two classes: the label precision, recall and F1 are about."""
    description: str = ""
    """One or two sentences a reviewer reads first."""


class DvcImport(Model):
    """Data imported from another DVC or git repository (`dvc import`)."""

    repo: NotAnOption
    """URL or path of the repository."""
    path: NotAnOption
    """Path of the data inside that repository."""
    rev: NotAnOption | None = None
    """Branch, tag or commit to import from."""


class DataSource(Model):
    """A file or folder of data, tracked by DVC."""

    path: NotAnOption
    """Where the data lives in this repository."""
    description: str = ""
    import_: DvcImport | None = Field(default=None, alias="import")
    """Import the data from another DVC repository instead of adding it here."""
    url: NotAnOption | None = None
    """Import the data from a URL (`dvc import-url`): s3://, gs://, https://, ..."""

    @model_validator(mode="after")
    def _one_origin(self) -> DataSource:
        if self.import_ is not None and self.url is not None:
            raise ValueError("give either `import:` or `url:`, not both")
        return self


class Output(Model):
    """A file or folder a stage writes."""

    path: str
    cache: bool = True
    """Store it in the DVC cache (false: commit it to git instead)."""
    persist: bool = False
    """Keep it between runs instead of deleting it before the stage runs."""
    push: bool = True
    """Send it to the DVC remote on `dvc push`."""
    remote: RemoteName | None = None
    """The DVC remote to store it in, if not the default one."""
    desc: str | None = None


class MetricsOutput(Output):
    """A metrics file a stage writes (JSON, YAML, TOML); committed to git by default."""

    cache: bool = False


class PlotsOutput(MetricsOutput):
    """Plot data a stage writes (CSV, JSON, YAML, or an image)."""

    x: str | None = None
    y: str | None = None
    template: str | None = None
    title: str | None = None
    x_label: str | None = None
    y_label: str | None = None


class ParamsRef(Model):
    """Parameter keys a stage reads from one params file."""

    file: str = DEFAULT_PARAMS_FILE
    keys: tuple[str, ...] = ()
    """Dotted keys; empty means the whole file."""


OutputEntry = Annotated[
    Output, BeforeValidator(_path_shorthand, json_schema_input_type=str | Output)
]
MetricsEntry = Annotated[
    MetricsOutput, BeforeValidator(_path_shorthand, json_schema_input_type=str | MetricsOutput)
]
PlotsEntry = Annotated[
    PlotsOutput, BeforeValidator(_path_shorthand, json_schema_input_type=str | PlotsOutput)
]
ParamsEntry = Annotated[
    ParamsRef,
    BeforeValidator(
        _params_shorthand, json_schema_input_type=str | dict[str, list[str] | None] | ParamsRef
    ),
]


class Stage(Model):
    """One step of the pipeline, rendered as a stage of dvc.yaml."""

    cmd: Strings
    """The command(s) to run, from `wdir`."""
    description: str = ""
    wdir: str = "."
    """Directory the command runs in and paths are relative to."""
    deps: tuple[str, ...] = ()
    """Files and folders the stage reads: code and data."""
    params: tuple[ParamsEntry, ...] = ()
    """Parameter keys the stage reads: `train.lr`, or `{other.yaml: [key]}`."""
    outs: tuple[OutputEntry, ...] = ()
    metrics: tuple[MetricsEntry, ...] = ()
    plots: tuple[PlotsEntry, ...] = ()
    always_changed: bool = False
    """Run the stage every time, even when nothing it depends on changed."""
    frozen: bool = False
    """Never run the stage (its outputs are taken as they are)."""
    meta: Mapping[str, Any] = Field(default_factory=dict)
    """Free-form notes kept in the stage's `meta:` in dvc.yaml."""


# The metrics mlci.scoring computes from per-row predictions.
Scorer = Literal[
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "average_precision",
    "log_loss",
    "rmse",
    "mse",
    "mae",
    "r2",
]


class Metric(Model):
    """A metric that decides whether a change made the model better or worse."""

    file: str
    """The metrics file a stage writes."""
    key: str | None = None
    """Dotted key inside the file; defaults to the metric's name."""
    direction: Literal["higher", "lower"]
    """Which way is better."""
    threshold: float | None = None
    """The value that counts as success: at least this when higher is better, at most if lower."""
    tolerance: float = Field(default=0.0, ge=0)
    """Changes smaller than this count as unchanged."""
    description: str = ""
    scorer: Scorer | None = None
    """How mlci scores it from per-row predictions, for its interval; by default the
    metric's name (or key), when that is one of the scorers."""


class Rescore(Model):
    """How to score the base's model on the change's rows when the change moved them."""

    model: Strings
    """The file(s) that are the model: taken from the base (by dvc.lock, from the DVC cache),
    everything else the evaluating stage reads from the change."""
    training_data: NotAnOption
    """A CSV with a row_id column: the rows the model learnt from, left out of the rescoring."""


class Evaluation(Model):
    """Per-row predictions, so that a change and its base are compared on the same rows."""

    predictions: NotAnOption
    """The CSV the evaluation writes: row_id, actual, predicted (and proba:<class> columns)."""
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    """The confidence of each interval."""
    resamples: int = Field(default=1000, ge=100, le=100_000)
    """Bootstrap resamples of the rows."""
    seed: int = Field(default=0, ge=0)
    """The resamples' seed: the same predictions always give the same intervals."""
    rescore: Rescore | None = None
    """When the change evaluated other rows: rerun its evaluation with the base's model."""


class GateRule(Model):
    """One rule a change must pass: about a metric, or about the pipeline (`check:`)."""

    metric: str | None = None
    """A metric declared under `metrics:`."""
    check: Literal["reproduced"] | None = None
    """`reproduced`: the committed dvc.lock must match what CI reproduced."""
    min: float | None = None
    """The metric must be at least this."""
    max: float | None = None
    """The metric must be at most this."""
    max_regression: float | None = Field(default=None, ge=0)
    """Largest allowed change for the worse against the base, in the metric's units."""
    max_regression_pct: float | None = Field(default=None, ge=0)
    """Largest allowed change for the worse against the base, in percent of the base."""
    required: bool = True
    """Fail when the metric is missing from the change."""
    no_baseline: Literal["pass", "warn", "fail"] = "warn"
    """What to do when the base has no value to compare with."""
    severity: Literal["fail", "warn"] = "fail"
    """`warn` reports a broken rule without failing the check."""
    judged_on: Literal["point", "interval"] = "point"
    """`interval`: the regression limits fail only when the interval's best bound is beyond
    them, that is when the regression is more than noise (needs `evaluation:`)."""
    non_inferiority: float | None = Field(default=None, ge=0)
    """The interval's worst bound may be at most this much worse than the base: the change
    is shown to be no worse than that (needs `evaluation:`)."""
    require: Literal["significant_improvement"] | None = None
    """`significant_improvement`: the whole interval must be better than the base."""

    @model_validator(mode="after")
    def _metric_or_check(self) -> GateRule:
        if (self.metric is None) == (self.check is None):
            raise ValueError("a rule names either `metric:` or `check:`, exactly one of them")
        thresholds = (
            self.min,
            self.max,
            self.max_regression,
            self.max_regression_pct,
            self.non_inferiority,
            self.require,
        )
        if self.check is not None and any(t is not None for t in thresholds):
            raise ValueError("`check:` rules take no thresholds; put them in a `metric:` rule")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"`min: {self.min}` is above `max: {self.max}`")
        return self


class Gates(Model):
    """Rules that must hold before a merge and before a deployment."""

    merge: tuple[GateRule, ...] = ()
    deploy: tuple[GateRule, ...] = ()
    not_comparable: Literal["pass", "warn", "fail"] = "warn"
    """What a metric rule does when the two sides were evaluated on different rows and
    mlci could not compare them on the same ones, or a rule needs an interval it lacks."""


class Artifact(Model):
    """A model or dataset published from this repository (dvc.yaml `artifacts:`)."""

    path: str
    type: str | None = None
    """E.g. `model` or `dataset`."""
    desc: str | None = None
    labels: tuple[str, ...] = ()
    meta: Mapping[str, Any] = Field(default_factory=dict)


class Pipeline(Model):
    """Top-level sections of dvc.yaml beyond the stages, written as DVC reads them."""

    metrics: tuple[str, ...] = ()
    """Metrics files DVC shows besides those of the stages."""
    plots: tuple[str | dict[str, dict[str, Any] | None], ...] = ()
    """Plot definitions: a file, or `{name: {x:, y:, template:, ...}}` combining files."""
    params: tuple[str, ...] = ()
    """Params files DVC tracks besides the keys the stages read."""
    artifacts: Mapping[str, Artifact] = Field(default_factory=dict)


class Spec(Model):
    """mlci.yaml: one description of an ML project, from problem to CI."""

    version: Literal[1]
    """Version of the mlci.yaml format."""
    problem: Problem
    data: tuple[DataSource, ...] = ()
    params: tuple[str, ...] = (DEFAULT_PARAMS_FILE,)
    """Params files the stages read."""
    stages: Mapping[str, Stage]
    metrics: Mapping[str, Metric] = Field(default_factory=dict)
    pipeline: Pipeline = Pipeline()
    evaluation: Evaluation | None = None
    """Per-row predictions: comparisons on the same rows, with confidence intervals."""
    gates: Gates = Gates()
    deploy: Deploy = Deploy()
    monitor: Monitor | None = None
    """Check the deployed model's data on a schedule; retrain on a sustained breach."""
    ci: CI = CI()
    overrides: Overrides = Overrides()

    def monitoring(self) -> Monitor:
        """The monitor settings, the defaults when mlci.yaml has no `monitor:`."""
        return self.monitor or Monitor()

    def monitored_stage(self) -> str:
        return self.monitoring().stage or self.deploy.stages[-1]

    def metric_key(self, name: str) -> str:
        return self.metrics[name].key or name

    def scorer_of(self, name: str) -> str | None:
        """How mlci scores the metric `name` from per-row predictions: its `scorer:`, or
        else its name or the last part of its key when that names a scorer."""
        metric = self.metrics[name]
        if metric.scorer is not None:
            return metric.scorer
        known = get_args(Scorer)
        for candidate in (name, self.metric_key(name).rpartition(".")[2]):
            if candidate in known:
                return candidate
        return None

    def data_ci_cannot_fetch(self) -> list[str]:
        """Data tracked by DVC in this repository, when CI has no remote to fetch it from.

        Imports are fetched from where they were imported, so only plain sources count.
        """
        if self.ci.remote is not None:
            return []
        return [d.path for d in self.data if d.import_ is None and d.url is None]
