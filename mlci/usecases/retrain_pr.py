"""`mlci retrain-pr`: after the retrain workflow refreshed the data and reproduced the
pipeline, commit what changed on a branch of its own and open a pull request for it. The
merge gate judges it like any other change; nothing here promotes anything."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from mlci.present.markdown_escape import text
from mlci.spec.model import Spec

BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")


def open_retrain_pr(root: Path, spec: Spec, reason: str, environ: Mapping[str, str]) -> str:
    """One line: the pull request opened, or why none was."""
    from mlci.git import commit_tracked_on_branch, push_branch
    from mlci.publish.pull_request import open_pull_request
    from mlci.usecases.github_client import github_client

    github, repository = github_client(environ)
    run, attempt = environ.get("GITHUB_RUN_ID", ""), environ.get("GITHUB_RUN_ATTEMPT", "1")
    # A re-run of the same run pushes a branch of its own, not onto the first attempt's.
    branch = (
        f"mlci/retrain-{run}-{attempt}" if run.isdigit() and attempt.isdigit() else "mlci/retrain"
    )
    model = spec.deploy.model
    message = f"Retrain {model} on fresh data"
    commit = commit_tracked_on_branch(root, branch, message, BOT)
    if commit is None:
        return "nothing changed: the fresh data reproduced the same pipeline; no pull request"
    server = environ.get("GITHUB_SERVER_URL") or "https://github.com"
    push_branch(root, branch, server, environ.get("GITHUB_TOKEN", ""))
    body = "\n".join(
        [
            f"The monitor found {text(model)} drifting: "
            f"{text(reason) if reason.strip() else 'a sustained breach'}.",
            "",
            "This pull request is the pipeline reproduced on fresh data. The merge gate "
            "judges it as any change; promoting the new version stays a person's decision "
            "(`mlci register`, then `mlci promote`).",
            "",
            "Opened with the workflow's GITHUB_TOKEN: its checks run once someone with write "
            "access approves the run.",
        ]
    )
    with github:
        made = open_pull_request(
            github, repository, branch=branch, base=spec.ci.main_branch, title=message, body=body
        )
    return github.scrub(f"opened {made.get('html_url', 'a pull request')} from {branch}")
