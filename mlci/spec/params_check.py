"""The params files as the stages read them: every key a stage tracks must be there, and an
estimator named by import path must exist and take the hyperparameters given to it, whether
they sit beside it or are kept per estimator under `hyperparameters: {module.Class: {...}}`.

`mlci validate` runs these checks, so a typo in params.yaml is found before DVC starts a
stage that would fail on it minutes later. Each problem is located (file:line:column) like
a problem of mlci.yaml itself. Only YAML params files are read here: JSON, TOML and
params.py files are DVC's to read when the stage runs.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mlci.errors import SpecError, SpecProblem
from mlci.spec.errors import did_you_mean
from mlci.spec.model import Spec
from mlci.spec.paths import normalise
from mlci.spec.source import KeyPath, SourceMap, read_yaml_file

YAML_SUFFIXES = (".yaml", ".yml")
ESTIMATOR_KEY = "estimator"
HYPERPARAMETERS_KEY = "hyperparameters"
EVALUATE_KEY = "evaluate"
POSITIVE_CLASS_KEY = "positive_class"


def params_problems(spec: Spec, root: Path) -> list[SpecProblem]:
    """Every problem of the YAML params files the spec's stages read, in file order."""
    problems: list[SpecProblem] = []
    root = root.resolve()
    for file, readers in _tracked(spec).items():
        if not file.endswith(YAML_SUFFIXES):
            continue
        if not (root / file).is_file():
            continue  # mlci.yaml's own checks name it, at the stage that reads it
        try:
            data, source = read_yaml_file(root / file, file)
        except SpecError as error:  # not YAML, or refused: located by the reader
            problems.extend(error.problems)
            continue
        problems.extend(_missing_keys(data, source, readers))
        problems.extend(_estimators(data, source, root))
        problems.extend(_positive_class(data, source, spec))
    return problems


def _positive_class(data: Any, source: SourceMap, spec: Spec) -> Iterator[SpecProblem]:
    """The scaffold's evaluate stage reads the positive class from params.yaml; mlci.yaml
    names it too (the report and the rules speak of it): the two must agree."""
    declared = spec.problem.positive_class
    section = data.get(EVALUATE_KEY) if isinstance(data, Mapping) else None
    if declared is None or not isinstance(section, Mapping):
        return
    given = section.get(POSITIVE_CLASS_KEY)
    if given is not None and str(given) != str(declared):
        yield source.problem(
            (EVALUATE_KEY, POSITIVE_CLASS_KEY),
            f"the evaluation scores the positive class {given!r}, but mlci.yaml's "
            f"problem.positive_class is {declared!r}; make them the same",
        )


def _tracked(spec: Spec) -> dict[str, dict[str, list[str]]]:
    """params file -> stage name -> the dotted keys it reads (empty: the whole file)."""
    tracked: dict[str, dict[str, list[str]]] = {}
    for name, stage in spec.stages.items():
        for ref in stage.params:
            file = normalise(stage.wdir, ref.file)
            if file is not None:
                tracked.setdefault(file, {}).setdefault(name, []).extend(ref.keys)
    return tracked


def _missing_keys(
    data: Any, source: SourceMap, readers: Mapping[str, list[str]]
) -> Iterator[SpecProblem]:
    for stage, keys in readers.items():
        for key in keys:
            found, path = _lookup(data, key)
            if found:
                continue
            parent = _at(data, path[:-1])
            siblings = [str(k) for k in parent] if isinstance(parent, Mapping) else []
            hint = did_you_mean(str(path[-1]), siblings)
            yield source.problem(
                path[:-1],
                f"stage {stage} reads {key}, which {source.file} does not have{hint}; add it "
                "or correct the stage's params in mlci.yaml",
                key=True,
            )


def _lookup(data: Any, key: str) -> tuple[bool, KeyPath]:
    """Whether the dotted `key` exists; the path walked as far as it went, plus the part
    that was not found."""
    path: KeyPath = ()
    here = data
    for part in key.split("."):
        path = (*path, part)
        if not isinstance(here, Mapping) or part not in here:
            return False, path
        here = here[part]
    return True, path


