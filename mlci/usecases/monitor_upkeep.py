"""After `mlci monitor` in the scheduled workflow: keep the model's issue up to date, and on
a sustained breach start the retraining workflow (a pull request the merge gate judges)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from mlci.errors import UsageError
from mlci.spec.model import Spec
from mlci.usecases.monitor import MonitorReport

RETRAIN_WORKFLOW = "mlci-retrain.yml"
# GitHub disables a public repository's schedules after 60 days without activity.
IDLE_DISABLES_DAYS = 60
IDLE_WARNING_DAYS = 50


def idle_warning(root: Path, branch: str, now: float) -> str | None:
    """A warning when the main branch has had no commit for IDLE_WARNING_DAYS: soon GitHub
    stops running the monitor's schedule, and nothing says so."""
    from mlci.git import first_parent_log

    try:
        (last,) = first_parent_log(root, branch, 1)
    except (UsageError, ValueError):
        return None
    days = int((now - last.time) // 86_400)
    if days < IDLE_WARNING_DAYS:
        return None
    return (
        f"No commit on {branch} for {days} days: GitHub disables the schedule of a public "
        f"repository after {IDLE_DISABLES_DAYS} days without activity, and this monitor "
        "would stop. Push a commit, or re-enable the workflow under Actions when it stops."
    )


def keep_monitor_issue(
    report: MonitorReport, markdown: str, spec: Spec, environ: Mapping[str, str]
) -> str:
    """One line: what became of the issue, and whether a retraining started."""
    from mlci.publish.comment import comment_author
    from mlci.publish.dispatch import dispatch_workflow
    from mlci.publish.monitor_issue import keep_issue
    from mlci.usecases.github_client import github_client

    retrain = spec.monitoring().retrain
    github, repository = github_client(environ)
    with github:
        author = comment_author(github, environ)
        upkeep = keep_issue(
            github,
            repository,
            author,
            model=report.model,
            stage=report.stage,
            breached=report.breached,
            judged=report.judged,
            report=markdown,
            retrain_after=retrain.after if retrain.enabled else None,
            start_retrain=lambda: dispatch_workflow(
                github,
                repository,
                RETRAIN_WORKFLOW,
                spec.ci.main_branch,
                {"reason": f"{report.model} {report.version} in {report.stage} drifts"},
            ),
        )
    if not report.judged:
        left = f"#{upkeep.issue.number} " if upkeep.issue is not None else ""
        return f"monitor issue {left}left as it is: the window holds too few rows to judge"
    if upkeep.issue is None:
        return "monitor issue: none open, none needed"
    said = f"monitor issue #{upkeep.issue.number} {upkeep.action} ({upkeep.issue.breaches} "
    said += f"breach{'es' if upkeep.issue.breaches != 1 else ''} in a row)"
    if upkeep.retrain_started_now:
        said += f"; started {RETRAIN_WORKFLOW} on {spec.ci.main_branch}"
    return github.scrub(said)
