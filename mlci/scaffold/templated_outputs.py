"""Warn of adopted stages that read what a user's templated stage writes.

`mlci validate` cannot see the outputs of `foreach`, `matrix` or `${...}` stages, so a
dependency on one looks missing until the file exists; `mlci init` says so up front.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any

from mlci.spec.paths import normalise


def reads_of_templated_outputs(
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
