"""`mlci history`: a branch's recent metrics as a table with sparklines, Markdown, JSON or CSV."""

from __future__ import annotations

import argparse
import sys

from mlci.errors import EXIT_OK
from mlci.present.history_format import FORMATS
from mlci.usecases.history import branch_history
from mlci.usecases.project import find_project


def history(args: argparse.Namespace) -> int:
    project = find_project(args.spec, "mlci history reads git commits")
    found = branch_history(project, args.rev, args.n, args.metrics)
    sys.stdout.write(FORMATS[args.format](found))
    return EXIT_OK
