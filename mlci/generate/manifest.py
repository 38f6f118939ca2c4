"""The manifest: what mlci wrote last time, so it can tell its output from hand edits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from mlci.errors import UsageError
from mlci.files import owned_path_problem

MANIFEST = ".mlci/manifest.json"
_NOTE = "Written by `mlci generate`: digests of what it generated. Commit this file."


@dataclass(frozen=True)
class Manifest:
    files: dict[str, str] = field(default_factory=dict)
    """Path of a whole generated file -> sha256 of the content mlci wrote."""
    stages: dict[str, str] = field(default_factory=dict)
    """Name of a dvc.yaml stage mlci manages -> digest of the stage it wrote."""
    sections: dict[str, str] = field(default_factory=dict)
    """Top-level dvc.yaml section mlci manages (`plots`, ...) -> digest of what it wrote."""
    mlci_version: str | None = None
    """The version of mlci that wrote these files (None in manifests older than the field)."""

    def to_text(self) -> str:
        data: dict[str, object] = {"note": _NOTE, "files": self.files, "stages": self.stages}
        if self.sections:
            data["sections"] = self.sections
        if self.mlci_version is not None:
            data["mlci_version"] = self.mlci_version
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_text(cls, text: str | None, shown_as: str = MANIFEST) -> Manifest:
        if text is None:
            return cls()
        try:
            data = json.loads(text)
            files, stages = data["files"], data["stages"]
            sections = data.get("sections", {})
            version = data.get("mlci_version")
            if not all(isinstance(m, dict) for m in (files, stages, sections)):
                raise TypeError
            if version is not None and not isinstance(version, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise UsageError(
                f"{shown_as}: not a manifest mlci can read; restore it from git "
                "(`git checkout -- .mlci/manifest.json`) or delete it and run "
                "`mlci generate --force`"
            ) from None
        return cls(
            files={str(k): str(v) for k, v in files.items()},
            stages={str(k): str(v) for k, v in stages.items()},
            sections={str(k): str(v) for k, v in sections.items()},
            mlci_version=version,
        )

    @classmethod
    def read(cls, root: Path) -> Manifest:
        path = root / MANIFEST
        if problem := owned_path_problem(root, MANIFEST):
            raise UsageError(f"{MANIFEST} {problem}; restore it from git or delete it")
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        return cls.from_text(text)
