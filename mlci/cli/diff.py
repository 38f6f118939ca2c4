"""`mlci diff`: the comparison of two revisions as a terminal table, Markdown or JSON."""

from __future__ import annotations

import argparse
import os
import sys

from mlci.compare.diff import Comparison
from mlci.errors import EXIT_OK
from mlci.present import diff_format
from mlci.usecases.compare import compare_revisions
from mlci.usecases.project import find_project


def diff(args: argparse.Namespace) -> int:
    project = find_project(args.spec, "mlci diff compares git revisions")
    comparison = compare_revisions(project, args.base, args.target, base_tip=args.base_tip)
    sys.stdout.write(_render(comparison, args.format))
    return EXIT_OK


def _render(comparison: Comparison, form: str) -> str:
    if form == "json":
        return diff_format.render_json(comparison)
    if form == "md":
        return diff_format.render_markdown(comparison)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return diff_format.render_table(comparison, colour=colour)
