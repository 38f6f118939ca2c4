"""The files of a revision: a commit's from git, the workspace's from disk.

A commit's files come through one `git cat-file --batch` process (GitObjects), found by
walking the commit's trees (GitTrees); its blobs are remembered by id within a bound in
bytes, and read ahead in batches for a history. The workspace's files are read only inside
the repository or a DVC store (mlci.files.read_confined); a commit's blobs only up to the
cap on file size, and never through a link committed to git. What is refused is not an
error: it is a file that is there, with the reason it is not read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlci.document_caps import MAX_BYTES, too_large
from mlci.dvc.dvcignore import DvcIgnore, parse_dvcignore
from mlci.dvc.objects import Store, object_stores
from mlci.dvc.unsupported import Unsupported
from mlci.files import ReadRefused, read_confined
from mlci.git import work_tree_files
from mlci.gitbatch import GitObjects, Oversized
from mlci.gittrees import GITLINK_MODE, SKIPPED_FOLDERS, TREE_MODE, Found, GitTrees
from mlci.revision.memory import BLOB_OVERHEAD, Memory, PerPath, PerRevision
from mlci.revision.model import Revision
from mlci.weighted_lru import Bounded


@dataclass(frozen=True)
class Refused:
    """A file that is there but is not read; `reason` follows its name in a sentence."""

    reason: str


@dataclass(frozen=True)
class FileContent:
    """The bytes of one file at a revision, and where they came from."""

    path: str
    content: bytes | Refused  # refused: there, but not read
    source: str  # workspace, git, cache or remote
    md5: str | None = None  # a DVC object's
    oid: str | None = None  # a git blob's

    @property
    def content_id(self) -> str | None:
        """What names this content wherever it is read: the blob's id, the object's md5."""
        return self.oid or (f"md5:{self.md5}" if self.md5 else None)


class FileReader:
    """Reads files of the repository at `root` at any revision, each once per revision."""

    def __init__(self, root: Path, objects: GitObjects, memory: Memory, blob_bytes: int) -> None:
        self.root = root
        self._objects = objects
        self._trees = GitTrees(objects)
        self._blobs: Bounded[str, bytes | Refused] = Bounded(blob_bytes)
        self._stores: list[Store] | None = None
        self._read_files: PerPath[bytes | Refused | None] = memory.keep(PerPath())
        self._entries: PerPath[Found] = memory.keep(PerPath())  # git tree entries by path
        self._listing: PerRevision[list[str]] = memory.keep(PerRevision())
        self._dvc_paths: PerRevision[list[str]] = memory.keep(PerRevision())

    def forget(self, rev: Revision) -> None:
        """Drop the trees of `rev` (what was read at it is dropped with the reader's memory)."""
        if rev is not None:
            self._trees.forget(rev)

    def stores(self) -> list[Store]:
        """Where DVC objects may be: the cache (`cache.dir` if set), then local remotes."""
        if self._stores is None:
            self._stores = object_stores(self.root)
        return self._stores

    def read_file(self, rev: Revision, path: str) -> bytes | None:
        """A file's bytes at `rev` (None: the workspace), or None when it is not there or
        is refused (a link out of the tree, a FIFO, a file over the size cap)."""
        found = self.lookup(rev, path)
        return found if isinstance(found, bytes) else None

    def lookup(self, rev: Revision, path: str) -> bytes | Refused | None:
        """A file's bytes at `rev`, Refused with the reason, or None where there is none."""
        return self._read_files.get(rev, path, lambda: self._read(rev, path))

    def files_read(self, rev: Revision) -> list[str]:
        """The paths read at `rev` so far (what the next commit will likely read too)."""
        return self._read_files.paths(rev)

    def _read(self, rev: Revision, path: str) -> bytes | Refused | None:
        if rev is None:
            try:
                return read_confined(self.root, path, stores=[p for _, p in self.stores()])
            except ReadRefused as error:
                return Refused(str(error))
        found = self.find(rev, path)
        if found.link is not None:
            # git stores a link as a blob holding its target: read, it would be parsed as
            # the file; followed, it would lead anywhere on this machine. Neither is done.
            where_link = "is" if found.link == path else f"lies in {found.link}, which is"
            return Refused(f"{where_link} a symbolic link committed to git; not followed")
        if found.entry is None or found.entry.mode in (TREE_MODE, GITLINK_MODE):
            return None
        return self._blob(found.entry.oid)

    def _blob(self, oid: str) -> bytes | Refused | None:
        known = self._blobs.get(oid)
        if known is not None:
            return known
        (found,) = self._objects.read_objects([oid], MAX_BYTES, kinds=(b"blob",))
        if found is None:
            return None
        content = found.content
        blob = Refused(too_large(content.size)) if isinstance(content, Oversized) else content
        self._blobs.put(oid, blob, BLOB_OVERHEAD + (len(blob) if isinstance(blob, bytes) else 0))
        return blob

    def prefetch(self, revs: Sequence[str], paths: Iterable[str]) -> int:
        """Read ahead, in a few batches, what reading `paths` at each commit of `revs` will
        need: their root trees, the folders on the way, the blobs (within the cap on file
        size); returns what they weigh in the reader's memory. Only an optimisation: what
        is not read ahead is read when asked for."""
        wanted = [oid for oid in self._trees.blob_ids(revs, paths) if self._blobs.get(oid) is None]
        found = self._objects.read_objects(wanted, MAX_BYTES, kinds=(b"blob",))
        weight = 0
        for oid, blob in zip(wanted, found, strict=True):
            if blob is not None:
                content = blob.content
                if isinstance(content, Oversized):
                    self._blobs.put(oid, Refused(too_large(content.size)), BLOB_OVERHEAD)
                else:
                    self._blobs.put(oid, content, BLOB_OVERHEAD + len(content))
                    weight += BLOB_OVERHEAD + len(content)
        return weight

    @property
    def read_ahead_bytes(self) -> int:
        """What `prefetch` may read at once and still find it all when asked for."""
        return self._blobs.capacity // 2

    def blob_id(self, rev: Revision, path: str) -> str | None:
        """The git blob id of the file at `path` in commit `rev` (None for the workspace):
        what its parsed content is remembered by."""
        if rev is None:
            return None
        entry = self.find(rev, path).entry
        return entry.oid if entry is not None and not entry.is_tree else None

    def find(self, rev: str, path: str) -> Found:
        """The tree entry at `path` in commit `rev` (or the link on its way)."""
        return self._entries.get(rev, path, lambda: self._trees.find(rev, path))

    def listing(self, rev: Revision) -> list[str]:
        """Every file at `rev`: git's tree, or for the workspace what git does not ignore."""
        return self._listing.get(rev, lambda: self._list(rev))

    def _list(self, rev: Revision) -> list[str]:
        if rev is None:
            return sorted(set(work_tree_files(self.root)))
        root = self._trees.root(rev)
        return sorted(p for p, _ in self._trees.files(root)) if root else []

    def dvc_paths(self, rev: Revision) -> list[str]:
        """Where DVC looks for its files at `rev`: every dvc.yaml and .dvc file outside
        .git/.dvc folders, DVC subrepos (folders with a .dvc folder of their own) and what
        the root .dvcignore hides."""
        return self._dvc_paths.get(rev, lambda: self._collect_dvc_paths(rev))

    def _collect_dvc_paths(self, rev: Revision) -> list[str]:
        if rev is None:
            found = collected_dvc_files(self.listing(None))
        else:
            root = self._trees.root(rev)
            found = list(self._trees.dvc_files(root)) if root else []
        ignore = self._dvcignore(rev)
        return [path for path in found if ignore is None or not ignore.matches(path, is_dir=False)]

    def _dvcignore(self, rev: Revision) -> DvcIgnore | None:
        """The root .dvcignore at `rev`, which hides dvc.yaml and .dvc files from DVC too.

        None when there is none, or it cannot be read as DVC reads it (a link, a pattern
        pathspec refuses: DVC stops with an error there, and status says so). A nested
        .dvcignore is not read: its patterns would apply below its own folder only."""
        content = self.lookup(rev, ".dvcignore")
        if not isinstance(content, bytes):
            return None
        try:
            return DvcIgnore(parse_dvcignore(content.decode("utf-8", errors="replace")))
        except Unsupported:
            return None

    def plain_contents(self, rev: Revision, path: str) -> dict[str, bytes | Refused]:
        """The file at `path` from git or the workspace, or each file of the folder there."""
        content = self.lookup(rev, path)
        if content is not None:
            return {path: content}
        # A folder of metrics files: DVC reads each file in it.
        names = self.folder(rev, path)
        return {name: data for name in names if (data := self.lookup(rev, name)) is not None}

    def folder(self, rev: Revision, path: str) -> list[str]:
        """The files of the folder at `path` (none where it is no folder)."""
        if rev is not None:
            entry = self.find(rev, path).entry
            if entry is None or not entry.is_tree:
                return []
            return sorted(f"{path}/{name}" for name, _ in self._trees.files(entry.oid))
        # Only a folder inside the repository gets here (read_confined refused any other);
        # os.walk enters no linked folder, and each file found is read confined again.
        files: list[Path] = []
        for top, _, names in os.walk(self.root / path):
            files.extend(Path(top) / name for name in names)
        return [p.relative_to(self.root).as_posix() for p in sorted(files)]


def collected_dvc_files(listing: Iterable[str]) -> list[str]:
    """The dvc.yaml and .dvc files of a listing DVC collects: none inside .git, .hg or
    .dvc folders, nor inside a DVC subrepo (a folder holding a .dvc folder of its own)."""
    files = list(listing)
    subrepos = set()
    for path in files:
        parts = path.split("/")
        if ".dvc" in parts[1:-1]:
            subrepos.add("/".join(parts[: parts.index(".dvc", 1)]))
    found = []
    for path in files:
        parts = path.split("/")
        name = parts[-1]
        if name != "dvc.yaml" and not name.endswith(".dvc"):
            continue
        if SKIPPED_FOLDERS.intersection(parts[:-1]):
            continue
        if any("/".join(parts[:end]) in subrepos for end in range(1, len(parts))):
            continue
        found.append(path)
    return found
