"""Where a command works: the project's root and its spec, found from any folder of it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mlci.errors import UsageError
from mlci.git import toplevel

DEFAULT_SPEC = Path("mlci.yaml")


@dataclass(frozen=True)
class ProjectPaths:
    """Where a command works: the project's root and its spec (which may not exist)."""

    root: Path
    spec: Path
    """As the user would name it from the working directory."""
    spec_given: bool
    """`--spec FILE` was given: a missing FILE is an error, not a project without a spec."""


def find_project(spec: Path | None, why: str | None) -> ProjectPaths:
    """The project of a command run here: `--spec FILE`'s folder when FILE is given, else
    `project_root` of the working directory, with its mlci.yaml.

    `why` completes the error outside git ("mlci diff compares git revisions"); None for a
    command that works without git too (validate, generate, run, status), whose project is
    then the nearest folder up holding `.dvc/`, else the working directory.
    """
    if spec is not None:
        root = spec.resolve().parent
        if why is not None and toplevel(root) is None:
            raise UsageError(f"{root} is not in a git repository: {why}")
        return ProjectPaths(root, spec, spec_given=True)
    root = project_root(Path.cwd(), why)
    return ProjectPaths(root, Path(os.path.relpath(root / DEFAULT_SPEC)), spec_given=False)


def project_root(start: Path, why: str | None) -> Path:
    """The project a command started in `start` works on, found as DVC finds its repository
    root: the nearest folder from `start` up that holds `.dvc/`, never above git's top level
    (which is the root when no folder on the way holds one). Outside git: UsageError naming
    `why`, or with `why` None the nearest folder holding `.dvc/`, else `start`."""
    top = toplevel(start)
    if top is None and why is not None:
        raise UsageError(f"{start.resolve()} is not in a git repository: {why}")
    here = start.resolve()
    for folder in (here, *here.parents):
        if top is not None and not folder.is_relative_to(top):
            break
        if (folder / ".dvc").is_dir():
            return folder
    return top if top is not None else here