def _at(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _estimators(
    data: Any, source: SourceMap, root: Path, path: KeyPath = ()
) -> Iterator[SpecProblem]:
    """Every `estimator: module.Class` in the file, and the `hyperparameters:` beside it: those
    of that one estimator, or of each estimator by its import path (`{module.Class: {...}}`)."""
    if not isinstance(data, Mapping):
        return
    named = data.get(ESTIMATOR_KEY)
    hyperparameters = data.get(HYPERPARAMETERS_KEY)
    at = (*path, HYPERPARAMETERS_KEY)
    per_estimator = _per_estimator(hyperparameters)
    if isinstance(named, str) and "." in named:
        given = None if per_estimator else hyperparameters
        yield from _estimator(named, given, source, root, (*path, ESTIMATOR_KEY), at)
    if per_estimator:
        for key, given in per_estimator.items():
            if "." not in str(key):
                yield source.problem(
                    (*at, key),
                    f"{key!r} is not an estimator's import path: the hyperparameters here are "
                    "kept per estimator; move it under the estimator it is for",
                    key=True,
                )
                continue
            yield from _estimator(key, given, source, root, (*at, key), (*at, key), key=True)
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _estimators(value, source, root, (*path, key))


def _per_estimator(hyperparameters: Any) -> Mapping[Any, Any] | None:
    """The hyperparameters when they are kept by estimator: keyed by import paths, which no
    parameter's name can be."""
    if isinstance(hyperparameters, Mapping) and any("." in str(k) for k in hyperparameters):
        return hyperparameters
    return None


def _estimator(
    named: str,
    hyperparameters: Any,
    source: SourceMap,
    root: Path,
    where: KeyPath,
    parameters_at: KeyPath,
    *,
    key: bool = False,
) -> Iterator[SpecProblem]:
    """Problems of one estimator's import path (at `where`) and of its hyperparameters."""
    estimator, problem = _import(named, root)
    if problem is not None:
        yield source.problem(where, problem, key=key)
        return
    if estimator is None or not isinstance(hyperparameters, Mapping):
        return
    accepted = _parameters(estimator)
    if accepted is None:
        return  # takes **kwargs: anything may be right
    for parameter in hyperparameters:
        if parameter not in accepted:
            yield source.problem(
                (*parameters_at, parameter),
                f"{named} takes no parameter {parameter!r}{did_you_mean(str(parameter), accepted)}",
                key=True,
            )


def _import(named: str, root: Path) -> tuple[Any, str | None]:
    """The class an import path names, or why it cannot be had.

    Only installed libraries are imported: a module of the repository itself (a pull
    request's code) is never run by validating, it runs when its stage does."""
    module_name, _, attribute = named.rpartition(".")
    if _in_repository(module_name.partition(".")[0], root):
        return None, None
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        return None, f"{named!r} cannot be imported: {error}; check the module's name"
    found = getattr(module, attribute, None)
    if found is None:
        public = [name for name in dir(module) if not name.startswith("_")]
        hint = did_you_mean(attribute, public)
        return None, f"{module_name} has no {attribute!r}{hint}"
    if not callable(found):
        return None, f"{named} is not a class: give an estimator's import path"
    return found, None


def _in_repository(package: str, root: Path) -> bool:
    """Whether `package` is the repository's own code: importable from inside it, or a module
    or package of that name at its top or one folder down (`src/`), where a stage's script
    would find it."""
    folders = [root, *(child for child in root.iterdir() if child.is_dir())]
    if any((f / f"{package}.py").is_file() or (f / package).is_dir() for f in folders):
        return True
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return False
    origins = [spec.origin] if spec is not None and spec.origin else []
    if spec is not None and spec.submodule_search_locations:
        origins.extend(spec.submodule_search_locations)
    return any(Path(origin).resolve().is_relative_to(root) for origin in origins)


def _parameters(estimator: Any) -> list[str] | None:
    """The keyword parameters an estimator's constructor takes; None when it takes any."""
    try:
        signature = inspect.signature(estimator)
    except (TypeError, ValueError):
        return None
    kinds = {parameter.kind for parameter in signature.parameters.values()}
    if inspect.Parameter.VAR_KEYWORD in kinds:
        return None
    return [
        name
        for name, parameter in signature.parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    ]
