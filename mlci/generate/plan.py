"""`mlci generate`: plan what the spec means on disk, then write it, never over a hand edit.

Planning is separate from writing so that `--check` and `--diff` see exactly what a real run
would do. A plan with a conflict writes nothing at all: every file stays as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from mlci import __version__
from mlci.files import owned_path_problem, read_text_or_none, sha256_text
from mlci.generate.dvcyaml import DesiredPipeline, plan_dvc_yaml
from mlci.generate.manifest import MANIFEST, Manifest
from mlci.generate.write_set import finish_interrupted, write_set
from mlci.markers import has_header
from mlci.render.dvcyaml import DVC_YAML, content_digest, render_sections, render_stages
from mlci.render.workflows import render_workflows
from mlci.spec.load import Project
from mlci.spec.schema import EDITOR_SCHEMA, editor_schema_text

# The only files mlci ever writes whole, and so the only ones it may delete: the manifest is
# a committed file any pull request can edit, so a path it lists is a hint, never an order.
OWNED_FILE = re.compile(r"\.github/workflows/mlci-[a-z0-9-]+\.yml|\.mlci/[a-z0-9-]+\.json")


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DELETE = "delete"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class FileChange:
    path: str
    action: Action
    old: str | None
    new: str | None
    reason: str = ""


@dataclass(frozen=True)
class Plan:
    changes: tuple[FileChange, ...]
    generated_by: str | None = None
    """The mlci version that wrote the files on disk, from the manifest (None: not recorded)."""

    @property
    def version_changed(self) -> bool:
        """The files on disk were written by another mlci than the one running."""
        return self.generated_by != __version__

    @property
    def conflicts(self) -> list[FileChange]:
        return [c for c in self.changes if c.action is Action.CONFLICT]

    @property
    def pending(self) -> list[FileChange]:
        """Everything that is not already as the spec says."""
        return [c for c in self.changes if c.action is not Action.UNCHANGED]


def plan_generation(project: Project, *, force: bool = False) -> Plan:
    root = project.root
    # A set an interrupted run committed to is finished first: plan against whole sets only.
    finish_interrupted(root)
    manifest = Manifest.read(root)
    # Files mlci writes whole (as opposed to dvc.yaml, which it shares with the user).
    whole_files = {**render_workflows(project.spec), EDITOR_SCHEMA: editor_schema_text()}
    desired = DesiredPipeline(render_stages(project.spec), render_sections(project.spec))
    changes = [_plan_dvc_yaml(root, desired, manifest, force)]
    changes += [
        _plan_whole_file(root, path, text, manifest, force) for path, text in whole_files.items()
    ]
    changes += _plan_removals(root, set(whole_files), manifest, force)
    new_manifest = Manifest(
        files={path: sha256_text(text) for path, text in sorted(whole_files.items())},
        stages={name: content_digest(stage) for name, stage in desired.stages.items()},
        sections={name: content_digest(value) for name, value in desired.sections.items()},
        mlci_version=__version__,
    )
    changes.append(_plan_manifest(root, new_manifest))
    return Plan(tuple(changes), generated_by=manifest.mlci_version)


def _change(path: str, old: str | None, new: str | None) -> FileChange:
    if old == new:
        return FileChange(path, Action.UNCHANGED, old, new)
    return FileChange(path, Action.CREATE if old is None else Action.UPDATE, old, new)


def _plan_whole_file(
    root: Path, path: str, text: str, manifest: Manifest, force: bool
) -> FileChange:
    if problem := owned_path_problem(root, path):
        return FileChange(path, Action.CONFLICT, None, text, f"{problem}; nothing was written")
    old = read_text_or_none(root / path)
    if old is None or old == text:
        return _change(path, old, text)
    if not has_header(old):
        # Never touched, even with --force: this file is someone else's.
        return FileChange(
            path,
            Action.CONFLICT,
            old,
            text,
            "exists and was not written by mlci (no mlci header); rename or remove it",
        )
    if force or manifest.files.get(path) == sha256_text(old):
        return _change(path, old, text)
    return FileChange(
        path,
        Action.CONFLICT,
        old,
        text,
        "was edited by hand; move the change into mlci.yaml (`overrides:`) "
        "or run `mlci generate --force` to discard it",
    )


def _plan_removals(
    root: Path, generated: set[str], manifest: Manifest, force: bool
) -> list[FileChange]:
    changes = []
    for path, digest in sorted(manifest.files.items()):
        if path in generated or not OWNED_FILE.fullmatch(path):
            continue  # not a name mlci writes: whatever the manifest says, never touched
        if owned_path_problem(root, path) is not None:
            continue  # a link, a device, a huge file: not something mlci wrote
        old = read_text_or_none(root / path)
        if old is None or not has_header(old):
            continue
        if force or sha256_text(old) == digest:
            changes.append(FileChange(path, Action.DELETE, old, None))
        else:
            changes.append(
                FileChange(
                    path,
                    Action.CONFLICT,
                    old,
                    None,
                    "is no longer generated but was edited by hand; delete it yourself, "
                    "or run `mlci generate --force`",
                )
            )
    return changes


def _plan_dvc_yaml(
    root: Path, desired: DesiredPipeline, manifest: Manifest, force: bool
) -> FileChange:
    if problem := owned_path_problem(root, DVC_YAML):
        return FileChange(DVC_YAML, Action.CONFLICT, None, None, problem)
    old = read_text_or_none(root / DVC_YAML)
    plan = plan_dvc_yaml(old, desired, manifest, force)
    if plan.problems:
        return FileChange(DVC_YAML, Action.CONFLICT, old, plan.new, "; ".join(plan.problems))
    return _change(DVC_YAML, old, plan.new)


def _plan_manifest(root: Path, manifest: Manifest) -> FileChange:
    if problem := owned_path_problem(root, MANIFEST):
        return FileChange(MANIFEST, Action.CONFLICT, None, manifest.to_text(), problem)
    return _change(MANIFEST, read_text_or_none(root / MANIFEST), manifest.to_text())


def apply_plan(root: Path, plan: Plan) -> None:
    """Write a conflict-free plan, all or nothing (see mlci.generate.write_set)."""
    if plan.conflicts:
        raise ValueError("a plan with conflicts must not be applied")
    writes = {
        c.path: c.new for c in plan.pending if c.action is not Action.DELETE and c.new is not None
    }
    deletes = [c.path for c in plan.pending if c.action is Action.DELETE]
    write_set(root, writes, deletes)
