"""Deliver a package to a stage's targets (deploy.targets), in the order mlci.yaml lists
them; the first that fails stops the rest, and the error says which."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from mlci.errors import CheckFailed, UsageError
from mlci.serving.package import read_manifest
from mlci.spec.model import CommandTarget, FolderTarget, ObjectStoreTarget, Spec


def deliver(
    root: Path, spec: Spec, stage: str, package: Path, environ: Mapping[str, str]
) -> list[str]:
    """Send `package` to each target of `stage`; one line per target, saying what changed."""
    if stage not in spec.deploy.stages:
        raise UsageError(f"{stage!r} is not one of deploy.stages ({', '.join(spec.deploy.stages)})")
    manifest = read_manifest(package)
    if manifest.get("model") != spec.deploy.model:
        raise UsageError(f"{package} holds {manifest.get('model')!r}, not {spec.deploy.model}")
    done = []
    for target in spec.deploy.targets.get(stage, ()):
        if isinstance(target, FolderTarget):
            done.append(_to_folder(root, target, stage, package))
        elif isinstance(target, ObjectStoreTarget):
            done.append(_to_store(target, stage, package, environ))
        else:
            done.append(_by_command(root, target, stage, package, manifest, environ))
    return done


def _to_folder(root: Path, target: FolderTarget, stage: str, package: Path) -> str:
    from mlci.delivery.folder import deploy_to_folder

    folder = (root / target.folder).resolve()
    switched = deploy_to_folder(package, folder, stage)
    if not switched.changed:
        return f"folder {folder}: already serving {switched.version}"
    before = f" (was {switched.previous})" if switched.previous else ""
    return f"folder {folder}: now serving {switched.version}{before}"


def _to_store(
    target: ObjectStoreTarget, stage: str, package: Path, environ: Mapping[str, str]
) -> str:
    from mlci.delivery.object_store import deploy_to_store
    from mlci.delivery.oidc import audience, credentials_environment, request_token

    if environ.get("GITHUB_ACTIONS") == "true":
        # In Actions only OIDC: a long-lived key in the job's environment is never used.
        token = request_token(environ, audience(target.oidc))
        scratch = Path(environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "mlci-oidc"
        os.environ.update(credentials_environment(target.oidc, token, scratch))
    switch = deploy_to_store(package, target.object_store, stage)
    sent = "uploaded, and " if switch.uploaded else ""
    return f"object store {target.object_store}: {sent}{switch.pointer} switched"


def _by_command(
    root: Path,
    target: CommandTarget,
    stage: str,
    package: Path,
    manifest: dict[str, object],
    environ: Mapping[str, str],
) -> str:
    values = {
        "MLCI_PACKAGE": str(package.resolve()),
        "MLCI_MODEL": str(manifest["model"]),
        "MLCI_VERSION": str(manifest["version"]),
        "MLCI_COMMIT": str(manifest["commit"]),
        "MLCI_STAGE": stage,
    }
    # The command is mlci.yaml's own, as a stage's `cmd` is; what varies reaches it only
    # through the environment, never spliced into its text.
    done = subprocess.run(target.command, shell=True, cwd=root, env={**environ, **values})
    if done.returncode != 0:
        raise CheckFailed(f"the deploy command {target.command!r} exited {done.returncode}")
    return f"command {target.command!r}: done"
