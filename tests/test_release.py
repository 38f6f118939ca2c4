"""mlci as a package: what the wheel carries, that it installs and runs on its own, and how
the release workflow publishes it."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import mlci

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib
from tests.conftest import REPO_ROOT

RELEASE = REPO_ROOT / ".github" / "workflows" / "release.yml"
SMOKE = REPO_ROOT / ".github" / "release-smoke-test.sh"


def _metadata(wheel: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(f"mlci-{mlci.__version__}.dist-info/METADATA").decode()
    message = Parser().parsestr(text)
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key, []).append(value)
    fields["body"] = [str(message.get_payload())]
    return fields


def test_the_version_comes_from_one_place(mlci_wheel: Path) -> None:
    assert mlci_wheel.name == f"mlci-{mlci.__version__}-py3-none-any.whl"
    assert _metadata(mlci_wheel)["Version"] == [mlci.__version__]
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and project["dynamic"] == ["version"]


def test_the_wheel_carries_what_a_package_index_shows(mlci_wheel: Path) -> None:
    fields = _metadata(mlci_wheel)
    assert fields["License-Expression"] == ["Apache-2.0"]
    assert fields["Requires-Python"] == [">=3.10"]
    urls = dict(url.split(", ", 1) for url in fields["Project-URL"])
    assert {"Homepage", "Source", "Issues"} <= set(urls)
    assert any(c.startswith("Programming Language :: Python :: 3.12") for c in fields["Classifier"])
    assert fields["body"][0].startswith("# mlci")  # the README, rendered on the index
    with zipfile.ZipFile(mlci_wheel) as archive:
        names = set(archive.namelist())
    assert f"mlci-{mlci.__version__}.dist-info/licenses/LICENSE" in names
    assert "mlci/templates/workflows/pr.yml.j2" in names  # what generate renders from
    assert "mlci/spec/mlci.schema.json" in names


def test_the_sdist_holds_the_tests_and_the_licence(mlci_dist: Path) -> None:
    (sdist,) = mlci_dist.glob("mlci-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
    top = f"mlci-{mlci.__version__}"
    assert {f"{top}/LICENSE", f"{top}/pyproject.toml", f"{top}/tests/conftest.py"} <= names


@pytest.mark.slow
def test_the_wheel_installs_into_a_fresh_venv_and_runs_the_example(mlci_wheel: Path) -> None:
    """The release workflow's smoke test, run here on the wheel of this checkout."""
    done = subprocess.run(
        ["bash", str(SMOKE), str(mlci_wheel)], capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"smoke test passed: mlci {mlci.__version__}" in done.stdout
    assert "ran        train" in done.stdout  # the example really trained


def test_the_release_publishes_with_trusted_publishing_only() -> None:
    workflow = YAML(typ="safe").load(RELEASE.read_text())
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert any(SMOKE.name in step.get("run", "") for step in build["steps"])
    assert publish["needs"] == ["build"]
    assert publish["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"] == "pypi"
    assert "secrets." not in RELEASE.read_text()  # no long-lived token anywhere
    assert publish["steps"][-1]["uses"].startswith("pypa/gh-action-pypi-publish@")
