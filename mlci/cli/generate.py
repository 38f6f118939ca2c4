"""`mlci validate`, `mlci generate` and `mlci schema`: the spec in, its files checked or written.

Planning and writing live in mlci.generate; this module prints the plan and decides the exit
code (1 for a stale or hand-edited file under --check, or a conflict that stops a write).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mlci import __version__
from mlci.errors import EXIT_OK, CheckFailed

if TYPE_CHECKING:
    from mlci.generate.plan import Plan
    from mlci.spec.load import Project


def validate(args: argparse.Namespace) -> int:
    from mlci.errors import SpecError
    from mlci.spec.params_check import params_problems

    path = _spec_path(args.spec)
    spec = _load(path).spec
    if problems := params_problems(spec, path.resolve().parent):
        raise SpecError(problems)
    print(
        f"{path}: valid ({len(spec.stages)} stages, {len(spec.metrics)} metrics, "
        f"{len(spec.gates.merge) + len(spec.gates.deploy)} gate rules)"
    )
    return EXIT_OK


def schema(args: argparse.Namespace) -> int:
    from mlci.spec.schema import spec_json_schema_text

    sys.stdout.write(spec_json_schema_text())
    return EXIT_OK


def generate(args: argparse.Namespace) -> int:
    return _generate(_load(_spec_path(args.spec)), args)


def _spec_path(given: Path | None) -> Path:
    """`--spec FILE`, else the mlci.yaml of the project found as every command finds it."""
    from mlci.usecases.project import find_project

    return find_project(given, None).spec


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
