"""Hashes of files and folders as dvc_data computes them (dvc_data/hashfile).

A file's hash is the md5 of its bytes; for a DVC 2 entry of dvc.lock (no `hash: md5`), the
md5 with CRLF turned into LF in each 1 MiB chunk whose first 512 bytes look like text. A
folder's is the md5 of the JSON list of its files, `[{"md5": ..., "relpath": ...}]` sorted
by path, plus ".dir"."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from mlci.dvc.local_files import open_regular
from mlci.dvc.unsupported import Unsupported

CHUNK = 1 << 20  # dvc_data reads (and for DVC 2 converts CRLF in) 1 MiB at a time
TEXT_PROBE = 512  # dvc_data.hashfile.istextfile.DEFAULT_CHUNK_SIZE
TEXT_CHARS = bytes(range(32, 127)) + b"\n\r\t\f\b"


def file_md5(full: Path, path: str, legacy: bool) -> str:
    fd = open_regular(full, path)
    if fd is None:
        raise Unsupported(f"{path} vanished")
    digest = hashlib.md5(usedforsecurity=False)
    with os.fdopen(fd, "rb") as handle:
        while chunk := handle.read(CHUNK):
            if legacy and is_text(chunk[:TEXT_PROBE]):
                chunk = chunk.replace(b"\r\n", b"\n")
            digest.update(chunk)
    return digest.hexdigest()


def is_text(block: bytes) -> bool:
    """dvc_data's istextblock: no NUL, at most 30% of bytes outside printable ASCII."""
    if not block:
        return True
    if b"\x00" in block:
        return False
    return len(block.translate(None, TEXT_CHARS)) / len(block) <= 0.30


def tree_md5(files: Iterable[tuple[str, str]]) -> str:
    """DVC's `.dir` hash of (path inside the folder, md5) of each file: the md5 of the sorted
    JSON listing (dvc_data Tree.as_bytes)."""
    listing = sorted(
        ({"md5": md5, "relpath": name} for name, md5 in files), key=lambda item: item["relpath"]
    )
    text = json.dumps(listing, sort_keys=True)
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest() + ".dir"
