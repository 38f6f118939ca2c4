"""Edit a user's dvc.yaml: put mlci's stages in, keep everything of the user's as it was.

dvc.yaml is shared: mlci owns the stages it marks with `meta: {generated-by: mlci}`, the
user owns everything else. The edit goes through ruamel.yaml's round-trip mode (as DVC
itself edits the file) so a user's stages, comments and ordering survive untouched.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from mlci.generate.fast_dump import fast_dump
from mlci.markers import is_managed_stage
from mlci.render.dvcyaml import HEADER, HEADER_LINES
from mlci.render.overrides import round_trip_yaml


@dataclass
class DvcYamlDocument:
    """A dvc.yaml loaded for editing; `stages` is the live mapping inside `root`."""

    root: CommentedMap
    has_header: bool = False
    fresh: bool = False
    """Made from nothing: no comments or layout of anyone's to keep."""
    stages: CommentedMap = field(init=False)
    _new_stage_at: int | None = field(default=None, init=False)
    """Where the next new stage goes: after the last managed one (found once, then kept)."""

    def __post_init__(self) -> None:
        stages = self.root.get("stages")
        if not isinstance(stages, CommentedMap):
            stages = CommentedMap()
            self.root.insert(_stages_position(self.root), "stages", stages)
        self.stages = stages

    @classmethod
    def parse(cls, text: str | None) -> DvcYamlDocument:
        body = _strip_header(text or "")
        loaded = _yaml().load(body) if body.strip() else None
        if loaded is None:
            loaded = CommentedMap()
        if not isinstance(loaded, CommentedMap):
            raise ValueError("dvc.yaml is not a mapping of keys")
        return cls(loaded, has_header=body != (text or ""), fresh=not body.strip())

    def dump(self) -> str:
        if self.fresh and (text := fast_dump(self.root)) is not None:
            return HEADER + text
        out = io.StringIO()
        _yaml().dump(self.root, out)
        return HEADER + out.getvalue()

    def replace_stage(self, name: str, stage: dict[str, Any]) -> None:
        """Put `stage` where `name` stood, or after the last stage mlci manages."""
        if name in self.stages:
            replacement = _commented(stage)
            # ruamel keeps comment lines written after a stage (often about the next one) on
            # the stage's last value: carry them over, or they vanish with the old stage.
            if (comment := _detach_trailing_comment(self.stages[name])) is not None:
                _attach_trailing_comment(replacement, comment)
            self.stages[name] = replacement
            return
        if self._new_stage_at is None:
            managed = [i for i, s in enumerate(self.stages.values()) if is_managed_stage(s)]
            self._new_stage_at = managed[-1] + 1 if managed else len(self.stages)
        if self._new_stage_at == len(self.stages):
            self.stages[name] = stage  # ruamel's insert lists every key: O(n) per stage
        else:
            self.stages.insert(self._new_stage_at, name, stage)
        self._new_stage_at += 1


def _last_key(node: Any) -> Any:
    if isinstance(node, CommentedMap) and node:
        return list(node)[-1]
    if isinstance(node, CommentedSeq) and node:
        return len(node) - 1
    return None


def _comment_slot(node: CommentedMap | CommentedSeq) -> int:
    # Where ruamel keeps the comment after an item: sequences in slot 0, mappings in slot 2.
    return 0 if isinstance(node, CommentedSeq) else 2


def _detach_trailing_comment(node: Any) -> Any:
    """Remove and return the comment after the last value of `node`, however deep."""
    key = _last_key(node)
    if key is None:
        return None
    if (found := _detach_trailing_comment(node[key])) is not None:
        return found
    slots = node.ca.items.get(key)
    if not slots:
        return None
    comment, slots[_comment_slot(node)] = slots[_comment_slot(node)], None
    return comment


def _attach_trailing_comment(node: CommentedMap | CommentedSeq, comment: Any) -> None:
    key = _last_key(node)
    child = node[key]
    if _last_key(child) is not None:
        _attach_trailing_comment(child, comment)
        return
    slots: list[Any] = [None, None, None, None] if isinstance(node, CommentedMap) else [None, None]
    slots[_comment_slot(node)] = comment
    node.ca.items[key] = slots


def _commented(value: Any) -> Any:
    """Plain data as ruamel's commented containers, which can carry comments."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _commented(item)
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq()
        sequence.extend(_commented(item) for item in value)
        return sequence
    return value


def _yaml() -> YAML:
    # The style DVC itself writes dvc.yaml in, so `dvc stage add` and mlci agree on layout.
    return round_trip_yaml(indent_sequences=False)


def _stages_position(root: CommentedMap) -> int:
    return list(root).index("vars") + 1 if "vars" in root else 0


def has_dvc_yaml_header(text: str) -> bool:
    return text.startswith(HEADER)


def _strip_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].rstrip("\n") in HEADER_LINES:
        lines.pop(0)
    return "".join(lines)
