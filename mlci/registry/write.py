"""The tags `mlci register`, `mlci promote` and `mlci rollback` add, as GTO writes them.

Every tag is annotated (the tagger is who, the date is when), never moved, and checked
against the registry as it stands: a version is registered once; a stage is reached only
from the stage before it (`deploy.stages`); a rollback unassigns the version that holds the
stage, so that GTO's view (the highest version assigned) falls back to the one before.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mlci.errors import UsageError
from mlci.git import create_tag
from mlci.registry.state import Artifact, Registry
from mlci.registry.tags import VERSION_PATTERN, semver_key, stage_tag, version_tag

Bump = Literal["major", "minor", "patch"]


@dataclass(frozen=True)
class Written:
    tag: str
    version: str
    commit: str
    message: str


def next_version(artifact: Artifact | None, bump: Bump) -> str:
    """The highest version registered so far, bumped; v0.1.0 for a first one."""
    versions = [v.version for v in (artifact.versions if artifact else ()) if v.registered]
    if not versions:
        return "v0.1.0"
    major, minor, patch, *_ = semver_key(max(versions, key=semver_key))
    if bump == "major":
        return f"v{major + 1}.0.0"
    if bump == "minor":
        return f"v{major}.{minor + 1}.0"
    return f"v{major}.{minor}.{patch + 1}"


def register(
    root: Path, registry: Registry, name: str, commit: str, version: str | None, bump: Bump
) -> Written:
    """Register the model at `commit` as `version` (default: the next `bump`)."""
    artifact = registry.artifacts.get(name)
    chosen = version or next_version(artifact, bump)
    if not VERSION_PATTERN.match(chosen):
        raise UsageError(f"{chosen!r} is not a version: v and a semantic version, e.g. v1.2.0")
    if artifact is not None:
        if (known := artifact.version(chosen)) is not None and known.registered:
            raise UsageError(
                f"{name} {chosen} is already registered (at {known.commit[:12]}): "
                "versions are never reused; register the next one"
            )
        at_commit = [
            v.version for v in artifact.versions if v.registered and v.active and v.commit == commit
        ]
        if at_commit:
            raise UsageError(f"{name} is already registered at {commit[:12]} as {at_commit[0]}")
    message = f"Registering artifact {name} version {chosen}"
    tag = version_tag(name, chosen)
    create_tag(root, tag, commit, message, at=_after(artifact))
    return Written(tag, chosen, commit, message)


def promote(
    root: Path,
    registry: Registry,
    name: str,
    version: str,
    stage: str,
    order: tuple[str, ...],
    evidence: str | None = None,
) -> Written:
    """Assign `stage` to `version`, which must have been in the stage before it.

    `evidence` (a JSON document) becomes the tag message's body, and its sha256 the end of
    the subject: the evidence travels with the tag, and a changed copy shows.
    """
    artifact = registry.artifacts.get(name)
    found = artifact.version(version) if artifact else None
    if artifact is None or found is None or found.registered is None:
        raise UsageError(f"{name} {version} is not registered: `mlci register` it first")
    if not found.active:
        raise UsageError(f"{name} {version} was deregistered; it cannot be promoted")
    if stage not in order:
        raise UsageError(
            f"{stage!r} is not a stage of deploy.stages in mlci.yaml ({', '.join(order)})"
        )
    position = order.index(stage)
    if position > 0:
        before = order[position - 1]
        was_there = any(
            e.action == "assign" and e.stage == before and e.version == version
            for e in artifact.history
        )
        if not was_there:
            raise UsageError(
                f"{name} {version} was never in {before}: it reaches {stage} only from "
                f"{before} (deploy.stages: {', '.join(order)})"
            )
    if (holder := artifact.stages.get(stage)) is not None and holder.version == version:
        raise UsageError(f"{name} {version} is already in {stage}")
    message = f"Assigning stage {stage} to artifact {name} version {version}"
    if evidence:
        message += f"; evidence sha256:{evidence_digest(evidence)}\n\n{evidence}"
    tag = stage_tag(name, stage, artifact.last_counter + 1)
    create_tag(root, tag, found.commit, message, at=_after(artifact))
    return Written(tag, version, found.commit, message)


def evidence_digest(evidence: str) -> str:
    return hashlib.sha256(evidence.encode()).hexdigest()


def rollback(root: Path, registry: Registry, name: str, stage: str) -> tuple[Written, str]:
    """Unassign the version in `stage`; returns the tag and the version that holds it now."""
    artifact = registry.artifacts.get(name)
    holder = artifact.stages.get(stage) if artifact else None
    if artifact is None or holder is None:
        raise UsageError(f"no version of {name} is in {stage}: nothing to roll back")
    previous = _still_assigned(artifact, stage, holder.version)
    if previous is None:
        raise UsageError(
            f"{name} {holder.version} is the first version in {stage}: there is none to roll "
            "back to"
        )
    message = f"Unassigning stage {stage} from artifact {name} version {holder.version}"
    tag = stage_tag(name, stage, artifact.last_counter + 1, cancel=True)
    create_tag(root, tag, holder.commit, message, at=_after(artifact))
    return Written(tag, holder.version, holder.commit, message), previous


def _still_assigned(artifact: Artifact, stage: str, leaving: str) -> str | None:
    """The version that holds `stage` once `leaving` leaves it: of the active versions whose
    latest event there is an assignment, the one assigned last."""
    active = {v.version for v in artifact.versions if v.active}
    seen: set[str] = set()
    for event in artifact.history:  # newest first: each version's latest event comes first
        if event.stage != stage or event.version in seen:
            continue
        seen.add(event.version)
        if event.version != leaving and event.version in active and event.action == "assign":
            return event.version
    return None


def _after(artifact: Artifact | None) -> int:
    """A tag's date: now, or a second after the model's newest tag if that is not earlier,
    so that GTO (which orders by seconds) and mlci read the same order."""
    now = int(time.time())
    return max(now, artifact.last_time + 1) if artifact is not None else now
