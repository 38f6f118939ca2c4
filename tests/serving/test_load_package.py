"""A package folder is read as hostile: its package.json names the model file, and that name
must stay inside the folder and name a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlci.errors import UsageError
from mlci.serving.model import load_package


def _package(folder: Path, files: list[object]) -> Path:
    folder.mkdir()
    manifest = {
        "model": "churn",
        "version": "v1.0.0",
        "commit": "a" * 40,
        "files": files,
        "input_schema": {"columns": [{"name": "x", "dtype": "float64"}]},
    }
    (folder / "package.json").write_text(json.dumps(manifest))
    return folder


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ([], "names no model file"),
        ([{"md5": "0" * 32}], "names no model file"),
        (["model.skops"], "names no model file"),
        ([{"path": "../outside.skops"}], "is not a file inside the package"),
        ([{"path": "/etc/hostname"}], "is not a file inside the package"),
        ([{"path": "models"}], "is not a file inside the package"),
        ([{"path": "link.skops"}], "is not a file inside the package"),
    ],
)
def test_a_model_file_outside_the_package_is_refused(
    tmp_path: Path, files: list[object], said: str
) -> None:
    (tmp_path / "outside.skops").write_bytes(b"not read")
    package = _package(tmp_path / "package", files)
    (package / "models").mkdir()
    (package / "link.skops").symlink_to(tmp_path / "outside.skops")
    with pytest.raises(UsageError, match=said):
        load_package(package)
