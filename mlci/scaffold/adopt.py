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

The parts: existing_pipeline reads dvc.yaml, adopt_stages and adopt_sections map its
stages and sections to the spec, adopt_data maps the .dvc files, templated_outputs warns
of what `mlci validate` cannot see, and adopted_spec writes the result as mlci.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.render.dvcyaml import DVC_YAML
from mlci.scaffold.adopt_data import import_data
from mlci.scaffold.adopt_sections import import_sections, unmanaged_top_level
from mlci.scaffold.adopt_stages import import_stages
from mlci.scaffold.existing_pipeline import read_dvc_yaml, stages_of
from mlci.scaffold.templated_outputs import reads_of_templated_outputs
from mlci.spec.model import DEFAULT_PARAMS_FILE
from mlci.spec.paths import normalise


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


def adopt_pipeline(root: Path) -> Adoption:
    """Read the DVC pipeline under `root`; raises UsageError when dvc.yaml is unreadable."""
    document = read_dvc_yaml(root / DVC_YAML)
    left: list[str] = []
    user_stages = stages_of(document)
    stages = import_stages(user_stages, left)
    left += reads_of_templated_outputs(user_stages, stages)
    pipeline = import_sections(document, left)
    left += unmanaged_top_level(document)
    data = import_data(root, left)
    return Adoption(stages, pipeline, data, _params_files(stages), left)


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
