"""Fixtures for the mlci.yaml tests: load a spec text inside a real project directory."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlci.errors import SpecError
from mlci.spec.load import Project, load_project
from tests.conftest import Repo

LoadSpec = Callable[[str], Project]
SpecProblems = Callable[[str], list[str]]


@pytest.fixture
def load(project: Repo) -> LoadSpec:
    """Write the text as mlci.yaml of the MINIMAL_SPEC project and load it."""

    def run(text: str) -> Project:
        (project.root / "mlci.yaml").write_text(text, encoding="utf-8")
        return load_project(project.root / "mlci.yaml")

    return run


@pytest.fixture
def problems(load: LoadSpec) -> SpecProblems:
    """The problems loading the text reports, as `file:line:col: key.path: message` lines."""

    def run(text: str) -> list[str]:
        with pytest.raises(SpecError) as caught:
            load(text)
        error = caught.value
        assert str(error) == "\n".join(str(p) for p in error.problems)
        return [str(problem) for problem in error.problems]

    return run
