"""DVC's object stores: what an object's name is, where it lives, how one is read.

An output DVC caches is stored once by its md5: DVC 3 at `files/md5/ab/cdef...` of a store,
DVC 2 (a dvc.lock entry without `hash: md5`) at `ab/cdef...`. A folder's md5 ends in `.dir`
and names a listing, a JSON list of {relpath, md5} of the files in it. The stores are the
local cache (`cache.dir` if set) and the remotes that are folders here (mlci.dvc.config).

Everything here is a pull request's to choose: dvc.lock names the md5 and `.dvc/config` the
stores. So an md5 must be 32 hex digits before it becomes a path (`../../etc/passwd` is not
one), an object is read as a regular file within the cap on size and never through a link,
and inside a store only object paths are readable at all (mlci.files.read_confined).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from mlci.bounded_load import load_json
from mlci.dvc.config import cache_folder, local_remote_folders, read_dvc_config
from mlci.files import ReadRefused, read_regular

OBJECT_NAME = re.compile(r"[0-9a-f]{32}(\.dir)?")
"""What an md5 in dvc.lock must look like to name an object: a file's, or a folder's."""
FILE_OBJECT_NAME = re.compile(r"[0-9a-f]{32}")
"""A file's object: what each entry of a folder's listing must name."""
DIRECTORY_SUFFIX = ".dir"
# A file object's path inside a store: DVC 3's files/md5/ab/cdef..., DVC 2's ab/cdef...
_OBJECT_PATH = re.compile(r"(files/md5/)?[0-9a-f]{2}/[0-9a-f]{30}")


class Store(NamedTuple):
    """A place DVC objects may be: its kind ("cache" or "remote") and its folder."""

    kind: str
    folder: Path


def is_object_name(md5: str) -> bool:
    """Is `md5` safe to look up as an object: 32 hex digits, `.dir` for a folder's?"""
    return OBJECT_NAME.fullmatch(md5) is not None


def is_file_object_name(md5: str) -> bool:
    """Is `md5` safe to look up as a file's object: 32 hex digits?"""
    return FILE_OBJECT_NAME.fullmatch(md5) is not None


def is_directory(md5: str) -> bool:
    """Does `md5` name a folder's listing rather than a file?"""
    return md5.endswith(DIRECTORY_SUFFIX)


def is_object_path(relative: str) -> bool:
    """Is `relative` (a path inside a store, `/`-separated) where a file's object lives?"""
    return _OBJECT_PATH.fullmatch(relative) is not None


def object_path(store: Path, md5: str, legacy: bool) -> Path:
    """Where the object `md5` lives in `store`: DVC 3's `files/md5/ab/cdef...`, or DVC 2's
    `ab/cdef...` for a `legacy` entry. `md5` must be an object name: it becomes a path."""
    if not is_object_name(md5):
        raise ValueError(f"not an object name: {md5!r}")
    base = store if legacy else store / "files" / "md5"
    return base / md5[:2] / md5[2:]


def object_stores(root: Path) -> list[Store]:
    """Every place DVC objects of the repository at `root` may be: the cache first, then
    the local remotes (the default first)."""
    config = read_dvc_config(root)
    stores = [Store("cache", cache_folder(root, config))]
    stores.extend(Store("remote", folder) for folder in local_remote_folders(root, config))
    return stores


def read_object(stores: list[Store], md5: str, legacy: bool) -> tuple[str, bytes] | None:
    """(store kind, content) of the object `md5` from the first store that holds it, or
    None when none does. A file there that is no regular file (a link, a FIFO) or is over
    the cap on size stops the search: raises ReadRefused, saying in which store."""
    for kind, store in stores:
        try:
            content = read_regular(object_path(store, md5, legacy))
        except ReadRefused as error:
            raise ReadRefused(f"in the DVC {kind} {error}") from None
        if content is not None:
            return kind, content
    return None


def directory_entries(listing: bytes) -> list[tuple[str, str]]:
    """(relpath, md5) of each file a folder's listing names (entries without a relpath are
    skipped); the md5 as written: the caller checks it is a file object's name. Raises
    UnreadableDocument for a listing that is not JSON within mlci's caps."""
    entries = load_json(listing)
    found = []
    for entry in entries if isinstance(entries, list) else ():
        relpath = str(entry.get("relpath", "")) if isinstance(entry, dict) else ""
        if relpath:
            found.append((relpath, str(entry.get("md5"))))
    return found
