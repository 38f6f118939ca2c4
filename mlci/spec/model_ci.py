"""The `ci:` and `overrides:` sections of mlci.yaml: how the generated workflows run, and what
a user changes in them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from mlci.spec.model_base import (
    STEP_POINTS,
    BranchName,
    BranchPattern,
    CronLine,
    EnvironmentName,
    Model,
    NotAnOption,
    RemoteName,
    Strings,
    WorkflowName,
)


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

    workflow: Literal["pr", "main", "deploy", "monitor", "retrain", "all"] = "all"
    """`all`: the pipeline's workflows, pr and main; the others are named alone."""
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
