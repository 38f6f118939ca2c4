"""The command line's entry point: parse, run one subcommand's handler, map errors to exit codes.

mlci/cli/ is the only layer that prints or decides exit codes: each handler (one module per
subcommand or family) turns arguments into one call of the core and its answer into text.
Handlers are imported only when their command runs, so `mlci --help` starts without loading
pydantic, Jinja or ruamel (and never DVC, pandas or scikit-learn, which only commands that
run the pipeline need).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path

from mlci.errors import (
    EXIT_INTERNAL,
    EXIT_USAGE,
    MlciError,
    SpecError,
    Stopped,
    UsageError,
)


def main(argv: Sequence[str] | None = None) -> int:
    from mlci.cli.parser import build_parser

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
    except KeyboardInterrupt as stop:
        print("mlci: interrupted: the pipeline and its stages were stopped", file=sys.stderr)
        return stop.exit_code if isinstance(stop, Stopped) else 130
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
    """The one handler of `args.command`, imported only now: each pulls in what it needs."""
    module, name = _HANDLERS[args.command]
    handler: Callable[[argparse.Namespace], int] = getattr(import_module(module), name)
    return handler(args)


_HANDLERS = {
    "validate": ("mlci.cli.generate", "validate"),
    "generate": ("mlci.cli.generate", "generate"),
    "schema": ("mlci.cli.generate", "schema"),
    "init": ("mlci.cli.project", "init"),
    "run": ("mlci.cli.project", "run"),
    "status": ("mlci.cli.project", "status"),
    "history": ("mlci.cli.history", "history"),
    "diff": ("mlci.cli.diff", "diff"),
    "gate": ("mlci.cli.gate", "gate"),
    "report": ("mlci.cli.report", "report"),
    "registry": ("mlci.cli.registry", "registry"),
    "register": ("mlci.cli.registry", "register"),
    "promote": ("mlci.cli.registry", "promote"),
    "rollback": ("mlci.cli.registry", "rollback"),
    "evidence": ("mlci.cli.registry", "evidence"),
    "card": ("mlci.cli.registry", "card"),
    "package": ("mlci.cli.registry", "package"),
    "serve": ("mlci.cli.registry", "serve"),
    "deploy-plan": ("mlci.cli.deploy", "deploy_plan"),
    "smoke": ("mlci.cli.deploy", "smoke"),
    "deploy": ("mlci.cli.deploy", "deploy"),
    "release": ("mlci.cli.deploy", "release"),
    "record-deployment": ("mlci.cli.deploy", "record_deployment"),
    "dispatch-deploy": ("mlci.cli.deploy", "dispatch_deploy"),
    "monitor": ("mlci.cli.monitor", "monitor"),
    "retrain-pr": ("mlci.cli.monitor", "retrain_pr"),
}
