"""Adopt an existing DVC pipeline: dvc.yaml and the repository's .dvc files into mlci.yaml.

`mlci init` in a repository that already runs DVC must describe the pipeline the user has
rather than scaffold a new one, and must lose nothing of it. mlci writes only the stages the
spec names; a user's stage that means exactly what the spec's stage renders to (apart from
mlci's `meta: {generated-by: mlci}` marker) is taken over silently by `mlci generate`, and any
other difference is a conflict (see `mlci.generate.dvcyaml`). So a stage is imported only when the
spec stage built from it renders back to the same stage, checked with mlci's own renderer;
the top-level sections likewise. Everything else (templated `foreach`/`matrix`/`${...}`
stages, options the spec cannot express, forms mlci would write differently) stays in
dvc.yaml as the user's own, where DVC keeps running it, and `left_to_user` says why.
dvc.yaml and the .dvc files are read as DVC reads them (YAML 1.2).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mlci.bounded_load import UnreadableDocument, load_yaml
from mlci.errors import UsageError
from mlci.files import ReadRefused, read_confined
from mlci.markers import MANAGED_META_KEY, is_managed_stage
from mlci.render.dvcyaml import DVC_YAML, content_digest, render_sections, render_stage
from mlci.spec.model import DEFAULT_PARAMS_FILE, STAGE_NAME, Spec, Stage
from mlci.spec.paths import normalise

SECTIONS = ("metrics", "plots", "params", "artifacts")
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
SKIPPED_DIRS = frozenset({".git", ".dvc"})


@dataclass(frozen=True)
class Adoption:
    """What `mlci init` writes into mlci.yaml to describe an existing DVC pipeline."""

    stages: dict[str, dict[str, Any]]
    """Spec `stages:` entries, in dvc.yaml order, in mlci.yaml form (shorthands where exact)."""
    pipeline: dict[str, Any]
    """Spec `pipeline:`: the top-level metrics/plots/params/artifacts, only non-empty keys."""
    data: list[dict[str, Any]]
    """Spec `data:` entries from the repository's .dvc files."""
    params_files: list[str]
    """Params files the imported stages read, params.yaml first if used."""
    left_to_user: list[str]
    """One sentence per stage, section or file not imported, and why."""


class _LeftAlone(Exception):
    """A part of the pipeline mlci cannot take over; the message says why, for the user."""


def adopt_pipeline(root: Path) -> Adoption:
    """Read the DVC pipeline under `root`; raises UsageError when dvc.yaml is unreadable."""
    document = _read_dvc_yaml(root / DVC_YAML)
    left: list[str] = []
    user_stages = _stages_of(document)
    stages = _import_stages(user_stages, left)
    left += _reads_of_templated_outputs(user_stages, stages)
    pipeline = _import_sections(document, left)
    left += _unmanaged_top_level(document)
    data = _import_data(root, left)
    return Adoption(stages, pipeline, data, _params_files(stages), left)


# --- dvc.yaml ---------------------------------------------------------------------------


def _read_dvc_yaml(path: Path) -> dict[str, Any]:
    """The plain data of dvc.yaml, `{}` when there is none: a repository may track only data."""
    if path.is_dir():
        raise UsageError(f"{DVC_YAML}: cannot read it (it is a folder); fix it first")
    try:
        content = read_confined(path.parent, path.name)
        if content is None:
            return {}
        text = content.decode("utf-8")
    except ReadRefused as error:
        raise UsageError(f"{DVC_YAML} {error}; fix it first") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"{DVC_YAML}: cannot read it ({_one_line(error)}); fix it first") from None
    try:
        document = load_yaml(text, version="1.2")  # as DVC reads it, within mlci's caps
    except UnreadableDocument as error:
        raise UsageError(f"{DVC_YAML}: cannot read it ({error}); fix it first") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise UsageError(f"{DVC_YAML}: is not a mapping of keys (stages:, plots:, ...); fix it")
    return document


def _stages_of(document: Mapping[str, Any]) -> dict[Any, Any]:
    stages = document.get("stages")
    if stages is None:
        return {}
    if not isinstance(stages, dict):
        raise UsageError(f"{DVC_YAML}: `stages:` is not a mapping of stage names; fix it first")
    return stages


def _check_plain(value: Any) -> None:
    """mlci.yaml and mlci's digests hold JSON-like data; a date, say, has no place there."""
    if not _is_plain(value):
        raise _LeftAlone(
            "holds values mlci.yaml cannot keep (such as dates); only text, numbers, "
            "true/false and null"
        )


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, list):
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


# --- stages -----------------------------------------------------------------------------


def _import_stages(stages: Mapping[Any, Any], left: list[str]) -> dict[str, dict[str, Any]]:
    imported: dict[str, dict[str, Any]] = {}
    for name, stage in stages.items():
        try:
            imported[str(name)] = _import_stage(name, stage)
        except _LeftAlone as reason:
            left.append(
                f"stage {name!r} {reason}; it stays in dvc.yaml as your own stage "
                "and DVC keeps running it"
            )
    return imported


