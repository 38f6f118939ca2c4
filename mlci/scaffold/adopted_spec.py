"""Write the mlci.yaml that describes an adopted DVC pipeline (see mlci.scaffold.adopt).

The text is plain YAML with a short header saying where it came from and what to do next;
only what differs from mlci.yaml's defaults is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mlci.files import read_text_or_none

if TYPE_CHECKING:
    from mlci.scaffold.adopt import Adoption

# mlci.yaml's own default for `ci.main_branch`, so it is written only when it differs.
DEFAULT_MAIN_BRANCH = "main"
HEADER = (
    "# yaml-language-server: $schema=.mlci/schema.json\n"
    "# Imported by `mlci init` from dvc.yaml: mlci now generates these stages.\n"
    "# Next: set problem.task, and declare under `metrics:` the metrics that matter.\n"
)


def adopted_spec_text(adoption: Adoption, main_branch: str, shared_remote: str | None) -> str:
    """mlci.yaml for the adopted pipeline; `shared_remote` is a remote CI can see, if any."""
    spec: dict[str, Any] = {
        "version": 1,
        "problem": {
            "task": "other",
            "description": "Adopted from the existing DVC pipeline; describe the problem here.",
        },
    }
    if adoption.data:
        spec["data"] = adoption.data
    if adoption.params_files:
        spec["params"] = adoption.params_files
    spec["stages"] = adoption.stages
    if adoption.pipeline:
        spec["pipeline"] = adoption.pipeline
    ci: dict[str, Any] = {}
    if main_branch != DEFAULT_MAIN_BRANCH:
        ci["main_branch"] = main_branch
    if shared_remote is not None:
        ci["remote"] = {"name": shared_remote}
    if ci:
        spec["ci"] = ci
    return HEADER + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)


def remote_is_shared(root: Path, name: str) -> bool:
    """A remote in the committed .dvc/config, so CI sees it too."""
    config = read_text_or_none(root / ".dvc" / "config") or ""
    return f"['remote \"{name}\"']" in config
