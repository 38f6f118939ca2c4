"""`mlci history`: a branch's recent metrics as a table with sparklines, Markdown, JSON or CSV."""

from __future__ import annotations

import argparse
import sys

from mlci.errors import EXIT_OK
from mlci.present.history_format import WRITERS
from mlci.usecases.history import open_branch_history
from mlci.usecases.project import find_project


def history(args: argparse.Namespace) -> int:
    project = find_project(args.spec, "mlci history reads git commits")
    # Written as the rows come, never built whole (the JSON of 10,000 commits is 2.5 MB).
    with open_branch_history(project, args.rev, args.n, args.metrics) as found:
        WRITERS[args.format](found, sys.stdout)
    return EXIT_OK