def _import_stage(name: Any, stage: Any) -> dict[str, Any]:
    """The spec entry for one dvc.yaml stage, only if mlci would render it back unchanged."""
    if not isinstance(name, str) or not STAGE_NAME.match(name):
        raise _LeftAlone("has a name mlci.yaml does not allow (letters, digits, '_', '-')")
    if not isinstance(stage, dict):
        raise _LeftAlone("is not a mapping of keys")
    if templating := [key for key in TEMPLATING_KEYS if key in stage]:
        raise _LeftAlone(
            f"uses DVC templating (`{'`, `'.join(templating)}`), which mlci.yaml cannot express"
        )
    if _has_interpolation(stage):
        raise _LeftAlone("uses `${...}` interpolation, which mlci.yaml cannot express")
    if unknown := [str(key) for key in stage if key not in STAGE_KEYS]:
        raise _LeftAlone(f"has keys mlci.yaml cannot express: {', '.join(unknown)}")
    _check_plain(stage)
    entry = _stage_entry(stage)
    _check_paths(entry)
    try:
        spec_stage = Stage.model_validate(entry)
    except ValidationError as error:
        raise _LeftAlone(f"does not fit mlci.yaml ({_first_error(error)})") from None
    _check_round_trip(stage, render_stage(spec_stage))
    return entry


def _has_interpolation(value: Any) -> bool:
    return any("${" in text for text in _strings(value))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a YAML value, keys included (DVC interpolates both)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


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
        raise _LeftAlone(f"gives {section} {path!r} options that are not a mapping")
    allowed = OUTPUT_OPTIONS + (PLOT_OPTIONS if section == "plots" else ())
    if unknown := [str(key) for key in options if key not in allowed]:
        raise _LeftAlone(
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
                raise _LeftAlone(
                    f"has {section} {path!r} outside the repository (a URL), which mlci.yaml "
                    "cannot express"
                )
            if normalise(wdir, path) is None:
                raise _LeftAlone(
                    f"has {section} {path!r} outside the repository, which mlci.yaml cannot express"
                )


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


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
        f"{key}: {_flow(expected[key])}" if key in expected else f"no `{key}`" for key in differing
    )
    raise _LeftAlone(
        "means the same to DVC as what mlci would write, but is written differently "
        f"(mlci writes {shown}; written that way, mlci can adopt it)"
    )


def _flow(value: Any) -> str:
    """A value as YAML on one line, as the user would type it into dvc.yaml."""
    return str(yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False))[
        :-1
    ].removesuffix("\n...")


