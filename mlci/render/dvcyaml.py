"""Render the stages of dvc.yaml from the spec, and merge them into a user's dvc.yaml.

dvc.yaml is shared: mlci owns the stages it marks with `meta: {generated-by: mlci}`, the
user owns everything else. The merge goes through ruamel.yaml's round-trip mode (as DVC
itself edits the file) so a user's stages, comments and ordering survive untouched.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from mlci.markers import (
    HEADER_TAG,
    MANAGED_META_KEY,
    MANAGED_META_VALUE,
    REGENERATE_HINT,
    is_managed_stage,
)
from mlci.render.overrides import round_trip_yaml
from mlci.spec.model import DEFAULT_PARAMS_FILE, Output, PlotsOutput, Spec, Stage

DVC_YAML = "dvc.yaml"
HEADER_LINES = (
    f"# {HEADER_TAG}: the stages marked `meta: {{{MANAGED_META_KEY}: {MANAGED_META_VALUE}}}`.",
    f"# {REGENERATE_HINT} Every other stage is yours to edit.",
)


def render_stage(stage: Stage) -> dict[str, Any]:
    """One spec stage as a dvc.yaml stage, writing only what differs from DVC's defaults."""
    result: dict[str, Any] = {}
    if stage.description:
        result["desc"] = stage.description
    result["cmd"] = stage.cmd[0] if len(stage.cmd) == 1 else list(stage.cmd)
    if stage.wdir != ".":
        result["wdir"] = stage.wdir
    if stage.deps:
        result["deps"] = list(stage.deps)
    if stage.params:
        result["params"] = _params(stage)
    for section, entries in (
        ("outs", stage.outs),
        ("metrics", stage.metrics),
        ("plots", stage.plots),
    ):
        if entries:
            result[section] = [_output(entry) for entry in entries]
    if stage.frozen:
        result["frozen"] = True
    if stage.always_changed:
        result["always_changed"] = True
    result["meta"] = {**stage.meta, MANAGED_META_KEY: MANAGED_META_VALUE}
    return result


def _params(stage: Stage) -> list[Any]:
    bare: list[str] = []
    by_file: dict[str, list[str]] = {}
    for ref in stage.params:
        if ref.file == DEFAULT_PARAMS_FILE and ref.keys:
            bare.extend(k for k in ref.keys if k not in bare)
        else:
            keys = by_file.setdefault(ref.file, [])
            keys.extend(k for k in ref.keys if k not in keys)
    # DVC writes a whole-file dependency as `- file.yaml:` with an empty value.
    return [*bare, *({file: keys or None} for file, keys in by_file.items())]


def _output(entry: Output) -> Any:
    # mlci's defaults differ from DVC's for metrics and plots (committed to git), so compare
    # with DVC's own defaults, which is what dvc.yaml means when an option is absent.
    dvc_defaults = Output(path=entry.path)
    options: dict[str, Any] = {}
    for name in ("cache", "persist", "push", "remote", "desc"):
        value = getattr(entry, name)
        if value != getattr(dvc_defaults, name):
            options[name] = value
    if isinstance(entry, PlotsOutput):
        for name in ("x", "y", "template", "title", "x_label", "y_label"):
            if (value := getattr(entry, name)) is not None:
                options[name] = value
    return {entry.path: options} if options else entry.path


def content_digest(content: Any) -> str:
    """A digest of a stage's or section's meaning, blind to formatting, quoting and comments."""
    # default=str: a YAML date in `meta:` is data too, not a reason to fail.
    canonical = json.dumps(_plain(content), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


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
        header = "\n".join(HEADER_LINES) + "\n"
        if self.fresh and (text := fast_dump(self.root)) is not None:
            return header + text
        out = io.StringIO()
        _yaml().dump(self.root, out)
        return header + out.getvalue()

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


def fast_dump(document: Mapping[str, Any]) -> str | None:
    """`document` in DVC's layout through libyaml, ten times faster than ruamel's emitter.

    Only for a file made from nothing: there are no comments to keep. libyaml quotes what
    YAML 1.1 would read as another type; DVC reads YAML 1.2, so a string 1.2 alone reads as
    a number or null (`1e3`, `0o17`) is quoted here too. None when libyaml is missing.
    """
    import yaml

    dumper = _libyaml_dumper()
    if dumper is None:
        return None
    text: str = yaml.dump(
        _plain(document),
        Dumper=dumper,
        sort_keys=False,
        width=4096,
        allow_unicode=True,
        default_flow_style=False,
    )
    return text


@lru_cache(maxsize=1)
def _libyaml_dumper() -> Any:
    import yaml

    base: Any = getattr(yaml, "CSafeDumper", None)
    if base is None:
        return None

    class DvcYamlDumper(base):  # type: ignore[misc]  # libyaml's class, typed as Any
        pass

    DvcYamlDumper.add_representer(str, _represent_str)
    DvcYamlDumper.add_representer(type(None), _represent_none)
    return DvcYamlDumper


def _represent_str(dumper: Any, value: str) -> Any:
    style = None
    if "\n" in value:
        style = '"'  # one line, as ruamel writes it, not a folded block
    elif _yaml12_reads_as_other_type(value):
        style = "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_none(dumper: Any, value: None) -> Any:
    # `- params.yaml:` with nothing after it, as DVC writes a whole-file params dependency.
    return dumper.represent_scalar("tag:yaml.org,2002:null", "")


def _yaml12_reads_as_other_type(value: str) -> bool:
    from ruamel.yaml.nodes import ScalarNode

    tag = _resolver_12().resolve(ScalarNode, value, (True, False))
    return str(tag) != "tag:yaml.org,2002:str"


@lru_cache(maxsize=1)
def _resolver_12() -> Any:
    from ruamel.yaml.resolver import VersionedResolver

    return VersionedResolver(version=(1, 2))


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
    return text.startswith("\n".join(HEADER_LINES) + "\n")


def _strip_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].rstrip("\n") in HEADER_LINES:
        lines.pop(0)
    return "".join(lines)


def render_stages(spec: Spec) -> dict[str, dict[str, Any]]:
    return {name: render_stage(stage) for name, stage in spec.stages.items()}


def render_sections(spec: Spec) -> dict[str, Any]:
    """The top-level sections of dvc.yaml that the spec's `pipeline:` declares."""
    pipeline = spec.pipeline
    sections: dict[str, Any] = {}
    if pipeline.metrics:
        sections["metrics"] = list(pipeline.metrics)
    if pipeline.plots:
        sections["plots"] = [_plain(plot) for plot in pipeline.plots]
    if pipeline.params:
        sections["params"] = list(pipeline.params)
    if pipeline.artifacts:
        sections["artifacts"] = {
            name: artifact.model_dump(exclude_defaults=True)
            for name, artifact in pipeline.artifacts.items()
        }
    return sections
