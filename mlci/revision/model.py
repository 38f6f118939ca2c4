"""What a revision holds, as `mlci diff`, `mlci gate` and `mlci history` compare it: plain,
frozen data, built by mlci.revision.snapshot's RevisionReader and read by mlci.compare and
mlci.present (which import it from mlci.revision.snapshot)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mlci.dvc.metrics_file import Value
from mlci.errors import UsageError

Revision = str | None  # a commit SHA; None is the workspace
ParamValue = Value | None | list[Any]
MetricsState = Literal["found", "absent", "not-in-cache", "unreadable", "no-pipeline"]


@dataclass(frozen=True)
class MetricsFile:
    """A metrics file a revision's dvc.yaml declares; `cached`: a DVC output, not in git."""

    path: str
    cached: bool


@dataclass(frozen=True)
class MetricsRead:
    """One metrics file at one revision: its values, or why there are none."""

    path: str
    state: MetricsState
    values: Mapping[str, Value] = field(default_factory=dict)
    message: str = ""
    """Plain words for every state but "found"."""
    source: str = ""
    """Where the content came from: git, workspace, cache or remote."""
    md5: str | None = None
    """The DVC output's md5 in dvc.lock, for cached files."""
    declared: bool = True
    """False when the revision's dvc.yaml does not list the file as metrics (read anyway)."""


@dataclass(frozen=True)
class OutputInfo:
    """A DVC-tracked file or folder as dvc.lock or a .dvc file records it."""

    md5: str | None
    size: int | None
    nfiles: int | None
    stage: str
    """The stage that writes it, or the path of the .dvc file that tracks it."""


@dataclass(frozen=True)
class StageInputs:
    """What a stage last ran on, per dvc.lock; `digest` changes when any of it does."""

    digest: str
    cmd: str
    deps: Mapping[str, str]
    """Dependency path -> md5 (or the hash DVC recorded)."""
    params: Mapping[str, Mapping[str, ParamValue]]
    """Params file -> flat dotted key -> value."""


@dataclass(frozen=True)
class Snapshot:
    """Everything `mlci diff` compares, for one revision."""

    revision: Revision
    label: str
    has_pipeline: bool
    has_lock: bool
    metrics: Mapping[str, MetricsRead]
    params: Mapping[str, Mapping[str, ParamValue]]
    outputs: Mapping[str, OutputInfo]
    stages: Mapping[str, StageInputs]
    notes: tuple[str, ...] = ()


class BrokenPipelineFile(UsageError):
    """A dvc.yaml or dvc.lock mlci cannot read as DVC does: not valid YAML, not a mapping,
    beyond mlci's caps, or a `${...}` template that does not resolve. mlci fails that
    revision, as DVC fails a broken one, rather than take it for a revision without (some
    of) its pipeline: a broken base would read as "no baseline", a broken change as
    "removed" metrics."""

    def __init__(self, rev: Revision, path: str, problem: str, *, dvc_fails: bool) -> None:
        self.revision, self.path = rev, path
        fix = f"fix {path}" if rev is None else f"fix {path} there, or compare with another commit"
        who = "DVC cannot read that revision either" if dvc_fails else "mlci stops"
        super().__init__(f"{path} at {where(rev)} cannot be read: {problem}; {who}: {fix}")


def where(rev: Revision) -> str:
    return "the workspace" if rev is None else f"commit {rev[:12]}"
