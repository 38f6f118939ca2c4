"""The folder target: every version kept, and the served one switched at once.

    <folder>/versions/<version>/   the package, copied in whole before anything points at it
    <folder>/current               a symbolic link to versions/<version>: what is served
    <folder>/deployments.jsonl     one line per switch: when, which version, which before

The switch renames a new link over `current`, which POSIX makes atomic: a reader sees the
old version or the new one, never neither. Deploying the version already current changes
nothing; a rollback is a deploy of the version before, whose copy is still there.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mlci.errors import UsageError
from mlci.registry.tags import VERSION_PATTERN
from mlci.serving.package import read_manifest

CURRENT = "current"
VERSIONS = "versions"
LOG = "deployments.jsonl"


@dataclass(frozen=True)
class Switched:
    version: str
    previous: str | None
    changed: bool
    """False when the version was already the one served."""


def deploy_to_folder(package: Path, folder: Path, stage: str) -> Switched:
    """Make `package` the one `folder` serves."""
    version = read_manifest(package)["version"]
    _refuse_links(package)
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        previous = served_version(folder)
        if previous == version:
            return Switched(version, previous, changed=False)
        kept = folder / VERSIONS / version
        if not kept.is_dir():
            kept.parent.mkdir(exist_ok=True)
            scratch = kept.parent / f".{version}.partial-{os.getpid()}"
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.copytree(package, scratch)
            scratch.rename(kept)  # the copy appears whole, or not at all
        link = folder / f".{CURRENT}.new-{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(Path(VERSIONS) / version)
        link.replace(folder / CURRENT)  # the atomic switch
        entry = {"time": int(time.time()), "stage": stage, "version": version}
        with (folder / LOG).open("a", encoding="utf-8") as log:
            log.write(json.dumps({**entry, "previous": previous}, sort_keys=True) + "\n")
    return Switched(version, previous, changed=True)


def served_version(folder: Path) -> str | None:
    """The version `folder` serves now, or None."""
    current = folder / CURRENT
    if not current.is_symlink():
        return None
    target = current.readlink()
    if target.parent != Path(VERSIONS) or not VERSION_PATTERN.fullmatch(target.name):
        raise UsageError(f"{current} points to {target}, not to one of {VERSIONS}/: not mlci's")
    return target.name


def _refuse_links(package: Path) -> None:
    for path in package.rglob("*"):
        if path.is_symlink():
            raise UsageError(f"{path} is a symbolic link: a package holds regular files only")


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One deploy to a folder at a time: two at once would race on `current`."""
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
