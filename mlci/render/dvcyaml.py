"""Render the stages and top-level sections of dvc.yaml from the spec, as plain data.

dvc.yaml is shared: mlci owns the stages it marks with `meta: {generated-by: mlci}`, the
user owns everything else. This module only says what mlci's parts must contain; merging
them into the user's file, comments and all, is mlci.generate.dvcyaml_editor's job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from mlci.markers import HEADER_TAG, MANAGED_META_KEY, MANAGED_META_VALUE, REGENERATE_HINT
from mlci.spec.model import DEFAULT_PARAMS_FILE, Output, PlotsOutput, Spec, Stage

DVC_YAML = "dvc.yaml"
# The comment atop every dvc.yaml mlci writes: which stages are mlci's, and how to change them.
HEADER_LINES = (
    f"# {HEADER_TAG}: the stages marked `meta: {{{MANAGED_META_KEY}: {MANAGED_META_VALUE}}}`.",
    f"# {REGENERATE_HINT} Every other stage is yours to edit.",
)
HEADER = "\n".join(HEADER_LINES) + "\n"


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
    canonical = json.dumps(plain_data(content), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def plain_data(value: Any) -> Any:
    """`value` as plain dicts and lists, whatever mapping and sequence types it was built of."""
    if isinstance(value, Mapping):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    return value


def render_stages(spec: Spec) -> dict[str, dict[str, Any]]:
    return {name: render_stage(stage) for name, stage in spec.stages.items()}


def render_sections(spec: Spec) -> dict[str, Any]:
    """The top-level sections of dvc.yaml that the spec's `pipeline:` declares."""
    pipeline = spec.pipeline
    sections: dict[str, Any] = {}
    if pipeline.metrics:
        sections["metrics"] = list(pipeline.metrics)
    if pipeline.plots:
        sections["plots"] = [plain_data(plot) for plot in pipeline.plots]
    if pipeline.params:
        sections["params"] = list(pipeline.params)
    if pipeline.artifacts:
        sections["artifacts"] = {
            name: artifact.model_dump(exclude_defaults=True)
            for name, artifact in pipeline.artifacts.items()
        }
    return sections
