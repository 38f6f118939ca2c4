"""The command line's grammar: every subcommand, its arguments and its help text.

Built with argparse alone, so `mlci --help` loads nothing of the core. One function per
subcommand; `build_parser` lists them in the order `mlci --help` shows them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from mlci import __version__

EXIT_CODES = """\
exit codes:
  0  success
  1  a check failed (a gate, out-of-date generated files, a hand-edited file)
  2  usage or spec error (the message names the file, line and key to fix)
  3  internal error in mlci (please report it)
"""

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


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
    for add in (_validate, _init, _run, _status, _report, _history, _schema, _generate):
        add(commands)
    _diff(commands)
    _gate(commands)
    for add in (_registry, _register, _promote, _rollback, _evidence, _card, _package, _serve):
        add(commands)
    from mlci.cli.parser_deploy import add_deploy_commands
    from mlci.cli.parser_monitor import add_monitor_command, add_retrain_command

    add_deploy_commands(commands)
    add_monitor_command(commands)
    add_retrain_command(commands)
    return parser


def _command(
    commands: Commands, name: str, summary: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand with its one-line summary (in `mlci --help`) and its own help page."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _spec_option(parser: argparse.ArgumentParser, help: str, *, default: Path | None) -> None:
    parser.add_argument("--spec", type=Path, default=default, metavar="FILE", help=help)


def _revisions(parser: argparse.ArgumentParser) -> None:
    """BASE, TARGET and --base-tip, as `mlci diff` and `mlci gate` both take them."""
    parser.add_argument("base", nargs="?", metavar="BASE", help="revision to compare from")
    parser.add_argument("target", nargs="?", metavar="TARGET", help="revision to compare to")
    parser.add_argument(
        "--base-tip",
        action="store_true",
        help="compare with the tip of the main branch instead of the merge-base",
    )


def _validate(commands: Commands) -> None:
    validate = _command(
        commands,
        "validate",
        "check mlci.yaml and report every problem with its file:line:column",
        "Check mlci.yaml: keys, types, references between sections, stage graph.",
    )
    _spec_option(validate, "the spec to read (default: the project's mlci.yaml)", default=None)


def _init(commands: Commands) -> None:
    init = _command(
        commands,
        "init",
        "start an ML project: spec, params, stage scripts, DVC, workflows",
        "Make DIR (default: here) a reproducible ML repository: git and DVC, mlci.yaml, "
        "params.yaml, stage scripts under src/, then dvc.yaml and the workflows. Works in "
        "an empty folder, a git repository or a DVC repository (whose pipeline it adopts). "
        "Never overwrites a file.",
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
        "--positive-class",
        metavar="LABEL",
        help="of two classes, the one precision, recall and F1 are about (default: the rarer)",
    )
    init.add_argument(
        "--remote",
        metavar="URL",
        help="DVC remote (s3://, gs://, azure://, ssh://, a path); default: a local folder",
    )
    init.add_argument("--yes", "-y", action="store_true", help="ask nothing; take the defaults")
    init.add_argument("--commit", action="store_true", help="commit the new project")


def _run(commands: Commands) -> None:
    run = _command(
        commands,
        "run",
        "reproduce the pipeline through DVC, showing each stage as it goes",
        "Reproduce the pipeline with DVC: unchanged stages are skipped, stages seen before "
        "are restored from the run-cache. Exits 1 naming the stage that failed.",
    )
    run.add_argument("--pull", action="store_true", help="fetch inputs from the DVC remote first")
    run.add_argument(
        "--push", action="store_true", help="send outputs and the run-cache to the remote after"
    )
    run.add_argument("--dry", action="store_true", help="show what would run, run nothing")
    run.add_argument("--force", action="store_true", help="rerun every stage")
    run.add_argument(
        "-v", "--verbose", action="store_true", help="show each stage's own output as it runs"
    )
    run.add_argument("stages", nargs="*", metavar="STAGE", help="only these stages (and inputs)")
    _spec_option(run, "the spec to keep dvc.yaml in sync with (default: mlci.yaml)", default=None)


def _status(commands: Commands) -> None:
    status = _command(
        commands,
        "status",
        "say whether dvc.lock matches code, data and params (exit 1 when it does not)",
        "Is this commit reproduced? Compares the workspace with dvc.lock.",
    )
    _spec_option(status, "the spec to read (default: mlci.yaml)", default=None)


def _report(commands: Commands) -> None:
    report = _command(
        commands,
        "report",
        "one Markdown report of what a change did, for the PR comment and job summary",
        "Compare the workspace with main, judge the merge rules, and write one report: "
        "verdict, metrics, gates, params, data and stages, trend along main, evaluation "
        "plots (Mermaid, nothing leaves GitHub). --publish writes it to the job summary "
        "and one sticky pull-request comment. Exits 0: `mlci gate` fails the check.",
    )
    report.add_argument("base", nargs="?", metavar="BASE", help="default: merge-base with main")
    report.add_argument("--base-tip", action="store_true", help="compare with main's tip")
    report.add_argument("--format", choices=("md", "json"), default="md", help="output format")
    report.add_argument("--output", type=Path, metavar="FILE", help="write here, not stdout")
    report.add_argument(
        "--publish", action="store_true", help="in GitHub Actions: job summary and PR comment"
    )
    _spec_option(report, "the spec (default: mlci.yaml)", default=None)


def _history(commands: Commands) -> None:
    history = _command(
        commands,
        "history",
        "metrics of each commit along a branch, with trends and the stages each changed",
        "The metrics of each commit along a branch's first-parent history (oldest first), "
        "read through one git process, with a sparkline per metric and the pipeline stages "
        "whose inputs each commit changed.",
    )
    _spec_option(history, "the spec to read (default: mlci.yaml)", default=None)
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


def _schema(commands: Commands) -> None:
    commands.add_parser(
        "schema",
        help="print the JSON Schema of mlci.yaml (for editor completion and checks)",
        description="Print the JSON Schema of mlci.yaml, generated from mlci's own models.",
    )


def _generate(commands: Commands) -> None:
    generate = _command(
        commands,
        "generate",
        "write dvc.yaml and the GitHub Actions workflows from mlci.yaml",
        "Write dvc.yaml stages and .github/workflows/mlci-*.yml from mlci.yaml. Stages and "
        "files a user wrote are kept; a generated file edited by hand is never overwritten "
        "without --force.",
    )
    _spec_option(generate, "the spec to read (default: the project's mlci.yaml)", default=None)
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


def _diff(commands: Commands) -> None:
    diff = _command(
        commands,
        "diff",
        "compare metrics, params, data and stages between two revisions",
        "What a change did to the model: metrics (old, new, change, better or worse by "
        "the direction in mlci.yaml), params, DVC-tracked data and outputs, and the "
        "stages whose inputs changed. BASE defaults to the merge-base of HEAD with the "
        "main branch (ci.main_branch), TARGET to the workspace; any git revision works.",
    )
    _revisions(diff)
    diff.add_argument(
        "--format",
        choices=("table", "md", "json"),
        default="table",
        help="table (default), md (GitHub Markdown) or json (stable keys, for machines)",
    )
    _spec_option(
        diff,
        "the spec with the metrics' directions (default: mlci.yaml, if there is one)",
        default=None,
    )


def _gate(commands: Commands) -> None:
    gate = _command(
        commands,
        "gate",
        "judge a change by the spec's merge (or deploy) rules; exit 1 when one fails",
        "Apply the rules of mlci.yaml's gates: to the comparison `mlci diff` makes (same "
        "BASE and TARGET defaults): floors, ceilings and largest regressions per metric, "
        "required metrics, and `check: reproduced`. Exit 0 when every rule passes "
        "(warnings allowed), 1 when one fails, 2 when the spec or the command is wrong.",
    )
    _revisions(gate)
    gate.add_argument(
        "--rules", choices=("merge", "deploy"), default="merge", help="which gates (default: merge)"
    )
    gate.add_argument(
        "--format",
        choices=("text", "md", "json"),
        default="text",
        help="text (default), md (GitHub Markdown) or json (stable keys, for machines)",
    )
    _spec_option(gate, "the spec to read (default: mlci.yaml)", default=None)


def _registry(commands: Commands) -> None:
    registry = _command(
        commands,
        "registry",
        "the model registry: versions, stages, who and when (GTO's git tags)",
        "Every model version and the stage each holds, read from the repository's git tags "
        "in GTO's format (`gto show` agrees) with one `git for-each-ref`.",
    )
    _spec_option(registry, "the spec to read (default: mlci.yaml)", default=None)
    registry.add_argument(
        "--history", action="store_true", help="also list every tag, newest first"
    )
    registry.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format"
    )


def _register(commands: Commands) -> None:
    register = _command(
        commands,
        "register",
        "register the model of a main-branch commit as a new version (a git tag)",
        "Tag a commit of the main branch `<model>@vX.Y.Z` (deploy.model in mlci.yaml): "
        "the version given, or the next one. Push the tag to share it.",
    )
    _spec_option(register, "the spec to read (default: mlci.yaml)", default=None)
    register.add_argument("ref", nargs="?", default="HEAD", metavar="REF", help="default: HEAD")
    register.add_argument("--version", metavar="vX.Y.Z", help="the version (default: the next)")
    register.add_argument(
        "--bump",
        choices=("major", "minor", "patch"),
        default="patch",
        help="which part of the highest version the next one raises (default: patch)",
    )


def _promote(commands: Commands) -> None:
    promote = _command(
        commands,
        "promote",
        "pass the deploy gate, then assign a version to a stage (a git tag with the evidence)",
        "Compare the version with the one in STAGE (on the same rows, with intervals, when "
        "mlci.yaml has `evaluation:`), judge gates.deploy, and only when it passes tag "
        "`<model>#<stage>#N` at the version's commit, the evidence in the tag's message. A "
        "version reaches a stage only after the one before it in deploy.stages.",
    )
    _spec_option(promote, "the spec to read (default: mlci.yaml)", default=None)
    promote.add_argument("--to", required=True, metavar="STAGE", help="the stage")
    promote.add_argument("--version", metavar="vX.Y.Z", help="default: the highest registered")


def _rollback(commands: Commands) -> None:
    rollback = _command(
        commands,
        "rollback",
        "take the version in a stage out of it, so the one before holds it again",
        "Tag `<model>#<stage>!#N`: the version in STAGE leaves it, and (as GTO reads the "
        "tags) the highest version assigned before it holds the stage again.",
    )
    _spec_option(rollback, "the spec to read (default: mlci.yaml)", default=None)
    rollback.add_argument("stage", metavar="STAGE")


def _evidence(commands: Commands) -> None:
    evidence = _command(
        commands,
        "evidence",
        "the deploy gate's evidence a stage tag carries, checked against its digest",
        "Print the JSON evidence in a stage tag's message (what was compared, each rule's "
        "result, who approved), after checking it against the sha256 in the tag's subject.",
    )
    _spec_option(evidence, "the spec to read (default: mlci.yaml)", default=None)
    evidence.add_argument("tag", metavar="TAG", help="a stage tag, e.g. churn#prod#4")


def _card(commands: Commands) -> None:
    card = _command(
        commands,
        "card",
        "a version's model card in Markdown: intended use, metrics, lineage, params, gate",
        "The model card of a registered version: the problem and intended use from "
        "mlci.yaml, its metrics (with intervals against the version it replaced, when it "
        "went through the deploy gate), the data lineage from its dvc.lock, its params and "
        "the gate's verdict with the approver.",
    )
    _spec_option(card, "the spec to read (default: mlci.yaml)", default=None)
    card.add_argument("version", nargs="?", metavar="VERSION", help="default: the highest")


def _package(commands: Commands) -> None:
    package = _command(
        commands,
        "package",
        "write a version's package: its model files, input schema, metadata, card, evidence",
        "Gather a registered version's deploy.files from the DVC cache (by its dvc.lock), "
        "with package.json (the input schema learnt at training), its model card and its "
        "evidence, into one new folder, written all at once.",
    )
    _spec_option(package, "the spec to read (default: mlci.yaml)", default=None)
    package.add_argument("version", nargs="?", metavar="VERSION", help="default: the highest")
    package.add_argument("--output", required=True, type=Path, metavar="DIR", help="a new folder")


def _serve(commands: Commands) -> None:
    serve = _command(
        commands,
        "serve",
        "serve a version's predictions over HTTP (/health, /predict)",
        'An HTTP prediction server (waitress): POST /predict takes {"rows": [...]} with '
        "the columns of the input schema and answers the model's predictions and class "
        "probabilities; GET /health. Requests are checked against the schema (4xx with the "
        "reason) and capped in size.",
    )
    _spec_option(serve, "the spec to read (default: mlci.yaml)", default=None)
    which = serve.add_mutually_exclusive_group()
    which.add_argument("--package", type=Path, metavar="DIR", help="a folder `mlci package` wrote")
    which.add_argument("--version", metavar="VERSION", help="a registered version")
    which.add_argument("--stage", metavar="STAGE", help="the version in this stage")
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="default: 8000 (0: any free port)")
    logged = serve.add_mutually_exclusive_group()
    logged.add_argument(
        "--prediction-log",
        type=Path,
        metavar="DIR",
        help="where each predicted row is logged for `mlci monitor` (default: "
        "$MLCI_PREDICTION_LOG, a folder target's predictions/, or ~/.local/state/mlci)",
    )
    logged.add_argument("--no-prediction-log", action="store_true", help="log nothing")
