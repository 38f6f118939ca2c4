"""The command line: arguments in, one call into the core, an exit code out.

This is the only module that prints or decides exit codes. It imports the core lazily, so
`mlci --help` starts without loading pydantic, Jinja or ruamel (and never DVC, pandas or
scikit-learn, which only commands that run the pipeline need).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlci import __version__
from mlci.errors import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    CheckFailed,
    MlciError,
    SpecError,
    UsageError,
)

if TYPE_CHECKING:
    from mlci.generate.plan import Plan
    from mlci.spec.load import Project

EXIT_CODES = """\
exit codes:
  0  success
  1  a check failed (a gate, out-of-date generated files, a hand-edited file)
  2  usage or spec error (the message names the file, line and key to fix)
  3  internal error in mlci (please report it)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlci",
        description=(
            "GitOps CI/CD for machine-learning repositories. Describe the problem, data, "
            "pipeline, metrics and gates once in mlci.yaml; mlci generates dvc.yaml and the "
            "GitHub Actions workflows from it and keeps them in sync."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mlci {__version__}")
    parser.add_argument(
        "-C",
        dest="directories",
        action="append",
        default=[],
        metavar="DIR",
        type=Path,
        help="run as if mlci was started in DIR (before the command; several -C add up, "
        "each relative to the one before, as git's do)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check mlci.yaml and report every problem with its file:line:column",
        description="Check mlci.yaml: keys, types, references between sections, stage graph.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_spec_option(validate)

    init = commands.add_parser(
        "init",
        help="start an ML project: spec, params, stage scripts, DVC, workflows",
        description=(
            "Make DIR (default: here) a reproducible ML repository: git and DVC, mlci.yaml, "
            "params.yaml, stage scripts under src/, then dvc.yaml and the workflows. Works in "
            "an empty folder, a git repository or a DVC repository (whose pipeline it adopts). "
            "Never overwrites a file."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("target_dir", nargs="?", type=Path, default=Path(), metavar="DIR")
    source = init.add_mutually_exclusive_group()
    source.add_argument(
        "--example",
        metavar="NAME",
        help="start from a dataset scikit-learn ships: breast_cancer (default), iris, wine, "
        "diabetes (regression)",
    )
    source.add_argument("--data", type=Path, metavar="CSV", help="start from your own CSV file")
    init.add_argument("--target", metavar="COLUMN", help="the column to predict (with --data)")
    init.add_argument(
        "--task", choices=("classification", "regression"), help="override the inferred task"
    )
    init.add_argument(
        "--remote",
        metavar="URL",
        help="DVC remote (s3://, gs://, azure://, ssh://, a path); default: a local folder",
    )
    init.add_argument("--yes", "-y", action="store_true", help="ask nothing; take the defaults")
    init.add_argument("--commit", action="store_true", help="commit the new project")

    run = commands.add_parser(
        "run",
        help="reproduce the pipeline through DVC, showing each stage as it goes",
        description=(
            "Reproduce the pipeline with DVC: unchanged stages are skipped, stages seen before "
            "are restored from the run-cache. Exits 1 naming the stage that failed."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--pull", action="store_true", help="fetch inputs from the DVC remote first")
    run.add_argument(
        "--push", action="store_true", help="send outputs and the run-cache to the remote after"
    )
    run.add_argument("--dry", action="store_true", help="show what would run, run nothing")
    run.add_argument("--force", action="store_true", help="rerun every stage")
    run.add_argument("stages", nargs="*", metavar="STAGE", help="only these stages (and inputs)")

    commands.add_parser(
        "status",
        help="say whether dvc.lock matches code, data and params (exit 1 when it does not)",
        description="Is this commit reproduced? Compares the workspace with dvc.lock.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    report = commands.add_parser(
        "report",
        help="one Markdown report of what a change did, for the PR comment and job summary",
        description=(
            "Compare the workspace with main, judge the merge rules, and write one report: "
            "verdict, metrics, gates, params, data and stages, trend along main, evaluation "
            "plots (Mermaid, nothing leaves GitHub). --publish writes it to the job summary "
            "and one sticky pull-request comment. Exits 0: `mlci gate` fails the check."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("base", nargs="?", metavar="BASE", help="default: merge-base with main")
    report.add_argument("--base-tip", action="store_true", help="compare with main's tip")
    report.add_argument("--format", choices=("md", "json"), default="md", help="output format")
    report.add_argument("--output", type=Path, metavar="FILE", help="write here, not stdout")
    report.add_argument(
        "--publish", action="store_true", help="in GitHub Actions: job summary and PR comment"
    )
    report.add_argument("--spec", type=Path, metavar="FILE", help="the spec (default: mlci.yaml)")

    history = commands.add_parser(
        "history",
        help="metrics of each commit along a branch, with trends and the stages each changed",
        description=(
            "The metrics of each commit along a branch's first-parent history (oldest first), "
            "read through one git process, with a sparkline per metric and the pipeline stages "
            "whose inputs each commit changed."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    history.add_argument(
        "--spec", type=Path, metavar="FILE", help="the spec to read (default: mlci.yaml)"
    )
    history.add_argument(
        "--rev", metavar="REV", help="the branch or commit to walk back from (default: main)"
    )
    history.add_argument(
        "-n", type=int, default=100, metavar="N", help="how many commits (default: 100)"
    )
    history.add_argument(
        "--format", choices=("table", "md", "json", "csv"), default="table", help="output format"
    )
    history.add_argument(
        "metrics",
        nargs="*",
        metavar="METRIC",
        help="metrics to show: names from mlci.yaml, or keys like test.acc (default: declared)",
    )

    commands.add_parser(
        "schema",
        help="print the JSON Schema of mlci.yaml (for editor completion and checks)",
        description="Print the JSON Schema of mlci.yaml, generated from mlci's own models.",
    )

    generate = commands.add_parser(
        "generate",
        help="write dvc.yaml and the GitHub Actions workflows from mlci.yaml",
        description=(
            "Write dvc.yaml stages and .github/workflows/mlci-*.yml from mlci.yaml. Stages and "
            "files a user wrote are kept; a generated file edited by hand is never overwritten "
            "without --force."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_spec_option(generate)
    mode = generate.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 with a diff if any generated file is stale or edited",
    )
    mode.add_argument(
        "--diff",
        action="store_true",
        help="write nothing; show per file what would be created, updated or deleted",
    )
    generate.add_argument(
        "--force",
        action="store_true",
        help="overwrite generated files and stages even where they were edited by hand",
    )
    _add_diff_parser(commands)
    _add_gate_parser(commands)
    return parser


def _add_diff_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diff = commands.add_parser(
        "diff",
        help="compare metrics, params, data and stages between two revisions",
        description=(
            "What a change did to the model: metrics (old, new, change, better or worse by "
            "the direction in mlci.yaml), params, DVC-tracked data and outputs, and the "
            "stages whose inputs changed. BASE defaults to the merge-base of HEAD with the "
            "main branch (ci.main_branch), TARGET to the workspace; any git revision works."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument("base", nargs="?", metavar="BASE", help="revision to compare from")
    diff.add_argument("target", nargs="?", metavar="TARGET", help="revision to compare to")
    diff.add_argument(
        "--base-tip",
        action="store_true",
        help="compare with the tip of the main branch instead of the merge-base",
    )
    diff.add_argument(
        "--format",
        choices=("table", "md", "json"),
        default="table",
        help="table (default), md (GitHub Markdown) or json (stable keys, for machines)",
    )
    diff.add_argument(
        "--spec",
        type=Path,
        metavar="FILE",
        help="the spec with the metrics' directions (default: mlci.yaml, if there is one)",
    )


def _add_gate_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    gate = commands.add_parser(
        "gate",
        help="judge a change by the spec's merge (or deploy) rules; exit 1 when one fails",
        description=(
            "Apply the rules of mlci.yaml's gates: to the comparison `mlci diff` makes (same "
            "BASE and TARGET defaults): floors, ceilings and largest regressions per metric, "
            "required metrics, and `check: reproduced`. Exit 0 when every rule passes "
            "(warnings allowed), 1 when one fails, 2 when the spec or the command is wrong."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gate.add_argument("base", nargs="?", metavar="BASE", help="revision to compare from")
    gate.add_argument("target", nargs="?", metavar="TARGET", help="revision to compare to")
    gate.add_argument(
        "--base-tip",
        action="store_true",
        help="compare with the tip of the main branch instead of the merge-base",
    )
    gate.add_argument(
        "--rules", choices=("merge", "deploy"), default="merge", help="which gates (default: merge)"
    )
    gate.add_argument(
        "--format",
        choices=("text", "md", "json"),
        default="text",
        help="text (default), md (GitHub Markdown) or json (stable keys, for machines)",
    )
    gate.add_argument(
        "--spec", type=Path, metavar="FILE", help="the spec to read (default: mlci.yaml)"
    )


def _add_spec_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spec",
        type=Path,
        default=Path("mlci.yaml"),
        metavar="FILE",
        help="the spec to read (default: mlci.yaml)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        for directory in args.directories:
            _change_to(directory)
        return _run(args)
    except MlciError as error:
        # Spec problems already start with file:line:column, like a compiler's.
        prefix = "" if isinstance(error, SpecError) else "mlci: error: "
        print(f"{prefix}{error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("mlci: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as error:
        # Not a bug in mlci: it runs in a Python that lacks one of its dependencies (for
        # instance from a source checkout without `pip install`).
        print(
            f"mlci: error: this Python ({sys.executable}) lacks the package "
            f"{error.name!r} that mlci needs; install mlci with its dependencies "
            "(`pip install mlci`, or `pip install .` in a checkout)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except OSError as error:
        print(f"mlci: error: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:
        print(
            f"mlci: internal error: {type(error).__name__}: {_scrubbed(str(error))}\n"
            "This is a bug in mlci. Please report it with the command you ran, "
            "mlci.yaml and this message.",
            file=sys.stderr,
        )
        if os.environ.get("MLCI_DEBUG"):
            raise
        return EXIT_INTERNAL


def _change_to(directory: Path) -> None:
    """`-C DIR`: every path the command is given, and the project it finds, start from DIR."""
    try:
        os.chdir(directory)
    except OSError as error:
        raise UsageError(f"cannot change to {str(directory)!r}: {error.strerror}") from None


def _scrubbed(text: str) -> str:
    """A bug's message may hold what a server sent back: never the token with it."""
    token = os.environ.get("GITHUB_TOKEN")
    if not token:
        return text
    from mlci.publish.scrub import Scrubber

    return Scrubber(token)(text)


def _run(args: argparse.Namespace) -> int:
    if args.command == "report":
        from mlci.cli.report import report

        return report(args)
    if args.command in ("init", "run", "status", "history"):
        from mlci.cli import project as commands

        handler: Callable[[argparse.Namespace], int] = getattr(commands, args.command)
        return handler(args)
    if args.command == "diff":
        from mlci.cli.diff import diff

        return diff(args)
    if args.command == "gate":
        from mlci.cli.gate import gate

        return gate(args)
    if args.command == "schema":
        from mlci.spec.schema import spec_json_schema_text

        sys.stdout.write(spec_json_schema_text())
        return EXIT_OK
    project = _load(args.spec)
    if args.command == "validate":
        spec = project.spec
        print(
            f"{args.spec}: valid ({len(spec.stages)} stages, {len(spec.metrics)} metrics, "
            f"{len(spec.gates.merge) + len(spec.gates.deploy)} gate rules)"
        )
        return EXIT_OK
    return _generate(project, args)


def _load(spec: Path) -> Project:
    from mlci.spec.load import load_project

    project = load_project(spec)
    for warning in project.warnings:
        print(f"mlci: warning: {warning}", file=sys.stderr)
    return project


def _generate(project: Project, args: argparse.Namespace) -> int:
    from mlci.generate.plan import apply_plan, plan_generation

    plan = plan_generation(project, force=args.force)
    if args.check:
        return _check(plan)
    if args.diff:
        _print_plan(plan, with_diff=True)
        return EXIT_OK
    if plan.conflicts:
        for change in plan.conflicts:
            print(f"mlci: error: {change.path}: {change.reason}", file=sys.stderr)
        raise CheckFailed("nothing was written")
    apply_plan(project.root, plan)
    _print_plan(plan, with_diff=False)
    if not plan.pending:
        print("everything is up to date")
    return EXIT_OK


def _check(plan: Plan) -> int:
    from mlci.files import unified_diff

    if not plan.pending:
        print("generated files match mlci.yaml")
        return EXIT_OK
    if plan.version_changed:
        # Said first and plainly: otherwise a new mlci's output reads like drift or a hand edit.
        print(f"mlci: {_version_note(plan.generated_by)}", file=sys.stderr)
    for change in plan.pending:
        sys.stdout.write(unified_diff(change.old, change.new, change.path))
    for change in plan.pending:
        detail = f": {change.reason}" if change.reason else ""
        print(f"mlci: {change.path}: {_PAST[change.action.value]}{detail}", file=sys.stderr)
    raise CheckFailed(
        "generated files do not match mlci.yaml; run `mlci generate` and commit the result"
    )


def _version_note(generated_by: str | None) -> str:
    if generated_by is None:
        return (
            "the generated files were written by an mlci that did not record its version; "
            f"this is mlci "
            f"{__version__}: run `mlci generate` and commit the result"
        )
    return (
        f"the generated files were written by mlci {generated_by}; this is mlci {__version__}: "
        "run `mlci generate` with the version you mean CI to use and commit the result, or "
        f"install the one that wrote them (pip install mlci=={generated_by})"
    )


_PAST = {
    "create": "would be created",
    "update": "is out of date",
    "delete": "would be deleted",
    "conflict": "conflicts",
    "unchanged": "unchanged",
}
_DONE = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "conflict": "conflict",
    "unchanged": "unchanged",
}


def _print_plan(plan: Plan, *, with_diff: bool) -> None:
    from mlci.files import unified_diff

    for change in plan.changes:
        label = change.action.value if with_diff else _DONE[change.action.value]
        reason = f"  ({change.reason})" if change.reason else ""
        print(f"{label:<10} {change.path}{reason}")
        if with_diff and change.action.value != "unchanged":
            sys.stdout.write(unified_diff(change.old, change.new, change.path))
