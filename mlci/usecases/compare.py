"""Compare two revisions of a project, as `mlci diff` does: pick them, read both, compare.

The spec is read for two things only, the declared metrics and `ci.main_branch`
(mlci.usecases.quick_spec), so a project without mlci.yaml compares too.
"""

from __future__ import annotations

from mlci.compare.diff import Comparison, compare
from mlci.gitbatch import GitObjects
from mlci.revision.names import choose_base, resolve
from mlci.revision.snapshot import RevisionReader, snapshots
from mlci.spec.paths import normalise
from mlci.usecases.project import ProjectPaths
from mlci.usecases.quick_spec import read_spec


def compare_revisions(
    project: ProjectPaths, base: str | None, target: str | None, *, base_tip: bool = False
) -> Comparison:
    """BASE (default: the merge-base with the main branch, or its tip) against TARGET
    (default: the workspace)."""
    root = project.root
    spec, main_branch = read_spec(project.spec, explicit=project.spec_given)
    old_side = choose_base(root, base, main_branch, tip=base_tip)
    new_side = resolve(root, target) if target else (None, "workspace")
    declared = [normalise(".", m.file) or m.file for m in (spec.metrics if spec else {}).values()]
    with GitObjects(root) as objects:
        reader = RevisionReader(root, objects)
        old, new = snapshots(reader, old_side, new_side, declared)
        comparison = compare(old, new, spec)
        # Only the full spec has `evaluation:` (read_spec loads it when the file declares one).
        if getattr(spec, "evaluation", None) is not None:
            from mlci.spec.model import Spec
            from mlci.usecases.evaluation import with_same_rows

            assert isinstance(spec, Spec)
            comparison = with_same_rows(
                comparison, reader, spec, old_side[0], new_side[0], change_spec=spec
            )
    return comparison
