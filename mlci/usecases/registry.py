"""The registry's commands: register a version and roll a stage back (promoting goes through
the deploy gate: mlci.usecases.deploy). The tags are GTO's (mlci.registry); the rules are
mlci.yaml's `deploy:`."""

from __future__ import annotations

from pathlib import Path

from mlci.errors import UsageError
from mlci.git import is_ancestor, resolve_revision
from mlci.registry.state import read_registry
from mlci.registry.write import Bump, Written, register, rollback
from mlci.revision.names import main_commit
from mlci.spec.model import Spec


def register_version(root: Path, spec: Spec, ref: str, version: str | None, bump: Bump) -> Written:
    """Register the model at `ref`, a commit of the main branch (merged, so judged)."""
    commit = resolve_revision(root, ref)
    main, shown = main_commit(root, spec.ci.main_branch)
    if not is_ancestor(root, commit, main):
        raise UsageError(
            f"{ref} ({commit[:12]}) is not on {shown}: a version is registered from the main "
            "branch, after its pull request passed the merge gate"
        )
    return register(root, read_registry(root), spec.deploy.model, commit, version, bump)


def roll_back(root: Path, spec: Spec, stage: str) -> tuple[Written, str]:
    return rollback(root, read_registry(root), spec.deploy.model, stage)
