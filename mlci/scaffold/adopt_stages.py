"""A dvc.yaml stage as a spec `stages:` entry, only if mlci would render it back unchanged.

The check is mlci's own renderer: the spec stage built from the user's stage must render
to the same stage (apart from mlci's marker), or `mlci generate` would see a hand edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from mlci.markers import MANAGED_META_KEY, is_managed_stage
from mlci.render.dvcyaml import content_digest, render_stage
from mlci.scaffold.left_alone import LeftAlone, check_plain, first_error, flow, has_interpolation
from mlci.spec.model import STAGE_NAME, Stage
from mlci.spec.paths import normalise

# dvc.yaml stage keys and the spec's name for each; any other key cannot be expressed.
STAGE_KEYS = {
    "desc": "description",
    "cmd": "cmd",
    "wdir": "wdir",
    "deps": "deps",
    "params": "params",
    "outs": "outs",
    "metrics": "metrics",
    "plots": "plots",
    "always_changed": "always_changed",
    "frozen": "frozen",
    "meta": "meta",
}
TEMPLATING_KEYS = ("foreach", "do", "matrix", "vars")
OUTPUT_OPTIONS = ("cache", "persist", "push", "remote", "desc")
PLOT_OPTIONS = ("x", "y", "template", "title", "x_label", "y_label")


def import_stages(stages: Mapping[Any, Any], left: list[str]) -> dict[str, dict[str, Any]]:
    imported: dict[str, dict[str, Any]] = {}
    for name, stage in stages.items():
        try:
            imported[str(name)] = _import_stage(name, stage)
        except LeftAlone as reason:
            left.append(
                f"stage {name!r} {reason}; it stays in dvc.yaml as your own stage "
                "and DVC keeps running it"
            )
    return imported


def _import_stage(name: Any, stage: Any) -> dict[str, Any]:
    """The spec entry for one dvc.yaml stage, only if mlci would render it back unchanged."""
    if not isinstance(name, str) or not STAGE_NAME.match(name):
        raise LeftAlone("has a name mlci.yaml does not allow (letters, digits, '_', '-')")
    if not isinstance(stage, dict):
        raise LeftAlone("is not a mapping of keys")
    if templating := [key for key in TEMPLATING_KEYS if key in stage]:
        raise LeftAlone(
            f"uses DVC templating (`{'`, `'.join(templating)}`), which mlci.yaml cannot express"
        )
    if has_interpolation(stage):
        raise LeftAlone("uses `${...}` interpolation, which mlci.yaml cannot express")
    if unknown := [str(key) for key in stage if key not in STAGE_KEYS]:
        raise LeftAlone(f"has keys mlci.yaml cannot express: {', '.join(unknown)}")
    check_plain(stage)
    entry = _stage_entry(stage)
    _check_paths(entry)
    try:
        spec_stage = Stage.model_validate(entry)
    except ValidationError as error:
        raise LeftAlone(f"does not fit mlci.yaml ({first_error(error)})") from None
    _check_round_trip(stage, render_stage(spec_stage))
    return entry


def _stage_entry(stage: Mapping[str, Any]) -> dict[str, Any]:
    """The stage in mlci.yaml's words: `desc` becomes `description`, outputs lose DVC's nesting."""
    entry: dict[str, Any] = {}
    for key, spec_key in STAGE_KEYS.items():
        if key not in stage:
            continue
        value = stage[key]
        if key == "params":
            value = _params_entries(value)
        elif key in ("outs", "metrics", "plots"):
            value = _output_entries(key, value)
        elif key == "meta":
            value = _meta_without_marker(value)
            if value is None:
                continue
        entry[spec_key] = value
    return entry


def _params_entries(value: Any) -> Any:
    """Bare keys stay bare (params.yaml); `{file: keys}` splits into one entry per file."""
    if not isinstance(value, list):
        return value  # the model rejects it, with its own words
    entries: list[Any] = []
    for item in value:
        if isinstance(item, dict) and len(item) > 1:
            entries.extend({file: keys} for file, keys in item.items())
        else:
            entries.append(item)
    return entries


def _output_entries(section: str, value: Any) -> Any:
    if not isinstance(value, list):
        return value
    entries: list[Any] = []
    for item in value:
        if isinstance(item, dict):
            entries.extend(_output_entry(section, path, options) for path, options in item.items())
        else:
            entries.append(_output_entry(section, item, None))
    return entries


def _output_entry(section: str, path: Any, options: Any) -> Any:
    """One output in mlci.yaml form; `cache: true` is spelt out where mlci's default differs.

    DVC caches metrics and plots unless told otherwise, mlci commits them to git by default:
    an absent `cache:` in dvc.yaml means `cache: true` in mlci.yaml, and `cache: false` is
    mlci's default, so it goes.
    """
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise LeftAlone(f"gives {section} {path!r} options that are not a mapping")
    allowed = OUTPUT_OPTIONS + (PLOT_OPTIONS if section == "plots" else ())
    if unknown := [str(key) for key in options if key not in allowed]:
        raise LeftAlone(
            f"gives {section} {path!r} options mlci.yaml cannot express: {', '.join(unknown)}"
        )
    entry = {"path": path, **options}
    if section != "outs":
        cache = entry.pop("cache", True)
        if cache is not False:
            entry["cache"] = cache
    return path if list(entry) == ["path"] else entry


def _meta_without_marker(meta: Any) -> Any:
    """The user's own notes; mlci's marker is mlci's to add, so an adopted repo may carry it."""
    if not isinstance(meta, dict):
        return meta
    notes = {key: value for key, value in meta.items() if key != MANAGED_META_KEY}
    return notes if notes or not meta else None


