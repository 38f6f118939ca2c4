"""The object store target: through fsspec (which DVC's remotes stand on), so whatever
DVC can reach (`dvc[s3]`, `dvc[gs]`, `dvc[azure]` installed) a package can go to.

    <url>/<model>/<version>/...      the package's files, package.json written last
    <url>/<model>/<stage>.json       {"version", "commit", "path"}: what the stage serves

A stage's pointer is one object written in one PUT, which each of these stores makes visible
whole or not at all; a version already uploaded (its package.json is there) is not sent
again, so a rollback only rewrites the pointer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlci.errors import UsageError
from mlci.serving.package import MANIFEST, read_manifest


@dataclass(frozen=True)
class StoreSwitch:
    pointer: str
    uploaded: bool


def deploy_to_store(package: Path, url: str, stage: str) -> StoreSwitch:
    import fsspec

    manifest = read_manifest(package)
    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as error:
        raise UsageError(
            f"cannot open the object store {url}: {error} (install DVC's extra for it, "
            "e.g. dvc[s3], in ci.install)"
        ) from None
    model, version = manifest["model"], manifest["version"]
    folder = f"{root.rstrip('/')}/{model}/{version}"
    uploaded = not fs.exists(f"{folder}/{MANIFEST}")
    if uploaded:
        files = sorted(p for p in package.rglob("*") if p.is_file() and p.name != MANIFEST)
        for path in [*files, package / MANIFEST]:  # the manifest last: it marks a whole upload
            fs.makedirs(f"{folder}/{path.parent.relative_to(package).as_posix()}", exist_ok=True)
            fs.put_file(str(path), f"{folder}/{path.relative_to(package).as_posix()}")
    pointer = f"{root.rstrip('/')}/{model}/{stage.replace('/', '-')}.json"
    said: dict[str, Any] = {"version": version, "commit": manifest["commit"], "path": folder}
    fs.pipe_file(pointer, (json.dumps(said, sort_keys=True) + "\n").encode())
    return StoreSwitch(pointer, uploaded)
