"""The security rules every generated workflow must pass, checked by real tools.

zizmor, actionlint and check-jsonschema run as the programs users run; the structural rules that no
tool checks as such (pins with version comments, no expressions in `run:`, a top-level
`permissions: {}`) are read from the parsed workflow.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def _tool(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    assert found, f"{name} is not installed; install the test extras: pip install -e '.[test]'"
    return found


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("zizmor"), "--offline", "--persona", "auditor", "--no-progress", *map(str, paths)],
        capture_output=True,
        text=True,
    )


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("actionlint"), "-no-color", *map(str, paths)], capture_output=True, text=True
    )


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
    )


@cache
def _workflow_schema() -> dict[str, Any]:
    # The same vendored SchemaStore schema the check-jsonschema command uses.
    package = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((package / "github-workflows.json").read_text())  # type: ignore[no-any-return]


def schema_errors(text: str) -> list[str]:
    """In-process equivalent of check-jsonschema, fast enough for property tests."""
    document = YAML(typ="safe").load(text)
    validator = jsonschema.Draft7Validator(_workflow_schema())
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


def structural_problems(text: str) -> list[str]:
    """Rules from the field notes that neither tool states as such."""
    problems: list[str] = []
    workflow = YAML(typ="safe").load(text)
    if workflow.get("permissions") != {}:
        problems.append("top-level permissions must be {}")
    if "pull_request_target" in (workflow.get("on") or {}):
        problems.append("pull_request_target is not allowed")
    if workflow.get("defaults", {}).get("run", {}).get("shell") != "bash":
        problems.append("defaults.run.shell must be bash")
    if "concurrency" not in workflow:
        problems.append("no concurrency group")
    for name, job in workflow["jobs"].items():
        if "timeout-minutes" not in job:
            problems.append(f"job {name}: no timeout-minutes")
        if "permissions" not in job:
            problems.append(f"job {name}: no permissions")
        secrets = set(re.findall(r"secrets\.(\w+)", json.dumps(job))) - {"GITHUB_TOKEN"}
        if secrets and "environment" not in job:
            problems.append(f"job {name}: uses secrets {sorted(secrets)} without an environment")
        if "secrets: inherit" in text or "toJSON(secrets)" in text:
            problems.append("secrets must be referenced one by one")
        for step in job.get("steps", []):
            problems += _step_problems(name, step)
    for line in text.splitlines():
        if (
            "uses:" in line
            and "@" in line
            and "actions/" in line
            and not VERSION_COMMENT.search(line)
        ):
            problems.append(f"pin without a version comment: {line.strip()}")
    return problems


def _step_problems(job: str, step: dict[str, Any]) -> list[str]:
    problems = []
    uses = step.get("uses")
    if uses and not uses.startswith("./") and not PINNED.match(uses):
        problems.append(f"job {job}: {uses} is not pinned to a commit")
    if "${{" in str(step.get("run", "")):
        problems.append(f"job {job}: expression inside run: {step.get('name')}")
    is_checkout = bool(uses) and uses.startswith("actions/checkout@")
    if is_checkout and step.get("with", {}).get("persist-credentials") is not False:
        problems.append(f"job {job}: checkout keeps credentials")
    return problems
