"""Start the deploy workflow by hand, through the API: the way after a promotion whose tag
was pushed with GITHUB_TOKEN, which starts no workflow (`workflow_dispatch` is exempt)."""

from __future__ import annotations

from urllib.parse import quote

from mlci.publish.github import GitHub


def dispatch_workflow(
    github: GitHub, repository: str, workflow_file: str, ref: str, inputs: dict[str, str]
) -> None:
    """POST .../actions/workflows/{file}/dispatches: a run of `workflow_file` on `ref`."""
    path = f"repos/{repository}/actions/workflows/{quote(workflow_file, safe='')}/dispatches"
    github.trigger(path, {"ref": ref, "inputs": inputs})
