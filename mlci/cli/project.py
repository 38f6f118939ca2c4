"""`mlci init`, `mlci run` and `mlci status`: arguments in, one core call, printed results.

The core they call never prints: each line a user sees is written here.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mlci.errors import EXIT_CHECK_FAILED, EXIT_OK, CheckFailed, UsageError
from mlci.usecases.project import ProjectPaths, find_project

if TYPE_CHECKING:  # imported where used, to keep start-up light
    from mlci.dvc.pipeline import ReproResult, StageRun


def _say(text: str = "") -> None:
    print(text, flush=True)


def init(args: argparse.Namespace) -> int:
    from mlci.scaffold.init import InitOptions, init_project

    if args.target is not None and args.data is None:
        raise UsageError(
            "--target names the column to predict in your own CSV: give it with --data CSV "
            "(the bundled examples know their target)"
        )
    interactive = sys.stdin.isatty() and not args.yes

    def ask(question: str, default: str) -> str:
        if not interactive:
            return default
        shown = f" [{default}]" if default else ""
        answer = input(f"{question}{shown}: ").strip()
        return answer or default

    report = init_project(
        InitOptions(
            directory=args.target_dir,
            example=args.example,
            data=args.data,
            target=args.target,
            task=args.task,
            positive_class=args.positive_class,
            remote=args.remote,
            commit=args.commit,
            assume_yes=args.yes,
            ask=ask,
        )
    )
    for status, path in report.files:
        _say(f"{status:<10} {path}")
    for note in report.notes:
        _say(f"note: {note}")
    for warning in report.warnings:
        print(f"mlci: warning: {warning}", file=sys.stderr)
    if report.commit:
        _say(f"committed {report.commit[:12]}")
    where = "" if args.target_dir == Path() else f"cd {args.target_dir} && "
    _say(f"\nNext: {where}mlci run")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from mlci.dvc import pipeline

    project = find_project(args.spec, None)
    root = project.root
    if project.spec.exists():
        from mlci.generate.sync import bring_in_sync

        # The spec is the source of truth: reproduce what it says, not a stale dvc.yaml.
        for path in bring_in_sync(project.spec, dry=args.dry):
            done = "would regenerate" if args.dry else "regenerated"
            _say(f"  {done:<10} {path}  (out of date with {project.spec})")
    elif project.spec_given:
        raise UsageError(f"{project.spec}: file not found")
    if not (root / "dvc.yaml").exists():
        raise CheckFailed("no dvc.yaml here; run `mlci init` or `mlci generate` first")
    _check_stage_names(root, args.stages)
    if args.dry:
        stages = pipeline.would_run(root)
        for name in stages:
            _say(f"  {'would run':<10} {name}")
        _say(f"{len(stages)} stage(s) would run")
        return EXIT_OK
    watcher = pipeline.ReproWatcher(
        finished=_show_stage,
        still_running=_show_progress,
        output=_show_output if args.verbose else None,
    )
    result = pipeline.reproduce(
        root, force=args.force, pull=args.pull, targets=args.stages, watcher=watcher
    )
    if not result.ok:
        _report_failure(result, root)
        return EXIT_CHECK_FAILED
    if args.push:
        pipeline.push(root)
        _say("pushed outputs and the run-cache to the DVC remote")
    if not any(run.outcome in ("ran", "restored") for run in result.stages):
        _say("nothing to run: every stage is up to date")
    _show_metrics(project)
    return EXIT_OK


def _show_progress(name: str, seconds: float, last: str) -> None:
    """A long stage says it is alive, and what it printed last (unless -v shows it all)."""
    from mlci.present.terminal import printable

    said = f"; last printed: {printable(last.strip())[:80]}" if last.strip() else ""
    _say(f"  running    {printable(name)}  ({seconds:.0f}s so far{said})")


def _check_stage_names(root: Path, targets: list[str]) -> None:
    """A STAGE that dvc.yaml does not define is a usage error, with the nearest names.

    Only plain names are checked: `dvc.yaml:stage`, `stage@item`, paths and globs are DVC's
    to resolve."""
    import difflib

    from mlci.dvc.dvcfile import plain_stages
    from mlci.files import read_text_or_none

    plain = [name for name in targets if not set(name) & set(":@/.*?[")]
    if not plain:
        return
    stages = plain_stages(read_text_or_none(root / "dvc.yaml") or "") or {}
    for name in plain:
        if name not in stages:
            close = difflib.get_close_matches(name, [str(s) for s in stages], n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            listed = ", ".join(map(str, stages)) or "none"
            raise UsageError(f"dvc.yaml has no stage {name!r}{hint} (its stages: {listed})")


def _show_output(stage: str, line: str) -> None:
    from mlci.present.terminal import printable

    _say(f"    {stage} | {printable(line)}")


def _show_metrics(project: ProjectPaths) -> None:
    """The metrics the run left in the workspace, against the last commit when there is one."""
    from mlci.present.run_summary import metrics_lines
    from mlci.usecases.compare import compare_revisions

    try:
        comparison = compare_revisions(project, "HEAD", None)
    except UsageError:
        return  # no commit yet, or not a git repository: nothing to compare with
    lines = metrics_lines(comparison)
    if lines:
        _say()
        for line in lines:
            _say(line)


def _show_stage(run: StageRun) -> None:
    took = f"{run.seconds:6.1f}s" if run.outcome in ("ran", "failed") else ""
    _say(f"  {run.outcome:<10} {run.name:<20} {took}".rstrip())


def _report_failure(result: ReproResult, root: Path) -> None:
    failed = [run for run in result.stages if run.outcome == "failed"]
    if not failed:
        print(f"mlci: error: dvc repro failed: {result.error}", file=sys.stderr)
        return
    run = failed[-1]
    if (missing := _MISSING_DATA.match(run.reason)) is not None:
        print(f"mlci: error: {_missing_data(root, missing['path'])}", file=sys.stderr)
        return
    tail = [line for line in run.output if line.strip()][-20:]
    print(f"mlci: error: stage {run.name!r} failed: {run.reason}", file=sys.stderr)
    if tail:
        print("--- last lines of its output ---", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)
    print(
        "dvc.lock records only the stages that finished; fix the stage and run `mlci run` again",
        file=sys.stderr,
    )


# How `dvc repro` says a DVC-tracked file is not in the workspace (DVC 3).
_MISSING_DATA = re.compile(r"missing data '\w+': (?P<path>.+)$")


def _missing_data(root: Path, path: str) -> str:
    """What to do about data DVC tracks but the workspace lacks: where it can come from."""
    from mlci.dvc.config import read_dvc_config

    remotes = [name for name in read_dvc_config(root) if name.startswith("remote ")]
    fetch = (
        f"fetch it from the DVC remote with `dvc pull {path}` (or `mlci run --pull`)"
        if remotes
        else "no DVC remote is configured here, so it cannot be fetched: in a fresh clone, "
        "the remote of the machine that added it lives in its .dvc/config.local; add the "
        "shared one with `dvc remote add -d storage URL` (and commit .dvc/config), then "
        f"`dvc pull {path}`"
    )
    return (
        f"{path} is tracked by DVC but is not in the workspace: restore it from the local "
        f"DVC cache with `dvc checkout {path}`; if the cache does not hold it, {fetch}"
    )


def status(args: argparse.Namespace) -> int:
    from mlci.dvc import pipeline

    project = find_project(args.spec, None)
    if project.spec.exists():
        from mlci.generate.sync import require_in_sync

        require_in_sync(project.spec, "say whether this commit is reproduced")
    elif project.spec_given:
        raise UsageError(f"{project.spec}: file not found")
    if (project.root / "dvc.yaml").exists() and not (project.root / "dvc.lock").exists():
        _say("not reproduced: there is no dvc.lock (never run here, or deleted)")
        _say("run `mlci run` and commit dvc.lock")
        return EXIT_CHECK_FAILED
    changes = pipeline.status(project.root)
    if not changes:
        _say("reproduced: dvc.lock matches the code, data and params")
        return EXIT_OK
    _say("not reproduced: dvc.lock does not match the workspace")
    for stage, details in changes.items():
        _say(f"  {stage}: {_describe_change(details)}")
    _say("run `mlci run` and commit dvc.lock")
    return EXIT_CHECK_FAILED


def _how(change: object) -> str:
    """`modified`, or for a params file `{'train.lr': 'modified'}` -> `train.lr modified`."""
    if isinstance(change, dict):
        return ", ".join(f"{key} {how}" for key, how in change.items())
    return str(change)


def _describe_change(details: object) -> str:
    """DVC's status entry for one stage, e.g. [{'changed deps': {'src/train.py': 'modified'}}]."""
    parts: list[str] = []
    for entry in details if isinstance(details, list) else [details]:
        if isinstance(entry, dict):
            for kind, paths in entry.items():
                if isinstance(paths, dict):
                    listed = ", ".join(f"{path} ({_how(how)})" for path, how in paths.items())
                    parts.append(f"{kind}: {listed}")
                else:
                    parts.append(str(kind))
        else:
            parts.append(str(entry))
    return "; ".join(parts) or "changed"
