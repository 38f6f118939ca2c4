"""GTO's tag names: parsed and written (the grammar of gto.constants, as GTO reads it).

An artifact's name is letters, digits, `-`, `_` and `/` (starting and ending with a letter or
digit), optionally after a folder and `:` (written `=` in a tag); a version is `v` and a
semantic version; a stage is a name. Anything else is not a registry tag and is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Action = Literal["register", "deregister", "assign", "unassign", "deprecate"]

_NAME = r"[a-zA-Z0-9](?:[a-zA-Z0-9\-/_]*[a-zA-Z0-9])?"
_FOLDER = r"[a-zA-Z0-9\-_./]+"
_SEMVER = (
    r"(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?"
)
_TAG = re.compile(
    rf"^(?P<artifact>(?:{_FOLDER}=)?{_NAME})"
    rf"(?:(?:#(?P<stage>{_NAME})|@(?P<version>v{_SEMVER}))(?P<cancel>!?)|@(?P<deprecated>deprecated))"
    r"(?:#(?P<counter>[0-9]+))?$"
)
NAME_PATTERN = re.compile(rf"^(?:{_FOLDER}:)?{_NAME}$")
VERSION_PATTERN = re.compile(rf"^v{_SEMVER}$")
STAGE_PATTERN = re.compile(rf"^{_NAME}$")


@dataclass(frozen=True)
class TagName:
    artifact: str
    action: Action
    version: str | None = None
    stage: str | None = None
    counter: int | None = None


def parse(tag: str) -> TagName | None:
    """The registry action a tag name stands for, or None for any other tag."""
    match = _TAG.match(tag)
    if match is None:
        return None
    artifact = match["artifact"].replace("=", ":")
    counter = int(match["counter"]) if match["counter"] else None
    if match["deprecated"]:
        return TagName(artifact, "deprecate", counter=counter)
    cancel = match["cancel"] == "!"
    if match["version"]:
        action: Action = "deregister" if cancel else "register"
        return TagName(artifact, action, version=match["version"], counter=counter)
    action = "unassign" if cancel else "assign"
    return TagName(artifact, action, stage=match["stage"], counter=counter)


def version_tag(artifact: str, version: str, *, cancel: bool = False) -> str:
    return f"{artifact.replace(':', '=')}@{version}{'!' if cancel else ''}"


def stage_tag(artifact: str, stage: str, counter: int, *, cancel: bool = False) -> str:
    return f"{artifact.replace(':', '=')}#{stage}{'!' if cancel else ''}#{counter}"


def semver_key(version: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    """Order of semantic versions: a release above its pre-releases, whose identifiers
    compare numbers below words (semver.org, item 11)."""
    match = VERSION_PATTERN.match(version)
    if match is None:
        raise ValueError(f"not a version: {version!r}")
    pre = match["pre"]
    identifiers = tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in (pre.split(".") if pre else ())
    )
    return (
        int(match["major"]),
        int(match["minor"]),
        int(match["patch"]),
        0 if pre else 1,
        identifiers,
    )
