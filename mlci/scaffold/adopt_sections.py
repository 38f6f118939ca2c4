"""dvc.yaml's top-level sections as the spec's `pipeline:`, each only if mlci writes it back as is.

`metrics`, `plots`, `params` and `artifacts` are the sections mlci.yaml can declare; any
other top-level key stays in dvc.yaml as the user's own, and the user hears so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from mlci.render.dvcyaml import content_digest, render_sections
from mlci.scaffold.left_alone import LeftAlone, check_plain, first_error, flow, has_interpolation
from mlci.spec.model import Spec

SECTIONS = ("metrics", "plots", "params", "artifacts")


def import_sections(document: Mapping[str, Any], left: list[str]) -> dict[str, Any]:
    pipeline: dict[str, Any] = {}
    for name in SECTIONS:
        value = document.get(name)
        if value is None or value == [] or value == {}:
            continue
        try:
            check_plain(value)
            pipeline[name] = _import_section(name, value)
        except LeftAlone as reason:
            left.append(
                f"top-level `{name}:` {reason}; it stays in dvc.yaml as your own and DVC "
                "keeps reading it"
            )
    return pipeline


def _import_section(name: str, value: Any) -> Any:
    """A top-level section, only if mlci would write it back exactly as it is."""
    if has_interpolation(value):
        raise LeftAlone("uses `${...}` interpolation, which mlci.yaml cannot express")
    try:
        spec = Spec.model_validate(
            {"version": 1, "problem": {"task": "other"}, "stages": {}, "pipeline": {name: value}}
        )
    except ValidationError as error:
        raise LeftAlone(f"does not fit mlci.yaml ({first_error(error)})") from None
    rendered = render_sections(spec).get(name)
    if content_digest(rendered) != content_digest(value):
        raise LeftAlone(
            "means the same to DVC as what mlci would write, but is written differently "
            f"(mlci writes {flow(rendered)})"
        )
    return value


def unmanaged_top_level(document: Mapping[str, Any]) -> list[str]:
    """Top-level keys mlci.yaml has no place for: they stay, and the user should know."""
    return [
        f"top-level `{key}:` of dvc.yaml has no place in mlci.yaml; it stays in dvc.yaml "
        "as your own"
        for key in document
        if key not in ("stages", *SECTIONS)
    ]
