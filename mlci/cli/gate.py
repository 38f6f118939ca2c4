"""`mlci gate`: the base's rules judged on the change; exit 1 when one fails.

Unlike `mlci diff`, the gate needs the whole spec (its `gates:` rules are pydantic models), so
a spec that does not load is an error (exit 2) before anything is compared: a broken config
never passes for a regression. Revisions are chosen exactly as `mlci diff` chooses them.
"""

from __future__ import annotations

import argparse
import os
import sys

from mlci.compare.gates import GateReport
from mlci.errors import EXIT_CHECK_FAILED, EXIT_OK, UsageError
from mlci.generate.sync import require_in_sync
from mlci.present import gates_format
from mlci.spec.load import load_project
from mlci.usecases.assess import assess
from mlci.usecases.project import find_project


def gate(args: argparse.Namespace) -> int:
    # Found as `mlci diff` finds it: the same project from any folder of it.
    paths = find_project(args.spec, "mlci gate compares git revisions")
    root, spec_path = paths.root, paths.spec
    if not spec_path.is_file():
        raise UsageError(f"{spec_path}: file not found: mlci gate applies the gates: of mlci.yaml")
    project = load_project(spec_path)  # a SpecError here is exit 2, never a failed gate
    for warning in project.warnings:
        print(f"mlci: warning: {warning}", file=sys.stderr)
    require_in_sync(spec_path, "gate this change")
    _, report = assess(
        root,
        project.spec,
        args.base,
        args.target,
        base_tip=args.base_tip,
        gate=args.rules,
        spec_name=spec_path.name,
    )
    sys.stdout.write(_render(report, args.format))
    return EXIT_CHECK_FAILED if report.failed else EXIT_OK


def _render(report: GateReport, form: str) -> str:
    if form == "json":
        return gates_format.render_json(report)
    if form == "md":
        return gates_format.render_markdown(report)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return gates_format.render_text(report, colour=colour)
