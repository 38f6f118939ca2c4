"""A package loaded for predictions: the model (skops, its types checked first) and the
columns each row must have."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.errors import UsageError
from mlci.serving.package import read_manifest

# As the scaffold's evaluation: a model file names the types it builds; trust only these.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.")


class BadRows(ValueError):
    """A request whose rows the model cannot take; the message says which and why."""


@dataclass
class LoadedModel:
    manifest: dict[str, Any]
    estimator: Any
    columns: list[dict[str, str]]

    def predict(self, rows: Any) -> dict[str, Any]:
        """Predictions (and class probabilities, when the model gives them) for `rows`, a
        list of objects with the schema's columns. Raises BadRows."""
        import pandas as pd

        frame = pd.DataFrame(self._checked(rows), columns=[c["name"] for c in self.columns])
        for column in self.columns:
            if column["type"] == "number":
                frame[column["name"]] = frame[column["name"]].astype(float)
        predicted = self.estimator.predict(frame)
        answer: dict[str, Any] = {"predictions": [_plain(v) for v in predicted]}
        if hasattr(self.estimator, "predict_proba"):
            proba = self.estimator.predict_proba(frame)
            classes = [str(c) for c in self.estimator.classes_]
            answer["probabilities"] = [
                dict(zip(classes, map(float, row), strict=True)) for row in proba
            ]
        return answer

    def predict_frame(self, frame: Any) -> list[Any]:
        """Predictions for a table holding the schema's columns (numbers that do not read
        as numbers become missing, which the model's imputer fills): for `mlci monitor`."""
        import pandas as pd

        table = pd.DataFrame({c["name"]: frame[c["name"]] for c in self.columns})
        for column in self.columns:
            if column["type"] == "number":
                table[column["name"]] = pd.to_numeric(table[column["name"]], errors="coerce")
        return [_plain(v) for v in self.estimator.predict(table)]

    def _checked(self, rows: Any) -> list[dict[str, Any]]:
        if not isinstance(rows, list) or not rows:
            raise BadRows("`rows` must be a non-empty list of objects, one per row")
        names = [c["name"] for c in self.columns]
        kinds = {c["name"]: c["type"] for c in self.columns}
        for number, row in enumerate(rows):
            if not isinstance(row, dict):
                raise BadRows(f"row {number} is not an object of column: value")
            missing = [name for name in names if name not in row]
            if missing:
                raise BadRows(f"row {number} lacks {', '.join(missing[:5])}")
            unknown = [str(key) for key in row if key not in kinds]
            if unknown:
                raise BadRows(
                    f"row {number} has columns the model does not know: {', '.join(unknown[:5])}"
                )
            for name, value in row.items():
                if value is None:
                    continue  # missing: the model's imputer fills it in
                if kinds[name] == "number" and (
                    isinstance(value, bool)
                    or not isinstance(value, (int, float))
                    or not math.isfinite(value)
                ):
                    raise BadRows(f"row {number}: {name} must be a finite number")
                if kinds[name] == "text" and not isinstance(value, str):
                    raise BadRows(f"row {number}: {name} must be text")
        return rows


def _plain(value: Any) -> Any:
    """A numpy scalar as the JSON value it stands for."""
    return value.item() if hasattr(value, "item") else value


def _model_file(folder: Path, files: list[Any]) -> Path:
    """The package's first file, the model, refused unless it is a file inside the folder."""
    first = files[0] if files else None
    path = first.get("path") if isinstance(first, dict) else None
    if not isinstance(path, str) or not path:
        raise UsageError(f"{folder}'s package.json names no model file")
    model_file = folder / path
    inside = folder.resolve(), model_file.resolve()
    if not inside[1].is_relative_to(inside[0]) or not model_file.is_file():
        raise UsageError(f"{folder}'s model file {path!r} is not a file inside the package")
    return model_file


def load_package(folder: Path) -> LoadedModel:
    import skops.io as sio

    manifest = read_manifest(folder)
    schema = manifest.get("input_schema")
    if not schema:
        raise UsageError(
            f"{folder}'s package has no input schema: package a model whose metadata.json has one"
        )
    model_file = _model_file(folder, manifest["files"])
    untrusted = sio.get_untrusted_types(file=model_file)
    refused = [name for name in untrusted if not name.startswith(TRUSTED_PREFIXES)]
    if refused:
        trusted = ", ".join(TRUSTED_PREFIXES)
        raise UsageError(
            f"refusing to load {model_file}: it builds types outside {trusted}: "
            + ", ".join(refused)
        )
    return LoadedModel(manifest, sio.load(model_file, trusted=untrusted), schema)
