"""Which version a deploy run delivers, and to which stage: the registry decides, never the
event alone.

A run is started by a stage tag being pushed or by hand (`workflow_dispatch` with a stage).
Either way the version deployed is the one the registry says holds the stage now, so a tag
pushed late, twice, or out of order deploys what the registry holds, and a rollback (which
unassigns) deploys the version it hands the stage back to. That version must have come
through mlci's deploy gate: its assignment carries evidence whose digest matches, for this
stage and this version, and it held the stage before (deploy.stages' order) first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlci.errors import CheckFailed, UsageError
from mlci.registry.state import Artifact, Event, read_registry
from mlci.registry.tags import parse
from mlci.spec.model import Spec
from mlci.usecases.deploy import read_evidence


@dataclass(frozen=True)
class DeployPlan:
    stage: str
    environment: str
    version: str
    commit: str
    tag: str
    """The assignment by which the version holds the stage (its evidence is there)."""
    production: bool
    """The last stage: GitHub marks its environment as production."""


@dataclass(frozen=True)
class NothingToDeploy:
    reason: str


def plan_deployment(
    root: Path, spec: Spec, *, tag: str | None, stage: str | None
) -> DeployPlan | NothingToDeploy:
    """What to deploy for a pushed `tag` or a requested `stage`."""
    deploy = spec.deploy
    if tag:
        name = parse(tag)
        if name is None or name.artifact != deploy.model or name.stage is None:
            return NothingToDeploy(f"{tag} is not a stage tag of {deploy.model}")
        stage = name.stage
    if not stage:
        raise UsageError("name the stage to deploy (or the stage tag that was pushed)")
    if stage not in deploy.stages:
        raise UsageError(f"{stage!r} is not one of deploy.stages ({', '.join(deploy.stages)})")
    artifact = read_registry(root).artifacts.get(deploy.model)
    holder = artifact.stages.get(stage) if artifact is not None else None
    if artifact is None or holder is None:
        return NothingToDeploy(f"no version of {deploy.model} is in {stage}: nothing to deploy")
    _check_evidence(root, holder, stage)
    _check_order(artifact, holder, spec.deploy.stages)
    return DeployPlan(
        stage=stage,
        environment=deploy.environment(stage),
        version=holder.version,
        commit=holder.commit,
        tag=holder.tag,
        production=stage == deploy.stages[-1],
    )


def _check_evidence(root: Path, holder: Event, stage: str) -> None:
    try:
        evidence = read_evidence(root, holder.tag)
    except UsageError as error:
        raise CheckFailed(
            f"{holder.version} holds {stage} by {holder.tag}, which did not come through "
            f"mlci's deploy gate ({error}): promote it with `mlci promote`"
        ) from None
    candidate = evidence.get("candidate")
    said = candidate.get("version") if isinstance(candidate, dict) else None
    if evidence.get("stage") != stage or said != holder.version:
        raise CheckFailed(
            f"{holder.tag}'s evidence is about {said} in {evidence.get('stage')}, not "
            f"{holder.version} in {stage}"
        )


def _check_order(artifact: Artifact, holder: Event, stages: tuple[str, ...]) -> None:
    index = stages.index(holder.stage or "")
    if index == 0:
        return
    before = stages[index - 1]
    reached = any(
        event.action == "assign"
        and event.stage == before
        and event.version == holder.version
        and event.time <= holder.time
        for event in artifact.history
    )
    if not reached:
        raise CheckFailed(
            f"{holder.version} holds {holder.stage} without having been in {before} first "
            f"(deploy.stages: {', '.join(stages)}): {holder.tag} was not made by mlci"
        )
