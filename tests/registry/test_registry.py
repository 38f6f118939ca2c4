"""The registry's tags read and written as GTO reads and writes them: real git, real `gto`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from gto import api as gto

from mlci.registry.state import read_registry
from mlci.registry.tags import parse, semver_key
from tests.conftest import Repo

EXAMPLE = Path("/work/.mirror/iterative+example-get-started/repo")
DEPLOY = "deploy:\n  model: churn\n  stages: [staging, prod]\n"


def _tag(repo: Repo, name: str, commit: str, message: str, when: int, who: str = "runner") -> None:
    env = {
        **os.environ,
        "GIT_COMMITTER_DATE": f"{when} +0000",
        "GIT_COMMITTER_NAME": who,
        "GIT_COMMITTER_EMAIL": f"{who}@example.invalid",
    }
    subprocess.run(
        ["git", "tag", "-a", "-m", message, name, commit], cwd=repo.root, env=env, check=True
    )


def _gto_view(root: Path) -> dict[str, dict[str, str]]:
    return {name: shown["stage"] for name, shown in gto.show(str(root)).items()}


def _mlci_view(root: Path) -> dict[str, dict[str, str]]:
    registry = read_registry(root)
    return {
        name: {stage: event.version for stage, event in artifact.stages.items()}
        for name, artifact in registry.artifacts.items()
    }


def _history(root: Path, name: str) -> tuple[set[tuple[str, str, str, str | None]], list[int]]:
    events = read_registry(root).artifacts[name].history
    return {(e.tag, e.action, e.version, e.stage) for e in events}, [e.time for e in events]


GTO_EVENTS = {"registration": "register", "assignment": "assign", "unassignment": "unassign"}


def _gto_history(root: Path, name: str) -> set[tuple[str, str, str, str | None]]:
    return {
        (e["ref"], GTO_EVENTS[e["event"]], e["version"], e["stage"])
        for e in gto.history(str(root), name)
        if e["event"] in GTO_EVENTS
    }


@pytest.fixture
def example(repo: Repo) -> Repo:
    """The tags of iterative/example-get-started (names, order and seconds), on three commits;
    some made in the same second, as its CI made them."""
    first, second, third = (repo.commit(message=m) for m in ("evaluate", "bigrams", "tuned"))
    for name, commit, when, message in (
        ("0-git-init", first, 1690664273, "a lightweight-looking plain tag"),
        ("text-classification@v1.0.0", first, 1715372612, "Registering artifact v1.0.0"),
        ("text-classification#prod#1", first, 1715372612, "Assigning stage prod"),
        ("text-classification@v1.1.0", second, 1715372619, "Registering artifact v1.1.0"),
        ("text-classification#stage#2", second, 1715372620, "Assigning stage stage"),
        ("text-classification@v1.2.0", third, 1715372624, "Registering artifact v1.2.0"),
        ("text-classification#dev#3", third, 1715372624, "Assigning stage dev"),
    ):
        _tag(repo, name, commit, message, when)
    return repo


def test_the_examples_tags_read_as_gto_shows_them(example: Repo) -> None:
    expected = {"text-classification": {"dev": "v1.2.0", "prod": "v1.0.0", "stage": "v1.1.0"}}
    assert _gto_view(example.root) == expected
    assert _mlci_view(example.root) == expected
    found, times = _history(example.root, "text-classification")
    assert found == _gto_history(example.root, "text-classification")
    assert times == sorted(times, reverse=True)


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="a mirror of iterative/example-get-started")
def test_the_real_example_repository(tmp_path: Path) -> None:
    clone = tmp_path / "example"
    subprocess.run(["git", "clone", "-q", str(EXAMPLE), str(clone)], check=True)
    assert _mlci_view(clone) == _gto_view(clone)
    assert _history(clone, "text-classification")[0] == _gto_history(clone, "text-classification")


def test_register_promote_and_roll_back_as_gto_sees_them(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write({"mlci.yaml": project.read("mlci.yaml") + DEPLOY})
    first = project.commit(message="first model")
    registered = project.mlci("register", capsys=capsys)
    assert registered.code == 0, registered.err
    assert "registered churn v0.1.0: tag churn@v0.1.0 at" in registered.out
    assert project.mlci("promote", "--to", "staging", capsys=capsys).code == 0
    # prod only from staging: v0.1.0 was there, so it may go on.
    assert project.mlci("promote", "--to", "prod", capsys=capsys).code == 0
    second = project.commit(message="second model")
    assert project.mlci("register", "--bump", "minor", capsys=capsys).code == 0
    skipped = project.mlci("promote", "--to", "prod", capsys=capsys)
    assert skipped.code == 2
    assert "churn v0.2.0 was never in staging: it reaches prod only from staging" in skipped.err
    for stage in ("staging", "prod"):
        assert project.mlci("promote", "--to", stage, capsys=capsys).code == 0
    assert _gto_view(project.root) == {"churn": {"prod": "v0.2.0", "staging": "v0.2.0"}}
    assert _mlci_view(project.root) == _gto_view(project.root)

    back = project.mlci("rollback", "prod", capsys=capsys)
    assert back.code == 0, back.err
    assert "churn v0.2.0 left prod; v0.1.0 holds it again" in back.out
    assert _gto_view(project.root) == {"churn": {"prod": "v0.1.0", "staging": "v0.2.0"}}
    assert _mlci_view(project.root) == _gto_view(project.root)
    assert _history(project.root, "churn")[0] == _gto_history(project.root, "churn")
    tags = project.git("tag", "--list", "churn*", "--format=%(refname:strip=2) %(*objectname)")
    assert f"churn@v0.1.0 {first}" in tags and f"churn@v0.2.0 {second}" in tags
    assert "churn#prod!#5" in tags  # one counter over all of the model's stage tags, as GTO
    none_left = project.mlci("rollback", "prod", capsys=capsys)
    assert none_left.code == 2
    assert "churn v0.1.0 is the first version in prod: there is none to roll back to" in (
        none_left.err
    )


def test_register_refuses_what_the_registry_forbids(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write({"mlci.yaml": project.read("mlci.yaml") + DEPLOY})
    project.commit(message="model")
    assert project.mlci("register", "--version", "v1.0.0", capsys=capsys).code == 0
    again = project.mlci("register", "--version", "v1.0.0", capsys=capsys)
    assert again.code == 2 and "churn v1.0.0 is already registered" in again.err
    same_commit = project.mlci("register", capsys=capsys)
    assert same_commit.code == 2 and "already registered at" in same_commit.err
    bad = project.mlci("register", "--version", "1.0", capsys=capsys)
    assert bad.code == 2 and "'1.0' is not a version" in bad.err
    project.git("checkout", "-q", "-b", "side")
    project.commit(message="unmerged")
    off_main = project.mlci("register", capsys=capsys)
    assert off_main.code == 2 and "is not on main" in off_main.err
    unknown = project.mlci("promote", "--to", "qa", capsys=capsys)
    assert unknown.code == 2 and "'qa' is not a stage of deploy.stages" in unknown.err


def test_the_registry_shows_hostile_tags_inert(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    commit = repo.commit(message="m")
    _tag(repo, "m@v1.0.0", commit, "Registering \x1b[31mred\x1b[0m", 1700000000, who="e\x1b]8;;x")
    _tag(repo, "not-a-registry-tag", commit, "plain", 1700000001)
    shown = repo.mlci("registry", "--history", capsys=capsys)
    assert shown.code == 0, shown.err
    assert "\x1b" not in shown.out
    assert "m@v1.0.0" in shown.out and "not-a-registry-tag" not in shown.out
    data = json.loads(repo.mlci("registry", "--format", "json", capsys=capsys).out)
    assert data["m"]["versions"][0]["version"] == "v1.0.0"
    assert data["m"]["history"][0]["message"] == "Registering \x1b[31mred\x1b[0m"


@pytest.mark.parametrize(
    ("tag", "parsed"),
    [
        ("model@v1.2.3", ("model", "register", "v1.2.3", None, None)),
        ("model@v1.2.3!", ("model", "deregister", "v1.2.3", None, None)),
        ("model#prod#7", ("model", "assign", None, "prod", 7)),
        ("model#prod!#8", ("model", "unassign", None, "prod", 8)),
        ("models/a=rf@v0.1.0-rc.1", ("models/a:rf", "register", "v0.1.0-rc.1", None, None)),
        ("model@1.2.3", None),
        ("-model@v1.0.0", None),
        ("model#prod", ("model", "assign", None, "prod", None)),
    ],
)
def test_tag_names_parse_as_gto_parses_them(tag: str, parsed: tuple | None) -> None:
    from gto.tag import parse_name

    found = parse(tag)
    assert (
        None
        if found is None
        else (found.artifact, found.action, found.version, found.stage, found.counter)
    ) == parsed
    assert bool(parse_name(tag, raise_on_fail=False)) == (parsed is not None)


def test_versions_order_as_semantic_versions() -> None:
    from gto.versions import SemVer

    versions = ["v1.0.0", "v1.0.0-rc.1", "v1.0.0-alpha", "v1.0.0-alpha.1", "v0.9.10", "v0.10.0"]
    mine = sorted(versions, key=semver_key)
    assert mine == sorted(versions, key=lambda v: SemVer(v))


def test_evidence_that_is_not_json_is_refused_in_words(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    import hashlib

    repo.write({"mlci.yaml": "version: 1\nproblem: {task: other}\nstages: {}\n"})
    commit = repo.commit(message="m")
    body = "not json"
    digest = hashlib.sha256(body.encode()).hexdigest()
    _tag(repo, "m#prod#1", commit, f"Assigning; evidence sha256:{digest}\n\n{body}", 1700000000)
    shown = repo.mlci("evidence", "m#prod#1", capsys=capsys)
    assert shown.code == 2
    assert "m#prod#1's evidence is not JSON" in shown.err
    missing = repo.mlci("evidence", "m#prod#9", capsys=capsys)
    assert missing.code == 2 and "there is no tag m#prod#9" in missing.err
