"""The building blocks of mlci.yaml's models: the strict base model, the shorthands a user may
write, and the value types checked by mlci.spec.syntax."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from mlci.spec import syntax

SPEC_VERSION = 1
DEFAULT_PARAMS_FILE = "params.yaml"
STAGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")

# Named places in the generated workflows where `overrides.steps` may add steps.
WorkflowName = Literal["pr", "main", "deploy", "monitor", "retrain"]
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
    # The deploy workflow's, in each stage's job.
    "model-files",
    "package",
    "smoke",
    "release",
    "image",
    "deliver",
    "record",
    # The monitor workflow's and the retrain workflow's.
    "monitor",
    "refresh",
    "open-pr",
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
RegistryName = Annotated[str, _checked(syntax.registry_name_problem)]
"""A model's name in the registry's tags."""
StageName = Annotated[str, _checked(syntax.registry_stage_problem)]
"""A stage of the registry (staging, prod)."""
RemoteName = Annotated[str, _checked(lambda v: syntax.plain_name_problem(v, "DVC remote"))]
EnvironmentName = Annotated[
    str, _checked(lambda v: syntax.plain_name_problem(v, "GitHub environment"))
]


def _a_label(value: Any) -> Any:
    """One problem for a value that is no label, rather than one per type a label may be."""
    if value is not None and not isinstance(value, (bool, int, float, str)):
        kind = "a mapping" if isinstance(value, dict) else "a list"
        raise ValueError(f"must be a label (text, a number, or true or false), not {kind}")
    return value


Label = Annotated[bool | int | float | str, BeforeValidator(_a_label)]
"""A class of a classification target, as the data holds it."""
