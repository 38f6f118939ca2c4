"""The deploy commands' grammar: `mlci deploy`, `smoke`, `deploy-plan`, `release` and
`record-deployment`, the steps the generated deploy workflow runs (and a person can too)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlci.cli.parser import Commands


def add_deploy_commands(commands: Commands) -> None:
    from mlci.cli.parser import _command, _spec_option

    plan = _command(
        commands,
        "deploy-plan",
        "which version a deploy delivers, and where: what the registry holds in the stage",
        "For a pushed stage tag (--tag) or a stage (--stage): the version that holds the "
        "stage now, its commit and environment, checked to have come through the deploy gate "
        "(its evidence and digest) and through the stages before it. With --github-output "
        "the answer is written to $GITHUB_OUTPUT; a tag that deploys nothing gives stage=''.",
    )
    _spec_option(plan, "the spec to read (default: mlci.yaml)", default=None)
    plan.add_argument("--tag", default="", metavar="TAG", help="the tag that was pushed")
    plan.add_argument("--stage", default="", metavar="STAGE", help="the stage to deploy")
    plan.add_argument("--github-output", action="store_true", help="write to $GITHUB_OUTPUT")

    smoke = _command(
        commands,
        "smoke",
        "serve a package on 127.0.0.1 and check its health and its example predictions",
        "The smoke test before a deploy: the package is served for real on a free port of "
        "127.0.0.1, /health must name its version, and the example rows it carries must be "
        "predicted over HTTP exactly as the model predicts them. Exit 1 when not.",
    )
    smoke.add_argument("package", type=Path, metavar="DIR", help="a folder `mlci package` wrote")

    deploy = _command(
        commands,
        "deploy",
        "deliver the version in a stage to the stage's targets (deploy.targets)",
        "Deliver a package to each of the stage's targets in mlci.yaml: a folder (the served "
        "version switched at once, every version kept), an object store (credentials from "
        "GitHub's OIDC token in Actions), a command. Without --package, the version the "
        "registry holds in the stage is packaged and smoke-tested first. Deploying the "
        "version already served changes nothing; after `mlci rollback STAGE` it switches "
        "back.",
    )
    _spec_option(deploy, "the spec to read (default: mlci.yaml)", default=None)
    deploy.add_argument("stage", metavar="STAGE")
    deploy.add_argument("--package", type=Path, metavar="DIR", help="a folder `mlci package` wrote")

    release = _command(
        commands,
        "release",
        "attach a package to the GitHub Release of its version tag (made when missing)",
        "In GitHub Actions (GITHUB_TOKEN with contents: write): the package as a .tar.gz "
        "asset of the release of `<model>@<version>`, its notes the model card. Idempotent.",
    )
    release.add_argument("package", type=Path, metavar="DIR", help="a folder `mlci package` wrote")

    record = _command(
        commands,
        "record-deployment",
        "record a GitHub Deployment of a package to a stage's environment, with its evidence",
        "In GitHub Actions (GITHUB_TOKEN with deployments: write, actions: read): a "
        "Deployment of the version's commit to the stage's environment, its payload the "
        "deploy gate's evidence, the package's digest and who approved the environment, and "
        "a status with the run's log.",
    )
    _spec_option(record, "the spec to read (default: mlci.yaml)", default=None)
    record.add_argument("stage", metavar="STAGE")
    record.add_argument("--package", required=True, type=Path, metavar="DIR")
    record.add_argument(
        "--state",
        required=True,
        choices=("success", "failure", "error", "in_progress"),
        help="how the deployment went (the job's status)",
    )

    dispatch = _command(
        commands,
        "dispatch-deploy",
        "start the deploy workflow for a stage (after a promotion pushed with GITHUB_TOKEN)",
        "A stage tag pushed with GitHub Actions' GITHUB_TOKEN starts no workflow, so a job that "
        "promotes (or rolls back) and pushes the tag runs this next: it starts "
        "mlci-deploy.yml through workflow_dispatch for the stage (GITHUB_TOKEN with "
        "actions: write). The deploy workflow then asks the registry, as for a pushed tag.",
    )
    _spec_option(dispatch, "the spec to read (default: mlci.yaml)", default=None)
    dispatch.add_argument("stage", metavar="STAGE")
    dispatch.add_argument(
        "--ref", metavar="BRANCH", help="the branch whose deploy workflow runs (default: main's)"
    )
