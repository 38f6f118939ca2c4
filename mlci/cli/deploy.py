"""`mlci deploy-plan`, `smoke`, `deploy`, `release` and `record-deployment`: the deploy
workflow's steps, each one a command a person can run too."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from mlci.cli.registry import _package_of, _spec
from mlci.errors import EXIT_OK, UsageError
from mlci.present.terminal import printable


def deploy_plan(args: argparse.Namespace) -> int:
    from mlci.usecases.deploy_plan import NothingToDeploy, plan_deployment

    root, spec = _spec(args)
    plan = plan_deployment(root, spec, tag=args.tag or None, stage=args.stage or None)
    if isinstance(plan, NothingToDeploy):
        print(printable(plan.reason))
        outputs = {"stage": ""}
    else:
        print(
            printable(
                f"deploy {spec.deploy.model} {plan.version} ({plan.commit[:12]}) to {plan.stage}"
                f" in the environment {plan.environment}, by {plan.tag}"
            )
        )
        outputs = {
            "stage": plan.stage,
            "environment": plan.environment,
            "version": plan.version,
            "commit": plan.commit,
            "production": "true" if plan.production else "false",
        }
    if args.github_output:
        _github_output(outputs)
    return EXIT_OK


def _github_output(outputs: dict[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        raise UsageError("--github-output: GITHUB_OUTPUT is not set (run it in GitHub Actions)")
    for value in outputs.values():
        # Names, versions and SHAs the registry and the spec checked; a line break would
        # let a value write other outputs.
        if "\n" in value or "\r" in value:
            raise UsageError("an output holds a line break; refusing to write it")
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.writelines(f"{key}={value}\n" for key, value in outputs.items())


def smoke(args: argparse.Namespace) -> int:
    from mlci.delivery.smoke import smoke_test

    smoked = smoke_test(args.package)
    rows = f"{smoked.rows} example rows predicted as the model predicts them"
    if not smoked.rows:
        rows = "no example rows in the package (metadata.json `examples`): health only"
    print(printable(f"smoke test of {smoked.model} {smoked.version} passed: {rows}"))
    return EXIT_OK


def deploy(args: argparse.Namespace) -> int:
    from mlci.delivery.smoke import smoke_test
    from mlci.usecases.deliver import deliver

    root, spec = _spec(args)
    with tempfile.TemporaryDirectory(prefix="mlci-") as scratch:
        package = args.package
        if package is None:
            args.version = None
            package = _package_of(args, Path(scratch) / "package")
            smoked = smoke_test(package)
            print(printable(f"smoke test of {smoked.model} {smoked.version} passed"))
        done = deliver(root, spec, args.stage, package, os.environ)
    if not done:
        print(printable(f"deploy.targets names no target for {args.stage}: nothing delivered"))
    for line in done:
        print(printable(line))
    return EXIT_OK


def release(args: argparse.Namespace) -> int:
    from mlci.usecases.github_deploy import release_package

    print(printable(release_package(args.package, os.environ)))
    return EXIT_OK


def record_deployment(args: argparse.Namespace) -> int:
    from mlci.usecases.github_deploy import record_deployment as record

    _, spec = _spec(args)
    if args.stage not in spec.deploy.stages:
        raise UsageError(f"{args.stage!r} is not one of deploy.stages")
    production = args.stage == spec.deploy.stages[-1]
    environment = spec.deploy.environment(args.stage)
    print(
        printable(record(args.package, args.stage, environment, production, args.state, os.environ))
    )
    return EXIT_OK


def dispatch_deploy(args: argparse.Namespace) -> int:
    from mlci.usecases.github_deploy import dispatch_deploy as dispatch

    _, spec = _spec(args)
    if args.stage not in spec.deploy.stages:
        raise UsageError(f"{args.stage!r} is not one of deploy.stages")
    if not spec.deploy.files:
        raise UsageError("mlci.yaml's deploy.files is empty, so there is no deploy workflow")
    print(printable(dispatch(args.stage, args.ref or spec.ci.main_branch, os.environ)))
    return EXIT_OK
