"""What the registry holds, read from every tag at once, and resolved as GTO resolves it.

The stage a version is in follows GTO's default view (`gto show`, sorted by timestamp): of
the versions whose latest event in that stage is an assignment, the one assigned last holds
the stage; so a rollback, which unassigns the version in a stage, hands it back to the one
assigned before. An assignment at a commit names the version registered there (the latest
registered by then), else the commit itself, as GTO shows a stage tag on an unregistered
commit. Tags made in the same second leave GTO's order to chance; mlci never makes two
(mlci.registry.write dates each tag after the model's last).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mlci.git import TagRecord, annotated_tags
from mlci.registry.tags import TagName, parse, semver_key


@dataclass(frozen=True)
class Event:
    """One registry tag: what it did, to which version, who and when."""

    tag: str
    action: str
    artifact: str
    version: str
    """The version it is about (for a stage tag: the version at its commit)."""
    stage: str | None
    commit: str
    time: int
    author: str
    email: str
    message: str
    counter: int | None


@dataclass(frozen=True)
class Version:
    version: str
    commit: str
    registered: Event | None
    """None for a commit a stage tag names without a registered version there."""
    deregistered: Event | None
    stages: tuple[str, ...]
    """The stages this version holds now."""

    @property
    def active(self) -> bool:
        return self.deregistered is None


@dataclass(frozen=True)
class Artifact:
    name: str
    versions: tuple[Version, ...]
    """Highest version first; a commit without a version after every version."""
    stages: dict[str, Event]
    """Stage -> the assignment by which its version holds it."""
    history: tuple[Event, ...]
    """Every event, newest first."""
    last_counter: int
    last_time: int
    """When the model's newest tag was made (0 without tags)."""

    def version(self, version: str) -> Version | None:
        return next((v for v in self.versions if v.version == version), None)


@dataclass(frozen=True)
class Registry:
    artifacts: dict[str, Artifact] = field(default_factory=dict)


def read_registry(root: Path) -> Registry:
    """Every artifact of the registry in the repository at `root`: one `git for-each-ref`."""
    return resolve(annotated_tags(root))


def resolve(records: Iterable[TagRecord]) -> Registry:
    by_artifact: dict[str, list[tuple[TagRecord, TagName]]] = defaultdict(list)
    for record in records:
        name = parse(record.name)
        if name is not None:
            by_artifact[name.artifact].append((record, name))
    artifacts = {
        artifact: _artifact(artifact, sorted(tags, key=lambda t: (t[0].time, t[0].name)))
        for artifact, tags in sorted(by_artifact.items())
    }
    return Registry(artifacts)


def _artifact(name: str, tags: list[tuple[TagRecord, TagName]]) -> Artifact:
    registered: dict[str, Event] = {}
    deregistered: dict[str, Event] = {}
    for record, tag in tags:
        if tag.action in ("register", "deregister"):
            assert tag.version is not None
            target = registered if tag.action == "register" else deregistered
            target.setdefault(tag.version, _event(record, tag, tag.version))
    # Registrations first: a stage tag made in the same second as its version's names it.
    stage_events: list[Event] = []
    history: list[Event] = []
    for record, tag in tags:
        if tag.action in ("assign", "unassign"):
            event = _event(record, tag, _version_at(record, registered))
            stage_events.append(event)
        else:
            event = _event(record, tag, tag.version or "")
        history.append(event)
    holders = _holders(registered, deregistered, stage_events)
    versions = _versions(registered, deregistered, stage_events, holders)
    counters = [tag.counter for _, tag in tags if tag.counter is not None]
    return Artifact(
        name,
        versions,
        holders,
        tuple(reversed(history)),
        max(counters, default=0),
        max((record.time for record, _ in tags), default=0),
    )


def _event(record: TagRecord, tag: TagName, version: str) -> Event:
    return Event(
        tag=record.name,
        action=tag.action,
        artifact=tag.artifact,
        version=version,
        stage=tag.stage,
        commit=record.commit,
        time=record.time,
        author=record.tagger,
        email=record.email,
        message=record.subject,
        counter=tag.counter,
    )


def _version_at(record: TagRecord, registered: dict[str, Event]) -> str:
    """The version registered at the tag's commit by the tag's time (the latest), else the
    commit itself."""
    at = [e for e in registered.values() if e.commit == record.commit and e.time <= record.time]
    return max(at, key=lambda e: e.time).version if at else record.commit


def _ordered(versions: Iterable[str]) -> list[str]:
    """GTO's order: semantic versions highest first, then commits, reverse alphabetical."""
    named = sorted((v for v in versions if v.startswith("v")), key=semver_key, reverse=True)
    return named + sorted((v for v in versions if not v.startswith("v")), reverse=True)


def _holders(
    registered: dict[str, Event], deregistered: dict[str, Event], stage_events: list[Event]
) -> dict[str, Event]:
    latest: dict[tuple[str, str], Event] = {}
    for event in stage_events:  # in time order: the last one per version and stage counts
        assert event.stage is not None
        latest[event.version, event.stage] = event
    candidates = [
        v
        for v in {*registered, *(e.version for e in stage_events)}
        if v not in deregistered and (v in registered or not v.startswith("v"))
    ]
    active = set(candidates)
    holders: dict[str, Event] = {}
    for (version, stage), event in latest.items():
        if version not in active or event.action != "assign":
            continue
        if stage not in holders or event.time > holders[stage].time:
            holders[stage] = event
    return dict(sorted(holders.items()))


def _versions(
    registered: dict[str, Event],
    deregistered: dict[str, Event],
    stage_events: list[Event],
    holders: dict[str, Event],
) -> tuple[Version, ...]:
    commits = {e.version: e.commit for e in stage_events}
    found = []
    for version in _ordered({*registered, *commits}):
        event = registered.get(version)
        commit = event.commit if event is not None else commits[version]
        held = tuple(stage for stage, e in holders.items() if e.version == version)
        found.append(Version(version, commit, event, deregistered.get(version), held))
    return tuple(found)
