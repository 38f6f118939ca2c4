"""Is what mlci generated still what mlci.yaml says? The spec is the source of truth.

`mlci run` brings stale generated files up to date before it reproduces anything (never a
file edited by hand); `mlci status` and `mlci gate` refuse to call a commit reproduced or a
change passed while dvc.yaml or a workflow no longer matches the spec. A spec that does not
load is a SpecError here too: nothing reports "up to date" on a broken spec.
"""

from __future__ import annotations

from pathlib import Path

from mlci.errors import CheckFailed
from mlci.generate.manifest import MANIFEST
from mlci.generate.plan import Action, Plan, apply_plan, plan_generation
from mlci.spec.load import load_project


def stale_files(plan: Plan) -> list[str]:
    """Generated files that differ from what the spec gives (the manifest aside)."""
    return [c.path for c in plan.pending if c.path != MANIFEST]


def plan_for(spec_path: Path) -> Plan:
    return plan_generation(load_project(spec_path))


def bring_in_sync(spec_path: Path, *, dry: bool = False) -> list[str]:
    """Regenerate what is stale; returns the paths written (or that would be, when `dry`)."""
    plan = plan_for(spec_path)
    if plan.conflicts:
        details = "; ".join(f"{c.path} {c.reason}" for c in plan.conflicts)
        raise CheckFailed(
            f"{spec_path.name} changed but the files generated from it cannot be brought up "
            f"to date: {details}. Nothing was run"
        )
    written = stale_files(plan)
    if written and not dry:
        apply_plan(spec_path.resolve().parent, plan)
    return written


def require_in_sync(spec_path: Path, doing: str) -> None:
    """Raise CheckFailed naming each stale generated file and the fix."""
    plan = plan_for(spec_path)
    stale = [
        f"{c.path} ({'edited by hand' if c.action is Action.CONFLICT else c.action.value})"
        for c in plan.pending
        if c.path != MANIFEST
    ]
    if stale:
        raise CheckFailed(
            f"cannot {doing}: generated files do not match {spec_path.name}: "
            f"{', '.join(stale)}; run `mlci generate` (or `mlci run`, which regenerates "
            "before it reproduces) and commit the result"
        )
