"""`mlci monitor`: the report on the terminal (and the job summary in Actions), the files
asked for, and exit 1 on a breach."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from mlci.cli.registry import _spec
from mlci.errors import EXIT_CHECK_FAILED, EXIT_OK
from mlci.present.terminal import printable


def monitor(args: argparse.Namespace) -> int:
    from mlci.files import write_atomic
    from mlci.present.json_out import json_text
    from mlci.present.monitor_html import monitor_html
    from mlci.present.monitor_markdown import monitor_data, monitor_markdown
    from mlci.publish.summary import append_summary
    from mlci.usecases.monitor import monitor as check

    root, spec = _spec(args)
    report = check(
        root,
        spec,
        stage=args.stage,
        current=args.current,
        reference=args.reference,
        environ=dict(os.environ),
        version=args.version,
    )
    markdown = monitor_markdown(report)
    if args.publish:
        import time

        from mlci.usecases.monitor_upkeep import idle_warning

        warning = idle_warning(root, spec.ci.main_branch, time.time())
        if warning is not None:
            print(printable(f"::warning title=The monitor's schedule may stop::{warning}"))
            markdown += f"\n> [!WARNING]\n> {warning}\n"
    for line in markdown.splitlines():
        print(printable(line))
    outputs = {args.json: json_text(monitor_data(report)), args.markdown: markdown}
    outputs[args.html] = monitor_html(report)
    for path, text in outputs.items():
        if path is not None:
            write_atomic(Path(path), text)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        append_summary(Path(os.environ["GITHUB_STEP_SUMMARY"]), markdown)
    if args.publish:
        from mlci.usecases.monitor_upkeep import keep_monitor_issue

        print(printable(keep_monitor_issue(report, markdown, spec, os.environ)))
    return EXIT_CHECK_FAILED if report.breached else EXIT_OK


def retrain_pr(args: argparse.Namespace) -> int:
    from mlci.usecases.retrain_pr import open_retrain_pr

    root, spec = _spec(args)
    print(printable(open_retrain_pr(root, spec, args.reason, os.environ)))
    return EXIT_OK
