"""DVC's files (dvc.yaml, dvc.lock, .dvc files) and params files of a revision, parsed.

Each is parsed within mlci.bounded_load's caps, once per git blob or DVC object (commits
that share a dvc.yaml parse it once). A dvc.yaml or dvc.lock that cannot be parsed (not
YAML, or beyond a cap) fails the revision, as a broken one fails DVC (BrokenPipelineFile); a
params or .dvc file mlci refuses to read, or any file that is a link out, is a note, and the
revision reads as one without that file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlci.document_caps import UnreadableDocument
from mlci.dvc.dvcfile import NotAMapping, is_syntax_error, read_python_params
from mlci.dvc.metrics_file import read_structured
from mlci.revision.file_reader import FileContent, FileReader, Refused
from mlci.revision.memory import Memory, PerPath, collector_paused, parsed_weight
from mlci.revision.model import BrokenPipelineFile, Revision, where

ParseDocument = Callable[[str], dict[str, Any]]
"""Text of a DVC file -> plain data; raises UnreadableDocument (mlci.dvc.dvcfile's)."""


class DocumentReader:
    """Parses the DVC files and params files `files` reads, remembering what they parse to."""

    def __init__(self, files: FileReader, memory: Memory, parse: ParseDocument) -> None:
        self._files = files
        self._memory = memory
        self._parse = parse
        self._documents: PerPath[dict[str, Any] | BrokenPipelineFile | None] = memory.keep(
            PerPath()
        )

    def document(self, rev: Revision, path: str) -> dict[str, Any] | None:
        """A DVC file at `rev` as plain data; None when absent or refused (with a note).

        Raises BrokenPipelineFile for a dvc.yaml or dvc.lock that is not valid YAML.
        """
        found = self._documents.get(rev, path, lambda: self._read_document(rev, path))
        if isinstance(found, BrokenPipelineFile):
            raise found
        return found

    def _read_document(
        self, rev: Revision, path: str
    ) -> dict[str, Any] | BrokenPipelineFile | None:
        found = self._files.lookup(rev, path)
        if isinstance(found, Refused):
            self._memory.note(rev, f"{path} at {where(rev)} {found.reason}; ignored")
            return None
        if found is None:
            return None
        parsed = self._parsed_document(self._files.blob_id(rev, path), found)
        if not isinstance(parsed, UnreadableDocument):
            return parsed
        if _is_pipeline_file(path) and isinstance(parsed, NotAMapping) and parsed.empty:
            return {}  # DVC reads an empty dvc.yaml as a pipeline of nothing
        if _is_pipeline_file(path):
            # Not YAML, or beyond mlci's caps (an alias bomb, a huge file): either way the
            # revision's pipeline is unknown, and reading it as one without a pipeline would
            # turn a broken base into "no baseline" and a broken change into "removed".
            return BrokenPipelineFile(rev, path, str(parsed), dvc_fails=is_syntax_error(parsed))
        # A .dvc or params file mlci's caps refuse is named, not fatal: the revision reads
        # as one without that file.
        self._memory.note(rev, f"{path} at {where(rev)} cannot be read: {parsed}; ignored")
        return None

    def _parsed_document(
        self, oid: str | None, content: bytes
    ) -> dict[str, Any] | UnreadableDocument:
        """What `content` parses to (or why it does not), once per blob."""
        parsed = self._memory.parsed.get(("document", oid)) if oid is not None else None
        if parsed is None:
            try:
                with collector_paused():
                    parsed = self._parse(content.decode("utf-8", errors="replace"))
            except UnreadableDocument as error:
                parsed = error
            if oid is not None:
                self._memory.parsed.put(("document", oid), parsed, parsed_weight(content))
        result: dict[str, Any] | UnreadableDocument = parsed
        return result

    def params_data(self, found: FileContent) -> Any:
        """A params file's data (by its suffix), parsed once per blob or DVC object; raises
        UnreadableDocument."""
        assert isinstance(found.content, bytes)
        key = ("params", found.content_id or "", suffix(found.path))
        parsed = self._memory.parsed.get(key) if found.content_id else None
        if parsed is None:
            try:
                with collector_paused():
                    parsed = _read_params_file(found.path, found.content)
            except UnreadableDocument as error:
                parsed = error
            if found.content_id:
                self._memory.parsed.put(key, parsed, parsed_weight(found.content))
        if isinstance(parsed, UnreadableDocument):
            raise parsed
        return parsed


def _is_pipeline_file(path: str) -> bool:
    return path.rpartition("/")[2] in ("dvc.yaml", "dvc.lock")


def suffix(path: str) -> str:
    """A file name's suffix, lower case ("" for none): what its parser is chosen by."""
    name = path.rpartition("/")[2]
    return name.rpartition(".")[2].lower() if "." in name else ""


def _read_params_file(path: str, content: bytes) -> Any:
    """A params file's data by its suffix, as DVC's `load_path` picks its loader."""
    if path.lower().endswith(".py"):
        return read_python_params(content)
    return read_structured(path, content)
