"""The pull-request report: the comparison with main, the merge rules judged, main's trend and
the evaluation plots, gathered into one `Report` (mlci.present.report renders it)."""

from __future__ import annotations

import os
from pathlib import Path

from mlci.document_caps import MAX_BYTES
from mlci.errors import UsageError
from mlci.files import ReadRefused, read_confined
from mlci.gitbatch import GitObjects
from mlci.present.charts import PlotInput
from mlci.present.report import Report, build_report
from mlci.revision.history import History, MetricColumn, read_history
from mlci.revision.names import main_commit
from mlci.spec.model import Spec
from mlci.spec.paths import normalise
from mlci.usecases.assess import assess
from mlci.usecases.project import ProjectPaths

TREND_COMMITS = 30


def pull_request_report(
    project: ProjectPaths, spec: Spec, base: str | None, *, base_tip: bool
) -> Report:
    """The report of the workspace against BASE (default: the merge-base with main)."""
    root = project.root
    comparison, gates = assess(
        root, spec, base, None, base_tip=base_tip, spec_name=project.spec.name
    )
    return build_report(
        comparison,
        gates.results,
        _trend(root, spec),
        _plots(root, spec, comparison.base.revision),
        branch=spec.ci.main_branch,
        rules_source=gates.rules_source,
        notices=(*gates.notes, *_ci_notices(spec)),
    )


def _ci_notices(spec: Spec) -> list[str]:
    """What the run could not do because of where the pull request comes from."""
    from mlci.publish.event import PullRequest, in_actions, pull_request

    remote = spec.ci.remote
    if not in_actions(os.environ) or remote is None or not remote.credentials:
        return []
    pr = pull_request(os.environ)
    if isinstance(pr, PullRequest) and pr.fork:
        return [
            "this pull request comes from a fork, which GitHub gives no secrets: the DVC "
            "remote was not read, and the pipeline was reproduced from the repository and "
            "the CI cache alone"
        ]
    return []


def _trend(root: Path, spec: Spec) -> History | None:
    """Main's recent history for the trend chart; None when there is no main to read."""
    try:
        revision, _ = main_commit(root, spec.ci.main_branch)
    except UsageError:
        return None
    columns = [
        MetricColumn(name, metric.file, spec.metric_key(name), metric.direction)
        for name, metric in spec.metrics.items()
    ]
    return read_history(root, revision, TREND_COMMITS, columns or None)


def _plots(root: Path, spec: Spec, base: str | None) -> list[PlotInput]:
    """Every plot file the stages declare, as the workspace and the base hold it.

    Both sides are the pull request's to write: the workspace file is read confined to the
    repository, the base's blob only up to the size mlci reads any file.
    """
    declared = [(plot, stage.wdir) for stage in spec.stages.values() for plot in stage.plots]
    paths = [normalise(wdir, plot.path) or plot.path for plot, wdir in declared]
    with GitObjects(root) as objects:
        found = objects.read_bounded([(base, p) for p in paths], MAX_BYTES) if base else []
    base_texts = [text if isinstance(text, bytes) else None for text in found] or [None] * len(
        paths
    )
    inputs = []
    for (plot, _), path, base_text in zip(declared, paths, base_texts, strict=True):
        target, problem = _workspace_text(root, path)
        inputs.append(
            PlotInput(
                path=path,
                target=target,
                base=base_text.decode("utf-8", errors="replace") if base_text else None,
                template=plot.template,
                x=plot.x,
                y=plot.y,
                problem=problem,
            )
        )
    return inputs


def _workspace_text(root: Path, path: str) -> tuple[str | None, str | None]:
    try:
        content = read_confined(root, path)
    except ReadRefused as error:
        return None, f"not read: {path} {error}"
    return (content.decode("utf-8", errors="replace") if content is not None else None), None
