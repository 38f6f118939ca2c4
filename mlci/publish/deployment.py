"""GitHub Deployments: a record of each version deployed to an environment, with the
evidence that let it go there, and who approved the environment.

The record is made once per run (looked for by the run's id in its payload before a POST is
sent again), and its status says how the deployment ended, with a link to the run's log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mlci.publish.github import GitHub

State = Literal["in_progress", "success", "failure", "error", "inactive"]


@dataclass(frozen=True)
class Approval:
    login: str
    comment: str


@dataclass(frozen=True)
class Recorded:
    deployment_id: int
    state: State


def record(
    github: GitHub,
    repository: str,
    *,
    commit: str,
    environment: str,
    payload: dict[str, Any],
    description: str,
    production: bool,
    state: State,
    log_url: str,
) -> Recorded:
    """A deployment of `commit` to `environment`, and its status."""
    run_id = payload.get("run_id")

    def landed() -> dict[str, Any] | None:
        return _made_by_run(github, repository, commit, environment, run_id)

    made = landed() if run_id is not None else None
    if made is None:
        body = {
            "ref": commit,
            "environment": environment,
            "payload": payload,
            "description": description[:140],
            "auto_merge": False,  # the version is the commit the registry names: no merging
            "required_contexts": [],  # its checks ran before it was registered
            "production_environment": production,
            "transient_environment": False,
        }
        made = github.post(f"repos/{repository}/deployments", body, landed=landed)
    deployment_id = made.get("id")
    if not isinstance(deployment_id, int):
        raise github.fail("GitHub's reply to the deployment has no id")
    status = {"state": state, "log_url": log_url, "description": description[:140]}
    github.post(f"repos/{repository}/deployments/{deployment_id}/statuses", status)
    return Recorded(deployment_id, state)


def approvals(github: GitHub, repository: str, run_id: int, environment: str) -> list[Approval]:
    """Who approved this run's job in `environment` (GitHub's required reviewers)."""
    found = []
    for item in github.paginate(f"repos/{repository}/actions/runs/{run_id}/approvals", {}):
        if not isinstance(item, dict) or item.get("state") != "approved":
            continue
        names = [e.get("name") for e in item.get("environments") or [] if isinstance(e, dict)]
        user = item.get("user")
        login = user.get("login") if isinstance(user, dict) else None
        if environment in names and isinstance(login, str):
            comment = item.get("comment")
            found.append(Approval(login, comment if isinstance(comment, str) else ""))
    return found


def _made_by_run(
    github: GitHub, repository: str, commit: str, environment: str, run_id: Any
) -> dict[str, Any] | None:
    query: dict[str, str | int] = {"sha": commit, "environment": environment, "per_page": 100}
    for item in github.paginate(f"repos/{repository}/deployments", query, max_pages=3):
        if isinstance(item, dict) and (item.get("payload") or {}).get("run_id") == run_id:
            return item
    return None
