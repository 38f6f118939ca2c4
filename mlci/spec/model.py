"""The models of mlci.yaml, version 1: strict, frozen, and the source of the JSON Schema.

Every model forbids unknown keys, so a misspelt threshold is an error rather than a rule
that silently never fires. Shorthands a user writes (`outs: [model.pkl]`, `cmd: "..."`,
`runs_on: gpu`) are normalised by before-validators, which also tell the JSON Schema which
shapes the file may take, so editors accept exactly what the loader accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from mlci.spec import syntax

SPEC_VERSION = 1
DEFAULT_PARAMS_FILE = "params.yaml"
STAGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")

# Named places in the generated workflows where `overrides.steps` may add steps.
WorkflowName = Literal["pr", "main"]
STEP_POINTS = (
    "checkout",
    "setup-python",
    "install",
    "dvc-cache",
    "pull",
    "reproduce",
    "push",
    "check",
    "report",
    "gate",
    "trim-cache",
)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


def _one_or_many(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


def _path_shorthand(value: Any) -> Any:
    return {"path": value} if isinstance(value, str) else value


def _params_shorthand(value: Any) -> Any:
    """`train.lr` -> default file; `{other.yaml: [a, b]}` -> that file (DVC's own syntax)."""
    if isinstance(value, str):
        return {"file": DEFAULT_PARAMS_FILE, "keys": [value]}
    if isinstance(value, dict) and len(value) == 1 and "file" not in value:
        ((file, keys),) = value.items()
        if keys is None:
            keys = []
        return {"file": file, "keys": keys}
    return value


Strings = Annotated[
    tuple[str, ...], BeforeValidator(_one_or_many, json_schema_input_type=str | list[str])
]


def _checked(problem: Callable[[str], str | None]) -> AfterValidator:
    """A validator raising the problem `problem(value)` finds, in its words."""

    def check(value: str) -> str:
        if (text := problem(value)) is not None:
            raise ValueError(text)
        return value

    return AfterValidator(check)


NotAnOption = Annotated[str, _checked(syntax.option_like_problem)]
"""A path or URL that is passed to DVC on a command line."""
BranchName = Annotated[str, _checked(syntax.branch_name_problem)]
BranchPattern = Annotated[str, _checked(syntax.branch_pattern_problem)]
CronLine = Annotated[str, _checked(syntax.cron_problem)]
RemoteName = Annotated[str, _checked(lambda v: syntax.plain_name_problem(v, "DVC remote"))]
EnvironmentName = Annotated[
    str, _checked(lambda v: syntax.plain_name_problem(v, "GitHub environment"))
]


class Problem(Model):
    """The problem the model solves: how success is judged starts here."""

    task: Literal["classification", "regression", "other"]
    """What kind of learning problem this is."""
    target: str | None = None
    """The column the model predicts."""
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

    @model_validator(mode="after")
    def _metric_or_check(self) -> GateRule:
        if (self.metric is None) == (self.check is None):
            raise ValueError("a rule names either `metric:` or `check:`, exactly one of them")
        thresholds = (self.min, self.max, self.max_regression, self.max_regression_pct)
        if self.check is not None and any(t is not None for t in thresholds):
            raise ValueError("`check:` rules take no thresholds; put them in a `metric:` rule")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"`min: {self.min}` is above `max: {self.max}`")
        return self


class Gates(Model):
    """Rules that must hold before a merge and before a deployment."""

    merge: tuple[GateRule, ...] = ()
    deploy: tuple[GateRule, ...] = ()


class Remote(Model):
    """The DVC remote CI pulls inputs from and pushes outputs to."""

    name: RemoteName = "storage"
    url: NotAnOption | None = None
    """Remote URL (s3://, gs://, azure://, ssh://, a path); omit to use `.dvc/config`."""
    credentials: Mapping[str, str] = Field(default_factory=dict)
    """Environment variable -> name of the repository secret that holds its value."""
    environment: EnvironmentName | None = None
    """GitHub environment holding the secrets for the main branch, which may write
    (default `dvc-remote`)."""
    pr_environment: EnvironmentName | None = None
    """GitHub environment holding read-only secrets of the same names for pull requests
    (default `dvc-remote-read`)."""

    @field_validator("credentials")
    @classmethod
    def _names_only(cls, value: Mapping[str, str]) -> Mapping[str, str]:
        for env_name, secret in value.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env_name):
                raise ValueError(f"{env_name!r} is not an environment variable name")
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", secret):
                raise ValueError(
                    f"{secret!r} is not a secret name; give the name of the secret, not its value"
                )
        return value


class Cache(Model):
    """What CI keeps between runs."""

    pip: bool = True
    """Cache pip downloads (actions/setup-python)."""
    dvc: bool = True
    """Cache `.dvc/cache`, keyed on dvc.lock (actions/cache)."""