def _reads_of_templated_outputs(
    user_stages: Mapping[Any, Any], imported: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Adopted stages that read what a templated stage writes, which mlci.yaml's checks miss.

    `mlci validate` knows the outputs of a user's plain stages, but not those of `foreach`,
    `matrix` or `${...}` stages: until such a file exists (`dvc pull`, `dvc repro`), as in a
    fresh clone, it reports the dependency missing. The user should hear it now.
    """
    writers = {
        str(name): patterns
        for name, stage in user_stages.items()
        if name not in imported and (patterns := _templated_output_patterns(stage))
    }
    notes = []
    for name, entry in imported.items():
        paths = [normalise(entry.get("wdir", "."), dep) or dep for dep in entry.get("deps", ())]
        for writer, patterns in writers.items():
            if read := [p for p in paths if any(pattern.fullmatch(p) for pattern in patterns)]:
                notes.append(
                    f"stage {name!r} reads {', '.join(map(repr, read))}, which the templated "
                    f"stage {writer!r} writes; `mlci validate` cannot see templated outputs, "
                    "so it reports them missing until they exist (`dvc pull` or `dvc repro`)"
                )
    return notes


def _templated_output_patterns(stage: Any) -> list[re.Pattern[str]]:
    """The paths a templated stage writes, with every `${...}` standing for any text."""
    if not isinstance(stage, dict):
        return []
    looped = "foreach" in stage or "matrix" in stage
    body = stage.get("do", stage) if "foreach" in stage else stage
    if not isinstance(body, dict):
        return []
    wdir = str(body.get("wdir", "."))
    patterns = []
    for section in ("outs", "metrics", "plots"):
        entries = body.get(section)
        for item in entries if isinstance(entries, list) else ():
            for raw in item if isinstance(item, dict) else (item,):
                path = posixpath.normpath(posixpath.join(wdir, str(raw)))
                if looped or "${" in path:
                    parts = re.split(r"\$\{[^}]*\}", path)
                    patterns.append(re.compile(".+".join(re.escape(part) for part in parts)))
    return patterns


# --- top-level sections -----------------------------------------------------------------


def _import_sections(document: Mapping[str, Any], left: list[str]) -> dict[str, Any]:
    pipeline: dict[str, Any] = {}
    for name in SECTIONS:
        value = document.get(name)
        if value is None or value == [] or value == {}:
            continue
        try:
            _check_plain(value)
            pipeline[name] = _import_section(name, value)
        except _LeftAlone as reason:
            left.append(
                f"top-level `{name}:` {reason}; it stays in dvc.yaml as your own and DVC "
                "keeps reading it"
            )
    return pipeline


def _import_section(name: str, value: Any) -> Any:
    """A top-level section, only if mlci would write it back exactly as it is."""
    if _has_interpolation(value):
        raise _LeftAlone("uses `${...}` interpolation, which mlci.yaml cannot express")
    try:
        spec = Spec.model_validate(
            {"version": 1, "problem": {"task": "other"}, "stages": {}, "pipeline": {name: value}}
        )
    except ValidationError as error:
        raise _LeftAlone(f"does not fit mlci.yaml ({_first_error(error)})") from None
    rendered = render_sections(spec).get(name)
    if content_digest(rendered) != content_digest(value):
        raise _LeftAlone(
            "means the same to DVC as what mlci would write, but is written differently "
            f"(mlci writes {_flow(rendered)})"
        )
    return value


def _unmanaged_top_level(document: Mapping[str, Any]) -> list[str]:
    """Top-level keys mlci.yaml has no place for: they stay, and the user should know."""
    return [
        f"top-level `{key}:` of dvc.yaml has no place in mlci.yaml; it stays in dvc.yaml "
        "as your own"
        for key in document
        if key not in ("stages", *SECTIONS)
    ]


def _params_files(stages: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The params files the stages read, relative to the repository, params.yaml first."""
    files: list[str] = []
    for stage in stages.values():
        wdir = stage.get("wdir", ".")
        for item in stage.get("params", ()):
            names = [DEFAULT_PARAMS_FILE] if isinstance(item, str) else list(item)
            for name in names:
                path = normalise(wdir, name)
                if path is not None and path not in files:
                    files.append(path)
    if DEFAULT_PARAMS_FILE in files:
        files.remove(DEFAULT_PARAMS_FILE)
        files.insert(0, DEFAULT_PARAMS_FILE)
    return files


# --- .dvc files -------------------------------------------------------------------------


def _import_data(root: Path, left: list[str]) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = []
    for path in _walk(root):
        shown = path.relative_to(root).as_posix()
        if path.name == DVC_YAML:
            left.append(
                f"{shown}: mlci manages only the dvc.yaml at the repository's root; this "
                "pipeline stays yours as it is"
            )
            continue
        try:
            data += _data_sources(root, path)
        except _LeftAlone as reason:
            left.append(f"{shown}: {reason}; it stays as it is and DVC keeps tracking it")
    return data


def _walk(root: Path) -> Iterator[Path]:
    """.dvc files and nested dvc.yaml files, in a stable order; DVC's and git's own dirs skipped."""
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        here = Path(current)
        for name in sorted(files):
            if name.endswith(".dvc") or (name == DVC_YAML and here != root):
                yield here / name


def _data_sources(root: Path, path: Path) -> list[dict[str, Any]]:
    """`dvc add` -> {path}; `dvc import` -> {path, import}; `dvc import-url` -> {path, url}."""
    try:
        content = read_confined(root, path.relative_to(root).as_posix())
        document = load_yaml(content or b"", version="1.2")  # as DVC reads it, within caps
    except ReadRefused as error:
        raise _LeftAlone(str(error)) from None
    except UnreadableDocument as error:
        raise _LeftAlone(f"cannot be read as YAML ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("outs"), list):
        raise _LeftAlone("lists no `outs:`")
    if "cmd" in document:
        raise _LeftAlone("is a single-stage pipeline file (it has a `cmd:`), not data")
    base = normalise(path.parent.relative_to(root).as_posix(), str(document.get("wdir", ".")))
    origin = _origin(document.get("deps") or [])
    sources = []
    for out in document["outs"]:
        target = out.get("path") if isinstance(out, dict) else None
        where = normalise(base, target) if base is not None and isinstance(target, str) else None
        if where is None:
            raise _LeftAlone("tracks a path mlci.yaml cannot express")
        source: dict[str, Any] = {"path": where, **origin}
        if isinstance(out.get("desc"), str):
            source["description"] = out["desc"]
        sources.append(source)
    if origin and len(sources) != 1:
        raise _LeftAlone("imports into more than one path")
    return sources


def _origin(deps: Any) -> dict[str, Any]:
    """Where imported data comes from: a repository (`import:`) or a URL (`url:`)."""
    if not deps:
        return {}
    if not isinstance(deps, list) or len(deps) != 1 or not isinstance(deps[0], dict):
        raise _LeftAlone("has dependencies mlci.yaml cannot express")
    dep = deps[0]
    repo, source = dep.get("repo"), dep.get("path")
    if not isinstance(source, str):
        raise _LeftAlone("has dependencies mlci.yaml cannot express")
    if not isinstance(repo, dict):
        return {"url": source}
    if not isinstance(repo.get("url"), str):
        raise _LeftAlone("imports from a repository mlci.yaml cannot express")
    imported = {"repo": repo["url"], "path": source}
    if isinstance(repo.get("rev"), str):
        imported["rev"] = repo["rev"]  # `rev_lock`, the commit DVC pinned, stays in the file
    return {"import": imported}
