"""The deploy job's GitHub side: the package attached to its version's release, and a
Deployment recorded with the evidence and the approver."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from mlci.registry.tags import version_tag
from mlci.serving.package import read_manifest
from mlci.usecases.github_client import github_client


def release_package(package: Path, environ: Mapping[str, str]) -> str:
    """Attach `package` to the release of its version tag; one line saying where."""
    from mlci.delivery.archive import archive_name, package_archive
    from mlci.publish.release import attach

    manifest = read_manifest(package)
    model, version = manifest["model"], manifest["version"]
    name = archive_name(model, version)
    data = package_archive(package, name.removesuffix(".tar.gz"))
    card = (package / "card.md").read_text(encoding="utf-8")
    github, repository = github_client(environ)
    with github:
        tag = version_tag(model, version)
        attached = attach(github, repository, tag, f"{model} {version}", card, name, data)
    what = "attached" if attached.uploaded else "already attached"
    return github.scrub(f"{name} {what} to {attached.release_url}")


def package_digest(package: Path) -> str:
    """sha256 over the package's files, by name: what was deployed, exactly."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file()):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def record_deployment(
    package: Path,
    stage: str,
    environment: str,
    production: bool,
    state: str,
    environ: Mapping[str, str],
) -> str:
    """A GitHub Deployment of the package's commit to `environment`, with its evidence."""
    from mlci.publish.deployment import approvals, record

    manifest = read_manifest(package)
    evidence_file = package / "evidence.json"
    evidence = json.loads(evidence_file.read_text()) if evidence_file.is_file() else None
    github, repository = github_client(environ)
    run_id = int(environ["GITHUB_RUN_ID"]) if environ.get("GITHUB_RUN_ID", "").isdigit() else None
    server = environ.get("GITHUB_SERVER_URL") or "https://github.com"
    log_url = f"{server}/{repository}/actions/runs/{run_id}" if run_id else server
    with github:
        approved = approvals(github, repository, run_id, environment) if run_id else []
        payload = {
            "mlci": 1,
            "model": manifest["model"],
            "version": manifest["version"],
            "stage": stage,
            "package_sha256": package_digest(package),
            "run_id": run_id,
            "approved_by": [{"login": a.login, "comment": a.comment} for a in approved],
            "evidence": evidence,
        }
        done = record(
            github,
            repository,
            commit=manifest["commit"],
            environment=environment,
            payload=payload,
            description=f"{manifest['model']} {manifest['version']} to {stage}",
            production=production,
            state=state,  # type: ignore[arg-type]  # the parser's choices are the states
            log_url=log_url,
        )
    who = ", ".join(a.login for a in approved) or "no reviewer required"
    return github.scrub(
        f"deployment {done.deployment_id} of {manifest['version']} to {environment}: "
        f"{done.state} (approved by: {who})"
    )


def dispatch_deploy(stage: str, ref: str, environ: Mapping[str, str]) -> str:
    """Start the deploy workflow for `stage` on `ref` (GITHUB_TOKEN with actions: write)."""
    from mlci.publish.dispatch import dispatch_workflow
    from mlci.render.workflows import DEPLOY

    github, repository = github_client(environ)
    workflow_file = DEPLOY.file.rsplit("/", 1)[-1]
    with github:
        dispatch_workflow(github, repository, workflow_file, ref, {"stage": stage})
    return github.scrub(f"started {workflow_file} on {ref} to deploy {stage}")
