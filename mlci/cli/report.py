"""`mlci report`: the pull-request report as Markdown or JSON, published when asked.

The exit code is 0 whatever the gates say: `mlci gate` is the step that fails a pull request,
so the report can be published before it does.
"""

from __future__ import annotations

import argparse
import os
import sys

from mlci.errors import EXIT_OK
from mlci.present.report import render_json, render_markdown
from mlci.spec.load import load_project
from mlci.usecases.project import find_project
from mlci.usecases.report import pull_request_report


def report(args: argparse.Namespace) -> int:
    paths = find_project(args.spec, "mlci report compares revisions")
    spec = load_project(paths.spec).spec
    content = pull_request_report(paths, spec, args.base, base_tip=args.base_tip)
    markdown = render_markdown(content)
    text = render_json(content) if args.format == "json" else markdown
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.publish:
        from mlci.publish import publish

        for note in publish(markdown, os.environ).notes:
            print(f"mlci: {note}", file=sys.stderr)
    return EXIT_OK
