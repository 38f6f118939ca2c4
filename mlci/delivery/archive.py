"""A package as one .tar.gz, the same bytes for the same package: files in name order, no
owners, no times (gzip's included), so a re-run uploads nothing new."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path


def archive_name(model: str, version: str) -> str:
    """`churn-v1.2.0.tar.gz`; a model in a folder (`models/churn`) loses its slashes."""
    return f"{model.replace('/', '-').replace(':', '-')}-{version}.tar.gz"


def package_archive(package: Path, top: str) -> bytes:
    """The files of `package` under the folder `top`, as gzip'd tar bytes."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for p in package.rglob("*") if p.is_file() and not p.is_symlink()):
            info = tarfile.TarInfo(f"{top}/{path.relative_to(package).as_posix()}")
            info.size = path.stat().st_size
            info.mode = 0o644
            with path.open("rb") as handle:
                tar.addfile(info, handle)
    return gzip.compress(raw.getvalue(), mtime=0)
