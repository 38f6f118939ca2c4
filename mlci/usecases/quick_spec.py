"""The two things `mlci diff` needs of a spec, its metrics and main branch, read fast.

A well-formed spec is read directly (with libyaml, without building mlci's pydantic models,
which costs more than the whole rest of `mlci diff`); anything the direct reading cannot
take at face value (an unknown key, a wrong type, a duplicate key) goes to the full loader,
which reports it with file:line:column.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from mlci.compare.diff import DeclaredMetric, DeclaredMetrics, SpecLike
from mlci.errors import UsageError

DEFAULT_MAIN = "main"
# The fields of the spec's models (without importing pydantic, which costs a tenth of a
# second): the fast path reads only what the full loader would take. A test keeps these
# equal to the models.
SPEC_KEYS = frozenset(
    {"version", "problem", "data", "params", "stages", "metrics", "pipeline", "gates", "ci"}
    | {"overrides", "evaluation", "deploy", "monitor"}
)
METRIC_KEYS = frozenset(
    {"file", "key", "direction", "threshold", "tolerance", "description", "scorer"}
)


def read_spec(path: Path, *, explicit: bool) -> tuple[SpecLike | None, str]:
    """The declared metrics and the main branch; (None, "main") without a spec."""
    if not path.is_file():
        if explicit:
            raise UsageError(f"{path}: file not found")
        return None, DEFAULT_MAIN
    quick = _read_directly(path)
    if quick is not None:
        return quick
    from mlci.spec.load import load_project

    spec = load_project(path).spec  # raises SpecError, located, for a spec that is wrong
    return spec, spec.ci.main_branch


def _read_directly(path: Path) -> tuple[DeclaredMetrics, str] | None:
    """The metrics and main branch of a well-formed spec; None for anything doubtful.

    Read confined and within mlci's caps, duplicate keys refused (one linear walk, however
    many aliases); whatever is refused goes to the full loader, which says where and why.
    """
    from mlci.bounded_load import load_yaml
    from mlci.document_caps import UnreadableDocument
    from mlci.files import ReadRefused, read_confined

    try:
        content = read_confined(path.absolute().parent, path.name)
        if content is None:
            return None
        data = load_yaml(content.decode("utf-8"), unique_keys=True)
    except (ReadRefused, UnicodeDecodeError, UnreadableDocument):
        return None
    if not isinstance(data, dict) or data.get("version") != 1 or not set(data) <= SPEC_KEYS:
        return None  # a misspelt section is the full loader's to name
    if "evaluation" in data:
        return None  # comparing on the same rows needs the whole spec
    metrics = _metrics(data.get("metrics", {}))
    ci = data.get("ci", {})
    main = ci.get("main_branch", DEFAULT_MAIN) if isinstance(ci, dict) else None
    if metrics is None or not isinstance(main, str):
        return None
    return DeclaredMetrics(metrics), main


def _metrics(section: Any) -> dict[str, DeclaredMetric] | None:
    if section is None:
        return {}
    if not isinstance(section, dict):
        return None
    found: dict[str, DeclaredMetric] = {}
    for name, metric in section.items():
        declared = _metric(metric)
        if not isinstance(name, str) or declared is None:
            return None
        found[name] = declared
    return found


def _metric(metric: Any) -> DeclaredMetric | None:
    if not isinstance(metric, dict) or not set(metric) <= METRIC_KEYS:
        return None
    file, key, direction = metric.get("file"), metric.get("key"), metric.get("direction")
    tolerance, threshold = metric.get("tolerance", 0.0), metric.get("threshold")
    if not isinstance(file, str) or direction not in ("higher", "lower"):
        return None
    if key is not None and not isinstance(key, str):
        return None
    if not _is_number(tolerance) or tolerance < 0:
        return None
    if threshold is not None and not _is_number(threshold):
        return None
    if not isinstance(metric.get("description", ""), str):
        return None
    return DeclaredMetric(file, key, direction, float(tolerance))


def _is_number(value: Any) -> bool:
    """A finite number: a NaN tolerance would judge every change a regression."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
