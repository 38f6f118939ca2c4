"""`mlci registry`, `register`, `promote` and `rollback`: the model registry's commands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from mlci.errors import EXIT_OK
from mlci.present.terminal import printable
from mlci.registry.write import Written
from mlci.usecases.project import find_project

if TYPE_CHECKING:
    from mlci.spec.model import Spec

WHY = "the registry is git tags"


def _spec(args: argparse.Namespace) -> tuple[Path, Spec]:
    from mlci.spec.load import load_project

    project = find_project(args.spec, WHY)
    return project.root, load_project(project.spec).spec


def registry(args: argparse.Namespace) -> int:
    from mlci.present.registry_format import render_json, render_text
    from mlci.registry.state import read_registry

    project = find_project(args.spec, WHY)
    found = read_registry(project.root)
    if args.format == "json":
        print(render_json(found), end="")
    else:
        print(render_text(found, history=args.history), end="")
    return EXIT_OK


def _said(written: Written, what: str) -> None:
    print(printable(f"{what}: tag {written.tag} at {written.commit[:12]}"))
    print(printable(f"push it: git push origin {written.tag}"))


def register(args: argparse.Namespace) -> int:
    from mlci.usecases.registry import register_version

    root, spec = _spec(args)
    written = register_version(root, spec, args.ref, args.version, args.bump)
    _said(written, f"registered {spec.deploy.model} {written.version}")
    return EXIT_OK


def promote(args: argparse.Namespace) -> int:
    from mlci.present.gates_format import render_text
    from mlci.usecases.deploy import promote_through_gate

    root, spec = _spec(args)
    promotion = promote_through_gate(root, spec, args.version, args.to)
    if spec.gates.deploy:
        print(render_text(promotion.report), end="")
    _said(promotion.written, f"{spec.deploy.model} {promotion.written.version} is in {args.to}")
    return EXIT_OK


def evidence(args: argparse.Namespace) -> int:
    from mlci.present.json_out import json_text
    from mlci.usecases.deploy import read_evidence

    project = find_project(args.spec, WHY)
    print(json_text(read_evidence(project.root, args.tag)), end="")
    return EXIT_OK


def rollback(args: argparse.Namespace) -> int:
    from mlci.usecases.registry import roll_back

    root, spec = _spec(args)
    written, now = roll_back(root, spec, args.stage)
    _said(written, f"{spec.deploy.model} {written.version} left {args.stage}; {now} holds it again")
    return EXIT_OK


def card(args: argparse.Namespace) -> int:
    from mlci.present.model_card import render
    from mlci.usecases.model_card import model_card

    root, spec = _spec(args)
    print(render(model_card(root, spec, args.version)), end="")
    return EXIT_OK


def package(args: argparse.Namespace) -> int:
    from mlci.serving.package import build_package

    root, spec = _spec(args)
    manifest = build_package(root, spec, args.version, args.output)
    print(printable(f"packaged {manifest['model']} {manifest['version']} in {args.output}"))
    return EXIT_OK


def serve(args: argparse.Namespace) -> int:
    import contextlib
    import tempfile

    from mlci.serving.model import LoadedModel, load_package
    from mlci.serving.prediction_log import PredictionLog, default_log_folder
    from mlci.serving.server import make_server

    with contextlib.ExitStack() as cleanup:
        if args.package is not None:
            model: LoadedModel = load_package(args.package)
        else:
            scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="mlci-")))
            model = load_package(_package_of(args, scratch / "package"))
        log = None
        if not args.no_prediction_log:
            folder = args.prediction_log or default_log_folder(
                args.package or Path(), model.manifest["model"], dict(os.environ)
            )
            log = PredictionLog(folder)
        server = make_server(model, args.host, args.port, log=log)
        shown = f"{model.manifest['model']} {model.manifest['version']}"
        address = f"http://{args.host}:{server.effective_port}"
        logged = f", logging predictions to {log.folder}" if log is not None else ""
        print(printable(f"serving {shown} on {address}{logged}"), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    return EXIT_OK


def _package_of(args: argparse.Namespace, folder: Path) -> Path:
    """The package of `--version`, of the version in `--stage`, or of the highest."""
    from mlci.errors import UsageError
    from mlci.registry.state import read_registry
    from mlci.serving.package import build_package

    root, spec = _spec(args)
    version = args.version
    if args.stage is not None:
        artifact = read_registry(root).artifacts.get(spec.deploy.model)
        holder = artifact.stages.get(args.stage) if artifact else None
        if holder is None:
            raise UsageError(f"no version of {spec.deploy.model} is in {args.stage}")
        version = holder.version
    build_package(root, spec, version, folder)
    return folder
