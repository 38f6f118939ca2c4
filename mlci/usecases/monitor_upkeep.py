"""After `mlci monitor` in the scheduled workflow: keep the model's issue up to date, and on
a sustained breach start the retraining workflow (a pull request the merge gate judges)."""

from __future__ import annotations

from collections.abc import Mapping

from mlci.spec.model import Spec
from mlci.usecases.monitor import MonitorReport

RETRAIN_WORKFLOW = "mlci-retrain.yml"


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
            breached=report.check.breached,
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
    if upkeep.issue is None:
        return "monitor issue: none open, none needed"
    said = f"monitor issue #{upkeep.issue.number} {upkeep.action} ({upkeep.issue.breaches} "
    said += f"breach{'es' if upkeep.issue.breaches != 1 else ''} in a row)"
    if upkeep.retrain_started_now:
        said += f"; started {RETRAIN_WORKFLOW} on {spec.ci.main_branch}"
    return github.scrub(said)
