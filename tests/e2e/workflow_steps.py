"""Run one step of a generated workflow as GitHub's runner would: its own script, its env.

For tests that need one step's real behaviour without a whole act run. The step's `run:`
script is executed unchanged with `bash --noprofile --norc -eo pipefail` (GitHub's `bash`
shell); `${{ }}` expressions in its `env:` are answered from `context`, and an expression
the test did not answer is an error, never an empty string.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass(frozen=True)
class StepRun:
    code: int
    out: str
    err: str
    outputs: dict[str, str]


def find_step(workflow: str, step_id: str, job: str = "reproduce") -> dict[str, Any]:
    document = YAML(typ="safe").load(workflow)
    for step in document["jobs"][job]["steps"]:
        if step.get("id") == step_id:
            return dict(step)
    raise AssertionError(f"no step {step_id!r} in job {job!r}")


def run_step(
    workflow: str,
    step_id: str,
    cwd: Path,
    context: Mapping[str, str],
    env: Mapping[str, str] | None = None,
) -> StepRun:
    step = find_step(workflow, step_id)
    variables = {name: _resolve(str(value), context) for name, value in step.get("env", {}).items()}
    output_file = cwd.parent / f".{step_id}.outputs"
    output_file.write_text("")
    base = {**os.environ, **(env or {})}
    # The tools the job installed (dvc, mlci) come first, as setup-python's PATH puts them.
    base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**base, **variables, "GITHUB_OUTPUT": str(output_file)},
    )
    outputs = dict(
        line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
    )
    return StepRun(done.returncode, done.stdout, done.stderr, outputs)


def _resolve(value: str, context: Mapping[str, str]) -> str:
    def answer(match: re.Match[str]) -> str:
        expression = match[1]
        assert expression in context, f"the test does not answer ${{{{ {expression} }}}}"
        return context[expression]

    return EXPRESSION.sub(answer, value)
