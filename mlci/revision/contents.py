"""The bytes at a path of a revision, wherever DVC would find them.

A file committed to git (or in the workspace) is read there. An output DVC caches is not in
git: its md5 in that revision's dvc.lock names an object in the local DVC cache or, when the
cache lacks it, in a DVC remote that is a local folder (mlci.dvc.objects). A remote in the
cloud is not contacted: `dvc pull` is how an object gets here, and the "not-in-cache" state
says so. A folder gives each file in it: from git's tree, the workspace, or the folder's
listing in the cache.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlci.document_caps import UnreadableDocument
from mlci.dvc.objects import (
    directory_entries,
    is_directory,
    is_file_object_name,
    is_object_name,
    read_object,
)
from mlci.files import ReadRefused
from mlci.revision.file_reader import FileContent, FileReader, Refused
from mlci.revision.model import MetricsRead, Revision
from mlci.revision.outputs import OutputReader
from mlci.revision.pipeline_parts import Out

Contents = Iterator[FileContent | MetricsRead]
"""Each file's content, or a MetricsRead saying why a file has none."""


class ContentReader:
    """Reads the file (or each file of the folder) at a path, from git, disk or DVC."""

    def __init__(self, files: FileReader, outputs: OutputReader) -> None:
        self._files = files
        self._outputs = outputs

    def contents(self, rev: Revision, path: str) -> Contents:
        """The bytes of the file at `path`, or of each file of the folder at `path`: from the
        workspace or git, else, for a DVC output, from the cache or a local remote. Where
        there are none, a MetricsRead says why (nothing at all: no such file or folder)."""
        out = self._outputs.owner(rev, path)
        if rev is None or out is None or not out.cached:
            contents = self._files.plain_contents(rev, path)
            if contents:
                source = "workspace" if rev is None else "git"
                for name, content in contents.items():
                    yield FileContent(name, content, source, oid=self._files.blob_id(rev, name))
                return
        if out is not None and out.cached:
            yield from self._cached_contents(out, path)

    def _cached_contents(self, out: Out, path: str) -> Contents:
        if out.md5 is None:
            yield MetricsRead(path, "absent", message=f"dvc.lock records no md5 for {out.path}")
            return
        if not is_object_name(out.md5):
            yield _bad_md5(path, out.md5)
            return
        if not is_directory(out.md5):
            yield self._object_content(path, out.md5, out.legacy)
            return
        yield from self._directory_contents(out, out.md5, path)

    def _directory_contents(self, out: Out, md5: str, path: str) -> Contents:
        """The files of a cached folder at or below `path`, by the folder's listing."""
        listing = self._object(md5, out.legacy)
        if listing is None:
            yield _not_in_cache(path, md5)
            return
        if isinstance(listing, Refused):
            yield _refused_object(path, md5, listing)
            return
        try:
            entries = directory_entries(listing[1])
        except UnreadableDocument as error:
            message = f"the DVC cache's listing of {out.path} (md5 {md5}) {error}"
            yield MetricsRead(path, "unreadable", message=message, md5=md5)
            return
        inside = path[len(out.path) + 1 :] if path != out.path else ""
        for relpath, entry_md5 in entries:
            if not inside or relpath == inside or relpath.startswith(inside + "/"):
                yield self._object_content(f"{out.path}/{relpath}", entry_md5, out.legacy)

    def _object_content(self, path: str, md5: str, legacy: bool) -> FileContent | MetricsRead:
        if not is_file_object_name(md5):
            return _bad_md5(path, md5)
        found = self._object(md5, legacy)
        if found is None:
            return _not_in_cache(path, md5)
        if isinstance(found, Refused):
            return _refused_object(path, md5, found)
        source, content = found
        return FileContent(path, content, source, md5)

    def _object(self, md5: str, legacy: bool) -> tuple[str, bytes] | Refused | None:
        """(store kind, content) of a DVC object, from the cache or a local remote."""
        try:
            return read_object(self._files.stores(), md5, legacy)
        except ReadRefused as error:
            return Refused(str(error))


def _not_in_cache(path: str, md5: str) -> MetricsRead:
    message = (
        f"{path} is a DVC output (md5 {md5}) that is not in the local DVC cache: fetch it "
        "with `dvc pull` (or `mlci run --pull`); if the remote lacks it too, it was never "
        "pushed: run `dvc push` where that revision was reproduced (CI on main does)"
    )
    return MetricsRead(path, "not-in-cache", message=message, md5=md5)


def _bad_md5(path: str, md5: str) -> MetricsRead:
    shown = md5 if len(md5) <= 80 else md5[:77] + "..."
    message = (
        f"dvc.lock records {shown!r} as the md5 of {path}, which is not an md5 (32 hex "
        "digits): the lock file was edited by hand or damaged; nothing was read for it"
    )
    return MetricsRead(path, "unreadable", message=message)


def _refused_object(path: str, md5: str, refused: Refused) -> MetricsRead:
    message = f"{path} is a DVC output (md5 {md5}) whose object {refused.reason}"
    return MetricsRead(path, "unreadable", message=message, md5=md5)
