"""`mlci generate`: plan what the spec means on disk, then write it, never over a hand edit.

Planning is separate from writing so that `--check` and `--diff` see exactly what a real run
would do. A plan with a conflict writes nothing at all: every file stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from mlci.dvcfile import plain_stages
from mlci.errors import UsageError
from mlci.files import read_text_or_none, sha256_text, write_atomic
from mlci.manifest import MANIFEST, Manifest
from mlci.markers import has_header, is_managed_stage
from mlci.render.dvcyaml import (
    DVC_YAML,
    DvcYamlDocument,
    has_dvc_yaml_header,
    render_stages,
    stage_digest,
)
from mlci.render.workflows import render_workflows
from mlci.spec.load import Project


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

    @property
    def conflicts(self) -> list[FileChange]:
        return [c for c in self.changes if c.action is Action.CONFLICT]

    @property
    def pending(self) -> list[FileChange]:
        """Everything that is not already as the spec says."""
        return [c for c in self.changes if c.action is not Action.UNCHANGED]


def plan_generation(project: Project, *, force: bool = False) -> Plan:
    root = project.root
    manifest = Manifest.read(root)
    workflows = render_workflows(project.spec)
    stages = render_stages(project.spec)
    changes = [_plan_dvc_yaml(root, stages, manifest, force)]
    changes += [
        _plan_whole_file(root, path, text, manifest, force) for path, text in workflows.items()
    ]
    changes += _plan_removals(root, set(workflows), manifest, force)
    new_manifest = Manifest(
        files={path: sha256_text(text) for path, text in sorted(workflows.items())},
        stages={name: stage_digest(stage) for name, stage in stages.items()},
    )
    changes.append(_plan_manifest(root, new_manifest))
    return Plan(tuple(changes))


def _change(path: str, old: str | None, new: str | None) -> FileChange:
    if old == new:
        return FileChange(path, Action.UNCHANGED, old, new)
    return FileChange(path, Action.CREATE if old is None else Action.UPDATE, old, new)


def _plan_whole_file(
    root: Path, path: str, text: str, manifest: Manifest, force: bool
) -> FileChange:
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
        if path in generated:
            continue
        old = read_text_or_none(root / path)
        if old is None:
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
    root: Path, stages: dict[str, dict[str, object]], manifest: Manifest, force: bool
) -> FileChange:
    old = read_text_or_none(root / DVC_YAML)
    if old is not None and _already_in_sync(old, stages):
        return _change(DVC_YAML, old, old)
    try:
        document = DvcYamlDocument.parse(old)
    except Exception as error:  # ruamel raises many types; any of them means unreadable
        raise UsageError(f"{DVC_YAML}: cannot read it as YAML ({error}); fix it first") from None
    problems: list[str] = []
    edited = False
    for name, stage in stages.items():
        current = document.stages.get(name)
        if current is not None and stage_digest(current) == stage_digest(stage):
            continue  # equal in meaning: keep the user's formatting as it is
        edited = True
        if current is None or force:
            document.replace_stage(name, stage)
        elif not isinstance(current, dict) or not is_managed_stage(current):
            problems.append(
                f"stage {name!r} was written by hand (no `meta: generated-by: mlci`); "
                "rename one of the two stages, or run `mlci generate --force` to let mlci own it"
            )
        elif manifest.stages.get(name) == stage_digest(current):
            document.replace_stage(name, stage)
        else:
            problems.append(
                f"stage {name!r} was edited by hand; move the change into mlci.yaml "
                "or run `mlci generate --force` to discard it"
            )
    for name in _stale_managed(document, stages):
        edited = True
        current = document.stages[name]
        if force or manifest.stages.get(name) == stage_digest(current):
            del document.stages[name]
        else:
            problems.append(
                f"stage {name!r} is no longer in mlci.yaml but was edited by hand; "
                "delete it from dvc.yaml yourself, or run `mlci generate --force`"
            )
    # Whoever last wrote the file (DVC, an editor, mlci) chose its layout; keep it unless a
    # stage must change or mlci's header is missing.
    new = old if old is not None and not edited and document.has_header else document.dump()
    if problems:
        return FileChange(DVC_YAML, Action.CONFLICT, old, new, "; ".join(problems))
    return _change(DVC_YAML, old, new)


def _already_in_sync(text: str, stages: dict[str, dict[str, object]]) -> bool:
    """True when dvc.yaml needs no change; read with libyaml, as round-trip parsing is slow."""
    current = plain_stages(text)
    if current is None or not has_dvc_yaml_header(text):
        return False
    if any(
        name not in current or stage_digest(current[name]) != stage_digest(stage)
        for name, stage in stages.items()
    ):
        return False
    return not _stale_managed_names(current, stages)


def _stale_managed(document: DvcYamlDocument, stages: Iterable[str]) -> list[str]:
    return _stale_managed_names(document.stages, stages)


def _stale_managed_names(current: Mapping[str, object], stages: Iterable[str]) -> list[str]:
    """Stages mlci generated earlier that the spec no longer has."""
    wanted = set(stages)
    return [
        name
        for name, stage in current.items()
        if name not in wanted and isinstance(stage, dict) and is_managed_stage(stage)
    ]


def _plan_manifest(root: Path, manifest: Manifest) -> FileChange:
    return _change(MANIFEST, read_text_or_none(root / MANIFEST), manifest.to_text())


def apply_plan(root: Path, plan: Plan) -> None:
    """Write a conflict-free plan: files first, the manifest last, each write atomic."""
    if plan.conflicts:
        raise ValueError("a plan with conflicts must not be applied")
    ordered = sorted(plan.pending, key=lambda c: c.path == MANIFEST)
    for change in ordered:
        target = root / change.path
        if change.action is Action.DELETE:
            target.unlink(missing_ok=True)
        elif change.new is not None:
            write_atomic(target, change.new)
