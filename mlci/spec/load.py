"""Load mlci.yaml: parse with positions, validate into frozen models, check references."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mlci.dvc.dvcfile import plain_document
from mlci.errors import SpecError
from mlci.files import ReadRefused, read_confined
from mlci.markers import is_managed_stage
from mlci.spec.checks import SpecChecker
from mlci.spec.errors import problems_from_validation
from mlci.spec.model import Spec
from mlci.spec.paths import normalise
from mlci.spec.source import SourceMap, read_yaml_file

SPEC_FILE = "mlci.yaml"


@dataclass(frozen=True)
class Project:
    """A validated spec and the directory it describes."""

    root: Path
    spec: Spec
    source: SourceMap
    warnings: tuple[str, ...] = ()
    """Things that are valid but will not work as the user likely expects."""


def load_project(spec_path: Path) -> Project:
    """Read and validate `spec_path`; raises SpecError listing every problem found."""
    root = spec_path.resolve().parent
    data, source = read_yaml_file(spec_path, spec_path.name)
    spec = validate(data, source)
    checker = SpecChecker(
        spec,
        source,
        exists=lambda path: (root / path).exists(),
        foreign_outputs=_foreign_outputs(root, set(spec.stages)),
    )
    problems = checker.run()
    if problems:
        raise SpecError(problems)
    return Project(root, spec, source, tuple(spec_warnings(spec, spec_path.name)))


def spec_warnings(spec: Spec, shown_as: str) -> list[str]:
    warnings = []
    if paths := spec.data_ci_cannot_fetch():
        warnings.append(
            f"{shown_as}: CI cannot reproduce this pipeline: it reads data tracked by DVC "
            f"({', '.join(paths)}) and `ci.remote` names no DVC remote CI can reach. Set "
            "ci.remote.url (s3://, gs://, azure://, ssh://) and ci.remote.credentials, "
            "run `dvc push`, then `mlci generate`; until then the CI run stops with this message"
        )
    if "MLCI_REQUIREMENT" not in spec.ci.install:
        warnings.append(
            f'{shown_as}: ci.install does not install "$MLCI_REQUIREMENT" (the mlci that '
            "generated the workflows), so CI runs whichever mlci that command installs; add it, "
            'e.g. python -m pip install "$MLCI_REQUIREMENT" -r requirements.txt'
        )
    return warnings


def validate(data: Any, source: SourceMap) -> Spec:
    try:
        return Spec.model_validate(data)
    except ValidationError as error:
        raise SpecError(problems_from_validation(error, data, source)) from None


def _foreign_outputs(root: Path, spec_stages: set[str]) -> frozenset[str]:
    """Outputs of stages a user wrote by hand in dvc.yaml: valid dependencies for ours."""
    try:
        content = read_confined(root, "dvc.yaml")
    except ReadRefused:
        content = None
    # Within mlci's caps (an alias bomb is no dvc.yaml); generate reports an unreadable or
    # refused dvc.yaml with its own message.
    document = plain_document(content.decode("utf-8", errors="replace")) if content else None
    stages = document.get("stages") if document is not None else None
    if not isinstance(stages, dict):
        return frozenset()
    found: set[str] = set()
    for name, stage in stages.items():
        if name in spec_stages or not isinstance(stage, dict) or is_managed_stage(stage):
            continue
        wdir = str(stage.get("wdir", "."))
        for section in ("outs", "metrics", "plots"):
            entries = stage.get(section)
            for entry in entries if isinstance(entries, list) else ():
                raw = next(iter(entry), None) if isinstance(entry, dict) else entry
                if isinstance(raw, str) and (path := normalise(wdir, raw)):
                    found.add(path)
    return frozenset(found)
