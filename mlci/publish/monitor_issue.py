"""One issue per model and stage while its monitor breaches: opened on the first breach,
updated on each one after, closed when a check passes. Found again by a hidden marker on
its first line and by the identity that wrote it (`comment_author`), never by its title: a
stranger's issue that carries the marker is never edited.

The marker counts the breaches in a row and says whether a retraining was started, so the
scheduled workflow keeps no state of its own: after `monitor.retrain.after` breaches in a
row the retraining starts once, and not again until the issue has closed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from mlci.publish.comment import same_login
from mlci.publish.github import GitHub, JsonObject
from mlci.publish.limits import COMMENT_LIMIT
from mlci.publish.trim import fit

MARKER = re.compile(
    r"<!-- mlci-monitor model=(?P<model>\S+) stage=(?P<stage>\S+) "
    r"breaches=(?P<breaches>\d{1,6}) retrain=(?P<retrain>yes|no) -->"
)
Action = Literal["opened", "updated", "closed", "none"]


@dataclass(frozen=True)
class MonitorIssue:
    number: int
    url: str
    breaches: int
    retrain_started: bool


@dataclass(frozen=True)
class Upkeep:
    action: Action
    issue: MonitorIssue | None
    retrain_started_now: bool


def marker(model: str, stage: str, breaches: int, retrain: bool) -> str:
    answer = "yes" if retrain else "no"
    return f"<!-- mlci-monitor model={model} stage={stage} breaches={breaches} retrain={answer} -->"


def find_issue(
    github: GitHub, repository: str, author: str, model: str, stage: str
) -> MonitorIssue | None:
    """The open issue mlci keeps for `model` in `stage`, if any (the oldest, should a lost
    reply have made two)."""
    found = []
    for item in github.paginate(f"repos/{repository}/issues", {"state": "open", "per_page": 100}):
        issue = _parse(item, author, model, stage)
        if issue is not None:
            found.append(issue)
    return min(found, key=lambda issue: issue.number, default=None)


def keep_issue(
    github: GitHub,
    repository: str,
    author: str,
    *,
    model: str,
    stage: str,
    breached: bool,
    judged: bool = True,
    report: str,
    retrain_after: int | None,
    start_retrain: Callable[[], None],
) -> Upkeep:
    """Open, update or close the issue for this check's outcome; start the retraining when
    the breaches in a row reach `retrain_after` (None: never). A check without enough data
    (`judged` false) neither passes nor breaches: the issue and its count stay as they are."""
    existing = find_issue(github, repository, author, model, stage)
    if not breached and not judged:
        return Upkeep("none", existing, False)
    if not breached:
        if existing is None:
            return Upkeep("none", None, False)
        github.post(
            f"repos/{repository}/issues/{existing.number}/comments",
            {"body": fit(report, COMMENT_LIMIT, "chars", "")[0]},
        )
        github.patch(
            f"repos/{repository}/issues/{existing.number}",
            {"state": "closed", "state_reason": "completed"},
        )
        return Upkeep("closed", existing, False)
    breaches = existing.breaches + 1 if existing is not None else 1
    started = existing.retrain_started if existing is not None else False
    now = retrain_after is not None and breaches >= retrain_after and not started
    # The issue says "started" before the start is asked for: a lost reply to the update
    # must not make the next check start a second retraining.
    body = _body(model, stage, breaches, started or now, retrain_after, report)
    if existing is not None:
        github.patch(f"repos/{repository}/issues/{existing.number}", {"body": body})
        issue = MonitorIssue(existing.number, existing.url, breaches, started or now)
        action: Action = "updated"
    else:
        made = github.post(
            f"repos/{repository}/issues",
            {"title": f"mlci monitor: {model} in {stage} breaches its drift checks", "body": body},
            landed=lambda: _found_json(github, repository, author, model, stage),
        )
        issue = _parse(made, author, model, stage) or MonitorIssue(
            int(made.get("number", 0)), str(made.get("html_url", "")), breaches, started or now
        )
        action = "opened"
    if now:
        try:
            start_retrain()
        except BaseException:
            # Not started after all: say so, so that the next breach tries again.
            undone = _body(model, stage, breaches, False, retrain_after, report)
            github.patch(f"repos/{repository}/issues/{issue.number}", {"body": undone})
            raise
    return Upkeep(action, issue, now)


def _body(
    model: str, stage: str, breaches: int, started: bool, after: int | None, report: str
) -> str:
    if started:
        state = "A retraining was started: its pull request goes through the merge gate."
    elif after is None:
        state = "Retraining is off (monitor.retrain.enabled: false)."
    else:
        state = f"A retraining starts after {after} breaches in a row."
    head = f"{marker(model, stage, breaches, started)}\n**{breaches} breach"
    head += "es in a row" if breaches > 1 else ""
    head += f".** {state} This issue closes itself when a check passes.\n\n"
    text, _ = fit(report, COMMENT_LIMIT - len(head), "chars", "")
    return head + text


def _found_json(
    github: GitHub, repository: str, author: str, model: str, stage: str
) -> JsonObject | None:
    issue = find_issue(github, repository, author, model, stage)
    return None if issue is None else {"number": issue.number, "html_url": issue.url}


def _parse(item: object, author: str, model: str, stage: str) -> MonitorIssue | None:
    if not isinstance(item, dict) or "pull_request" in item:
        return None
    user = item.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    body = item.get("body")
    number = item.get("number")
    if not isinstance(login, str) or not same_login(login, author):
        return None
    if not isinstance(body, str) or not isinstance(number, int):
        return None
    found = MARKER.match(body)  # on the first line: a quote of it further down is not it
    if found is None or found["model"] != model or found["stage"] != stage:
        return None
    return MonitorIssue(
        number, str(item.get("html_url", "")), int(found["breaches"]), found["retrain"] == "yes"
    )
