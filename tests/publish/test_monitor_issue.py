"""The monitor's issue against the API stand-in: one per model and stage while it breaches,
found by its marker and its author, updated in place, closed on a pass, a stranger's look-
alike left alone, and the retraining started once after the breaches in a row."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlci.publish.github import GitHub
from mlci.publish.monitor_issue import keep_issue, marker
from tests.publish.github_server import BOT, FakeGitHub

TOKEN = "ghs_monitortoken0123456789abcdef"
REPO = "acme/churn"


def _keep(  # type: ignore[no-untyped-def]
    github: FakeGitHub,
    breached: bool,
    started: list[int],
    after: int | None = 3,
    judged: bool = True,
    start: Callable[[], None] | None = None,
):
    with GitHub(TOKEN, github.url) as client:
        return keep_issue(
            client,
            REPO,
            BOT,
            model="churn",
            stage="prod",
            breached=breached,
            judged=judged,
            report=f"## report {len(github.requests)}\n",
            retrain_after=after,
            start_retrain=start or (lambda: started.append(1)),
        )


def test_one_issue_per_breach_updated_then_closed_and_retrain_started_once() -> None:
    started: list[int] = []
    with FakeGitHub(token=TOKEN) as github:
        # Someone else's issue with the very marker, and mlci's for another stage.
        github.add_issue(REPO, "fake", marker("churn", "prod", 99, False) + "\nfake", "mallory")
        github.add_issue(REPO, "staging", marker("churn", "staging", 1, False) + "\nx", BOT)
        assert _keep(github, False, started).action == "none"

        first = _keep(github, True, started)
        assert first.action == "opened" and first.issue is not None
        assert first.issue.breaches == 1 and not first.retrain_started_now
        second = _keep(github, True, started)
        assert second.action == "updated" and second.issue is not None
        assert second.issue.number == first.issue.number and second.issue.breaches == 2
        third = _keep(github, True, started)
        assert third.retrain_started_now and started == [1]
        fourth = _keep(github, True, started)
        assert not fourth.retrain_started_now and started == [1]  # once per breach

        ours = [i for i in github.issues[REPO] if i["number"] == first.issue.number]
        (issue,) = ours
        assert issue["body"].startswith(marker("churn", "prod", 4, True) + "\n")
        assert "**4 breaches in a row.** A retraining was started" in issue["body"]
        stranger = next(i for i in github.issues[REPO] if i["user"]["login"] == "mallory")
        assert stranger["body"].endswith("\nfake") and stranger["state"] == "open"
        assert len(github.issues[REPO]) == 3  # never a duplicate

        closed = _keep(github, False, started)
        assert closed.action == "closed" and issue["state"] == "closed"
        assert issue["state_reason"] == "completed"
        (comment,) = github.comments[(REPO, issue["number"])]
        assert comment["body"].startswith("## report")
        # The next breach is a new one: a new issue, counting from 1 again.
        again = _keep(github, True, started)
        assert again.action == "opened" and again.issue is not None
        assert again.issue.number != issue["number"] and again.issue.breaches == 1


def test_with_retraining_off_nothing_is_started() -> None:
    started: list[int] = []
    with FakeGitHub(token=TOKEN) as github:
        for _ in range(5):
            upkeep = _keep(github, True, started, after=None)
        assert upkeep.issue is not None and upkeep.issue.breaches == 5
        assert started == []
        (issue,) = github.issues[REPO]
        assert "Retraining is off" in issue["body"]


def test_too_little_data_neither_closes_nor_counts() -> None:
    """A server that stopped logging is not a pass: the issue stays open, its count too."""
    started: list[int] = []
    with FakeGitHub(token=TOKEN) as github:
        _keep(github, True, started)
        quiet = _keep(github, False, started, judged=False)
        assert quiet.action == "none" and quiet.issue is not None and quiet.issue.breaches == 1
        (issue,) = github.issues[REPO]
        assert issue["state"] == "open"
        assert _keep(github, True, started).issue.breaches == 2  # type: ignore[union-attr]


def test_a_start_that_fails_is_not_recorded_as_started() -> None:
    def refused() -> None:
        raise RuntimeError("dispatch refused")

    with FakeGitHub(token=TOKEN) as github:
        with pytest.raises(RuntimeError, match="dispatch refused"):
            _keep(github, True, [], after=1, start=refused)
        (issue,) = github.issues[REPO]
        assert issue["body"].startswith(marker("churn", "prod", 1, False))
        started: list[int] = []
        again = _keep(github, True, started, after=1)
        assert again.retrain_started_now and started == [1]