def _quoted_version(value: Any) -> Any:
    if isinstance(value, float):
        # The number lost what was written (3.10 arrives as 3.1), so show no version back.
        raise ValueError(
            f"YAML reads this as the number {value}; quote the version as written, "
            'e.g. python: "3.12" (unquoted, 3.10 becomes 3.1)'
        )
    return value


MLCI_VERSION_PLACEHOLDER = "{version}"


class MlciSource(Model):
    """Where CI installs mlci from: always the version that generated the workflows."""

    requirement: str = "mlci==" + MLCI_VERSION_PLACEHOLDER
    """A pip requirement for mlci with `{version}` where the generating version goes, e.g.
    `mlci @ git+https://github.com/you/mlci@v{version}`, `wheels/mlci-{version}-py3-none-any.whl`.
    """
    index_url: str | None = None
    """A package index to search for mlci besides PyPI (pip's `--extra-index-url`)."""

    @field_validator("requirement")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if MLCI_VERSION_PLACEHOLDER not in value:
            raise ValueError(
                f"{value!r} pins no version: write {MLCI_VERSION_PLACEHOLDER} where the version "
                "goes (e.g. mlci @ git+https://github.com/you/mlci@v{version}), so that CI runs "
                "the mlci that generated its workflows"
            )
        if any(c in value for c in "\n\r\"'`$"):
            raise ValueError("a pip requirement on one line, without quotes, backquotes or $")
        return value

    def pinned(self, version: str) -> str:
        return self.requirement.replace(MLCI_VERSION_PLACEHOLDER, version)


class CI(Model):
    """How the generated GitHub Actions workflows run."""

    python: Annotated[str, BeforeValidator(_quoted_version)] = "3.11"
    """Python version for actions/setup-python, quoted: "3.11"."""
    runs_on: Strings = ("ubuntu-latest",)
    """Runner labels, e.g. [self-hosted, gpu]."""
    install: str = 'python -m pip install "$MLCI_REQUIREMENT" -r requirements.txt'
    """Shell command that installs the project; `$MLCI_REQUIREMENT` holds the pinned mlci."""
    mlci: MlciSource = MlciSource()
    """Where CI installs mlci from (default: PyPI, pinned to the version that generated)."""
    main_branch: BranchName = "main"
    branches: tuple[BranchPattern, ...] = ()
    """Branches whose pull requests are checked (default: the main branch); GitHub's
    patterns (`release/*`, `!wip/**`) work."""
    timeout_minutes: int = Field(default=60, ge=1, le=4320)
    schedule: CronLine | None = None
    """Cron line to also reproduce the main branch on a schedule."""
    cache: Cache = Cache()
    remote: Remote | None = None


SecurityRule = Literal[
    "trigger",
    "permissions",
    "pin",
    "expression-in-script",
    "secrets",
    "credentials",
    "cache-in-privileged-job",
    "runner",
]


class StepInsertion(Model):
    """Extra workflow steps placed before or after one of mlci's named steps."""

    before: Literal[STEP_POINTS] | None = None  # type: ignore[valid-type]
    after: Literal[STEP_POINTS] | None = None  # type: ignore[valid-type]
    workflows: tuple[WorkflowName, ...] = ("pr", "main")
    steps: tuple[dict[str, Any], ...]
    """GitHub Actions steps, written as in a workflow file."""
    accept_risk: tuple[SecurityRule, ...] = ()
    """Security rules these steps may break, accepted on purpose: the workflow says so."""

    @model_validator(mode="after")
    def _one_point(self) -> StepInsertion:
        if (self.before is None) == (self.after is None):
            raise ValueError("give exactly one of `before:` or `after:`")
        return self


class KeyOverride(Model):
    """Set any key of a generated workflow, by dotted path."""

    workflow: Literal["pr", "main", "all"] = "all"
    path: str
    """Dotted path, e.g. `jobs.reproduce.runs-on`."""
    value: Any
    accept_risk: tuple[SecurityRule, ...] = ()
    """Security rules this override may break, accepted on purpose: the workflow says so."""


class Overrides(Model):
    """Changes to the generated workflows, so no one edits a generated file by hand."""

    env: Mapping[str, str] = Field(default_factory=dict)
    """Environment variables for every job (plain values; secrets go in ci.remote.credentials)."""
    steps: tuple[StepInsertion, ...] = ()
    runs_on: Mapping[WorkflowName, Strings] = Field(default_factory=dict)
    """Runner labels for one workflow, e.g. `{main: [self-hosted, gpu]}`; else `ci.runs_on`."""
    set: tuple[KeyOverride, ...] = ()


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
    gates: Gates = Gates()
    ci: CI = CI()
    overrides: Overrides = Overrides()

    def metric_key(self, name: str) -> str:
        return self.metrics[name].key or name

    def data_ci_cannot_fetch(self) -> list[str]:
        """Data tracked by DVC in this repository, when CI has no remote to fetch it from.

        Imports are fetched from where they were imported, so only plain sources count.
        """
        if self.ci.remote is not None:
            return []
        return [d.path for d in self.data if d.import_ is None and d.url is None]
