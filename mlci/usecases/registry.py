"""The registry's commands: register a version, promote it to a stage, roll a stage back,
and show it all. The tags are GTO's (mlci.registry); the rules are mlci.yaml's `deploy:`."""

from __future__ import annotations

from pathlib import Path

from mlci.errors import UsageError
from mlci.git import is_ancestor, resolve_revision
from mlci.registry.state import Registry, read_registry
from mlci.registry.write import Bump, Written, promote, register, rollback
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


def promote_version(root: Path, spec: Spec, version: str | None, stage: str) -> Written:
    """Assign `stage` to `version` (default: the highest registered)."""
    registry = read_registry(root)
    chosen = version or _highest(registry, spec.deploy.model)
    return promote(root, registry, spec.deploy.model, chosen, stage, spec.deploy.stages)


def roll_back(root: Path, spec: Spec, stage: str) -> tuple[Written, str]:
    return rollback(root, read_registry(root), spec.deploy.model, stage)


def _highest(registry: Registry, name: str) -> str:
    artifact = registry.artifacts.get(name)
    versions = [v for v in (artifact.versions if artifact else ()) if v.registered and v.active]
    if not versions:
        raise UsageError(f"{name} has no registered version: `mlci register` one first")
    return versions[0].version  # highest first