def _check_paths(entry: Mapping[str, Any]) -> None:
    """mlci.yaml's checks read every dependency and output as a path inside the repository."""
    wdir = entry.get("wdir", ".")
    if not isinstance(wdir, str):
        return  # the model rejects it
    for section in ("deps", "outs", "metrics", "plots"):
        items = entry.get(section)
        for item in items if isinstance(items, list) else ():
            path = item.get("path") if isinstance(item, dict) else item
            if not isinstance(path, str):
                continue
            if "://" in path:
                raise LeftAlone(
                    f"has {section} {path!r} outside the repository (a URL), which mlci.yaml "
                    "cannot express"
                )
            if normalise(wdir, path) is None:
                raise LeftAlone(
                    f"has {section} {path!r} outside the repository, which mlci.yaml cannot express"
                )


def _check_round_trip(stage: Mapping[str, Any], rendered: dict[str, Any]) -> None:
    """Raise unless `mlci generate` would take the user's stage over as it is.

    The same test `mlci generate` applies (`plan_dvc`): equal content, apart from mlci's
    marker. A stage that means the same to DVC but is written another way (`cmd: [one]`,
    `persist: false` spelt out, params in another order) would be a hand-edit conflict.
    """
    if is_managed_stage(stage):
        expected = rendered
    else:
        expected = {k: v for k, v in rendered.items() if k != "meta"}
        if meta := {k: v for k, v in rendered["meta"].items() if k != MANAGED_META_KEY}:
            expected["meta"] = meta
    if content_digest(stage) == content_digest(expected):
        return
    keys = sorted({*stage, *expected}, key=list(STAGE_KEYS).index)
    differing = [
        key
        for key in keys
        if key not in stage
        or key not in expected
        or content_digest(stage[key]) != content_digest(expected[key])
    ]
    shown = "; ".join(
        f"{key}: {flow(expected[key])}" if key in expected else f"no `{key}`" for key in differing
    )
    raise LeftAlone(
        "means the same to DVC as what mlci would write, but is written differently "
        f"(mlci writes {shown}; written that way, mlci can adopt it)"
    )
