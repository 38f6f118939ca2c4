"""Plan the change to dvc.yaml: mlci's stages and sections in, the user's kept, hand edits refused.

dvc.yaml is shared. mlci owns the stages it marked `meta: {generated-by: mlci}` and the
top-level sections (`metrics`, `plots`, `params`, `artifacts`) that mlci.yaml's `pipeline:`
declares; everything else is the user's. A part mlci owns that differs both from what mlci
wrote last time (the manifest) and from what the spec says now was edited by hand: a conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlci.bounded_load import load_yaml
from mlci.document_caps import UnreadableDocument
from mlci.dvc.dvcfile import plain_document
from mlci.errors import UsageError
from mlci.generate.dvcyaml_editor import DvcYamlDocument, has_dvc_yaml_header
from mlci.generate.manifest import Manifest
from mlci.markers import MANAGED_META_KEY, is_managed_stage
from mlci.render.dvcyaml import content_digest

SECTIONS = ("metrics", "plots", "params", "artifacts")


@dataclass(frozen=True)
class DesiredPipeline:
    """What the spec says dvc.yaml must contain."""

    stages: dict[str, dict[str, Any]]
    sections: dict[str, Any]


@dataclass
class DvcYamlPlan:
    new: str | None
    problems: list[str] = field(default_factory=list)


def plan_dvc_yaml(
    old: str | None, desired: DesiredPipeline, manifest: Manifest, force: bool
) -> DvcYamlPlan:
    if old is not None and _already_in_sync(old, desired, manifest):
        return DvcYamlPlan(old)
    if old is not None:
        try:
            # The caps first: the round-trip parser below has none (an alias bomb, a
            # 5,000-digit integer), and the file is anyone's to write.
            load_yaml(old)
        except UnreadableDocument as error:
            raise UsageError(f"dvc.yaml: cannot read it ({error}); fix it first") from None
    try:
        document = DvcYamlDocument.parse(old)
    except Exception as error:  # ruamel raises many types; any of them means unreadable
        raise UsageError(f"dvc.yaml: cannot read it as YAML ({error}); fix it first") from None
    editor = _Editor(document, manifest, force)
    editor.apply_stages(desired.stages)
    editor.apply_sections(desired.sections)
    # Whoever last wrote the file (DVC, an editor, mlci) chose its layout; keep it unless a
    # part must change or mlci's header is missing.
    unchanged = old is not None and not editor.edited and document.has_header
    return DvcYamlPlan(old if unchanged else document.dump(), editor.problems)


class _Editor:
    def __init__(self, document: DvcYamlDocument, manifest: Manifest, force: bool) -> None:
        self.document = document
        self.manifest = manifest
        self.force = force
        self.edited = False
        self.problems: list[str] = []

    def apply_stages(self, stages: dict[str, dict[str, Any]]) -> None:
        current_stages = self.document.stages
        for name, stage in stages.items():
            current = current_stages.get(name)
            if current is not None and content_digest(current) == content_digest(stage):
                continue  # equal in meaning: keep the user's formatting as it is
            self.edited = True
            if current is None or self.force or _same_but_unmarked(current, stage):
                self.document.replace_stage(name, stage)
            elif not isinstance(current, dict) or not is_managed_stage(current):
                self.problems.append(
                    f"stage {name!r} was written by hand (no `meta: generated-by: mlci`); "
                    "rename one of the two stages, or run `mlci generate --force` to let mlci "
                    "own it"
                )
            elif self.manifest.stages.get(name) == content_digest(current):
                self.document.replace_stage(name, stage)
            else:
                self.problems.append(
                    f"stage {name!r} was edited by hand; move the change into mlci.yaml "
                    "or run `mlci generate --force` to discard it"
                )
        for name in stale_stages(current_stages, stages):
            self.edited = True
            if self.force or self.manifest.stages.get(name) == content_digest(current_stages[name]):
                del current_stages[name]
            else:
                self.problems.append(
                    f"stage {name!r} is no longer in mlci.yaml but was edited by hand; "
                    "delete it from dvc.yaml yourself, or run `mlci generate --force`"
                )

    def apply_sections(self, sections: dict[str, Any]) -> None:
        root = self.document.root
        for name in SECTIONS:
            wanted, current = sections.get(name), root.get(name)
            recorded = self.manifest.sections.get(name)
            if wanted is None and recorded is None:
                continue  # the user's section, or none: not mlci's business
            if wanted is not None and current is not None:
                if content_digest(current) == content_digest(wanted):
                    continue
            elif wanted is None and current is None:
                continue
            self.edited = True
            untouched = current is None or recorded == content_digest(current)
            if not (self.force or untouched):
                self.problems.append(_section_conflict(name, wanted is None, recorded is None))
            elif wanted is None:
                del root[name]
            else:
                root[name] = wanted


def _same_but_unmarked(current: Any, stage: dict[str, Any]) -> bool:
    """A user's stage that means exactly what the spec says: mlci adopts it, losing nothing."""
    if not isinstance(current, dict) or is_managed_stage(current):
        return False
    meta = {k: v for k, v in stage.get("meta", {}).items() if k != MANAGED_META_KEY}
    unmarked = {k: v for k, v in stage.items() if k != "meta"}
    if meta:
        unmarked["meta"] = meta
    return content_digest(current) == content_digest(unmarked)


def _section_conflict(name: str, dropped: bool, users: bool) -> str:
    if users:
        return (
            f"top-level `{name}:` was written by hand; move it into mlci.yaml "
            f"(`pipeline: {name}:`) or run `mlci generate --force` to replace it"
        )
    if dropped:
        return (
            f"top-level `{name}:` is no longer in mlci.yaml but was edited by hand; "
            "delete it yourself, or run `mlci generate --force`"
        )
    return (
        f"top-level `{name}:` was edited by hand; move the change into mlci.yaml "
        f"(`pipeline: {name}:`) or run `mlci generate --force` to discard it"
    )


def _already_in_sync(text: str, desired: DesiredPipeline, manifest: Manifest) -> bool:
    """True when dvc.yaml needs no change; read with libyaml, as round-trip parsing is slow."""
    document = plain_document(text)
    if document is None or not has_dvc_yaml_header(text):
        return False
    stages = document.get("stages")
    if not isinstance(stages, dict):
        return not desired.stages and _sections_in_sync(document, desired, manifest)
    if any(
        name not in stages or content_digest(stages[name]) != content_digest(stage)
        for name, stage in desired.stages.items()
    ):
        return False
    if stale_stages(stages, desired.stages):
        return False
    return _sections_in_sync(document, desired, manifest)


def _sections_in_sync(
    document: Mapping[str, Any], desired: DesiredPipeline, manifest: Manifest
) -> bool:
    for name in SECTIONS:
        wanted, current = desired.sections.get(name), document.get(name)
        if wanted is None:
            if name in manifest.sections and current is not None:
                return False  # mlci wrote it earlier and the spec dropped it
        elif current is None or content_digest(current) != content_digest(wanted):
            return False
    return True


def stale_stages(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    """Stages mlci generated earlier that the spec no longer has."""
    return [
        name
        for name, stage in current.items()
        if name not in wanted and isinstance(stage, dict) and is_managed_stage(stage)
    ]
