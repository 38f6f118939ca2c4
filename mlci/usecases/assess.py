"""Judge a change: compare as `mlci diff` does, then apply the base revision's gate rules.

A change never judges itself: the rules (and the metrics' directions and tolerances) are the
base revision's mlci.yaml (mlci.revision.judging_rules). `check: reproduced` compares HEAD as
committed with the workspace as `dvc repro` left it, and asks mlci.dvc.status which stages
are still out of date.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from pathlib import Path

from mlci.compare.diff import Comparison, compare
from mlci.compare.gates import GateReport, evaluate
from mlci.compare.reproduced import ReproducedCheck, check_reproduced
from mlci.errors import UsageError
from mlci.git import resolve_revision, toplevel, uncommitted
from mlci.gitbatch import GitObjects
from mlci.revision.judging_rules import JudgingRules, judging_rules
from mlci.revision.names import choose_base, resolve
from mlci.revision.snapshot import Revision, RevisionReader, Snapshot, snapshots
from mlci.spec.model import Spec
from mlci.spec.paths import normalise
from mlci.usecases.project import DEFAULT_SPEC


def assess(
    root: Path,
    spec: Spec,
    base_revision: str | None = None,
    target_revision: str | None = None,
    *,
    base_tip: bool = False,
    gate: str = "merge",
    spec_name: str = DEFAULT_SPEC.name,
    rules_given: bool = False,
) -> tuple[Comparison, GateReport]:
    """The comparison of BASE and TARGET, and the `gate` rules of BASE judged on it.

    The rules (and the metrics' directions and tolerances) are the base's: a change never
    judges itself. `spec` is the change's own spec, which says where to read its results.
    With `rules_given`, `spec`'s own rules judge instead: a deployment compares two merged
    versions by the rules the main branch holds now.
    """
    base = choose_base(root, base_revision, spec.ci.main_branch, tip=base_tip)
    target = resolve(root, target_revision) if target_revision else None
    reproduced = None
    own_spec = spec
    with GitObjects(root) as objects:
        if rules_given:
            judging = JudgingRules(spec, "the workspace's mlci.yaml")
        else:
            judging = judging_rules(objects, spec, *base, _in_repository(root, spec_name))
        spec = judging.spec
        rules = spec.gates.deploy if gate == "deploy" else spec.gates.merge
        declared = [normalise(".", m.file) or m.file for m in spec.metrics.values()]
        reader = RevisionReader(root, objects)
        old, new = snapshots(reader, base, target or (None, "workspace"), declared)
        if any(rule.check == "reproduced" for rule in rules):
            at = target[0] if target else None
            reproduced = read_reproduced(root, reader, spec, at, declared)
        comparison = compare(old, new, spec)
        if spec.evaluation is not None:
            from mlci.usecases.evaluation import with_same_rows

            at = target[0] if target else None
            comparison = with_same_rows(comparison, reader, spec, base[0], at, change_spec=own_spec)
    report = evaluate(
        rules, comparison, reproduced, gate=gate, not_comparable=spec.gates.not_comparable
    )
    notes = (judging.note,) if judging.note else ()
    return comparison, replace(report, rules_source=judging.source, notes=notes)


def _in_repository(root: Path, spec_name: str) -> str:
    """The spec's path as git names it: relative to the top of the repository."""
    top = toplevel(root)
    assert top is not None  # the callers checked
    return (root.resolve() / spec_name).relative_to(top).as_posix()


def read_reproduced(
    root: Path, reader: RevisionReader, spec: Spec, target: Revision, declared: list[str]
) -> ReproducedCheck:
    """HEAD as committed against the workspace as `dvc repro` left it."""
    try:
        head = resolve_revision(root, "HEAD")
    except UsageError:
        return ReproducedCheck("HEAD", ("this repository has no commit yet",))
    shown = f"HEAD ({head[:12]})"
    if target is not None and target != head:
        # The workspace is a reproduction of HEAD; it says nothing about another commit.
        elsewhere = (
            f"TARGET {target[:12]} is not the checked-out commit {head[:12]}: only the commit "
            "in the workspace can be checked against its reproduction"
        )
        return ReproducedCheck(shown, (elsewhere,))
    committed, workspace = snapshots(reader, (head, shown), (None, "workspace"), declared)
    pending, problem = _pending(root, workspace.has_lock)
    check = check_reproduced(committed, workspace, spec, pending)
    if check.differences and (changed := _edited(root, workspace)):
        # The usual cause of a failed check on a developer's machine: the change was run but
        # not committed, so HEAD's dvc.lock and metrics are the old ones.
        listed = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if changed[5:] else "")
        hint = (
            f"the workspace has uncommitted changes ({listed}): commit them together with the "
            "dvc.lock and metrics `mlci run` wrote, then check again"
        )
        check = replace(check, fix=hint)
    if problem is None:
        return check
    return replace(check, differences=(problem, *check.differences))


def _edited(root: Path, workspace: Snapshot) -> list[str]:
    """Uncommitted tracked files, when one of them is not what the pipeline writes: a CI
    reproduction leaves dvc.lock and metrics changed by itself, and its fix is elsewhere."""
    top = toplevel(root)
    prefix = root.resolve().relative_to(top).as_posix() if top is not None else "."
    written = {"dvc.lock", *workspace.metrics, *workspace.outputs}
    changed = uncommitted(root)
    inside = [path.removeprefix(f"{prefix}/") if prefix != "." else path for path in changed]
    edited = [
        path for path in inside if posixpath.basename(path) != "dvc.lock" and path not in written
    ]
    return changed if edited else []


def _pending(root: Path, has_lock: bool) -> tuple[dict[str, str], str | None]:
    """Stages `dvc status` says are out of date, or why DVC could not say.

    Worked out by mlci.dvc.status without DVC, which runs `dvc status` only where it cannot
    be sure of DVC's answer (a templated dvc.yaml, for one).
    """
    from mlci.dvc import pipeline
    from mlci.dvc import status as dvc_status

    if not has_lock:
        return {}, None  # check_reproduced says so, in its own words
    if not pipeline.is_dvc_repo(root):
        return {}, f"{root} is not a DVC repository (no .dvc folder): nothing was reproduced"
    try:
        return dvc_status.pending(root), None
    except UsageError as error:
        return {}, f"cannot tell whether the workspace is reproduced: {error}"
