"""Where a new project keeps its DVC data, and which secrets CI needs to reach it."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

REMOTE_NAME = "storage"

# Environment variables DVC reads for each kind of remote, mapped to secrets of the same name.
CREDENTIALS = {
    "s3": ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
    "azure": ("AZURE_STORAGE_CONNECTION_STRING",),
}
# The pip extra of DVC that each kind of remote needs.
DVC_EXTRAS = {"s3": "s3", "gs": "gs", "gcs": "gs", "azure": "azure", "ssh": "ssh", "oss": "oss"}
NOTES = {
    "gs": "Google Cloud: give CI access with workload identity federation "
    "(google-github-actions/auth, pinned, via overrides.steps before `pull`).",
    "ssh": "SSH: store the key as a secret and load it in a step via overrides.steps.",
}


@dataclass(frozen=True)
class RemotePlan:
    url: str
    local: bool
    """A folder on this machine: kept out of git, and CI cannot reach it."""
    credentials: dict[str, str] = field(default_factory=dict)
    dvc_extra: str | None = None
    note: str = ""


def plan_remote(url: str | None, root: Path) -> RemotePlan:
    if url is None:
        return RemotePlan(str(default_local_remote(root)), local=True)
    scheme = urlparse(url).scheme if "://" in url else ""
    return RemotePlan(
        url,
        local=scheme in ("", "file"),
        credentials={name: name for name in CREDENTIALS.get(scheme, ())},
        dvc_extra=DVC_EXTRAS.get(scheme),
        note=NOTES.get(scheme, ""),
    )


def default_local_remote(root: Path) -> Path:
    """A folder outside the git tree, one per project: nothing to sign up for."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]
    return base / "mlci" / "remotes" / f"{root.name}-{digest}"
