"""The work tree as DVC sees it, for mlci's `dvc status`: what kind each path is, the hashes
of files and folders, .dvcignore, DVC's YAML files and params files, each found once."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlci.dvc.dvc_hash import file_md5, tree_md5
from mlci.dvc.dvcignore import DvcIgnore
from mlci.dvc.local_files import Kind, decode_utf8, kind_of, read_capped, read_yaml
from mlci.dvc.metrics_file import read_structured
from mlci.dvc.unsupported import Unsupported


class Workspace:
    """The work tree as DVC sees it: kinds of paths, hashes, YAML documents, params."""

    def __init__(self, root: Path, ignore: DvcIgnore) -> None:
        self.root = root
        self.ignore = ignore
        self._kinds: dict[str, tuple[Kind, int]] = {}
        self._md5s: dict[tuple[str, bool], str] = {}
        self._trees: dict[str, list[tuple[str, int]]] = {}
        self._params: dict[str, Any] = {}

    def kind(self, path: str) -> Kind:
        return self._stat(path)[0]

    def size(self, path: str) -> int:
        return self._stat(path)[1]

    def _stat(self, path: str) -> tuple[Kind, int]:
        """Symbolic links anywhere on the way are Unsupported: they are never followed."""
        if path not in self._kinds:
            parent = posixpath.dirname(path)
            if parent and self.kind(parent) != "dir":
                self._kinds[path] = ("missing", 0)  # DVC's exists() is false below a file
            else:
                self._kinds[path] = kind_of(self.root / path, path)
        return self._kinds[path]

    def file_md5(self, path: str, *, legacy: bool = False) -> str:
        if (path, legacy) not in self._md5s:
            self._md5s[path, legacy] = file_md5(self.root / path, path, legacy)
        return self._md5s[path, legacy]

    def tree(self, path: str) -> list[tuple[str, int]]:
        """(path inside the folder, size) of each file DVC hashes in folder `path`."""
        if path not in self._trees:
            self._check_above(path)
            self._trees[path] = self._walk(path)
        return self._trees[path]

    def _check_above(self, path: str) -> None:
        """Only the root's .dvcignore is read here; DVC merges those of the folders above."""
        parts = path.split("/")
        for end in range(1, len(parts) + 1):
            folder = "/".join(parts[:end])
            for name in (".dvcignore", ".dvc"):
                if os.path.lexists(self.root / folder / name):
                    raise Unsupported(f"{folder}/{name}: a nested .dvcignore or DVC repository")

    def _walk(self, path: str) -> list[tuple[str, int]]:
        files: list[tuple[str, int]] = []
        folders = [""]
        while folders:
            inner = folders.pop()
            with os.scandir(self.root / path / inner) as entries:
                for entry in entries:
                    name = f"{inner}/{entry.name}" if inner else entry.name
                    if entry.name in (".dvcignore", ".dvc"):
                        raise Unsupported(f"{path}/{name}: DVC refuses or skips the folder")
                    if entry.is_symlink():
                        raise Unsupported(f"{path}/{name} is a symbolic link")
                    is_dir = entry.is_dir(follow_symlinks=False)
                    if not is_dir and not entry.is_file(follow_symlinks=False):
                        raise Unsupported(f"{path}/{name} is not a regular file")
                    if self.ignore.matches(f"{path}/{name}", is_dir=is_dir):
                        continue
                    if is_dir:
                        folders.append(name)
                    else:
                        files.append((name, entry.stat(follow_symlinks=False).st_size))
        return files

    def dir_md5(self, path: str, files: list[tuple[str, int]]) -> str:
        """DVC's `.dir` hash of folder `path`, whose files `tree` listed."""
        return tree_md5((name, self.file_md5(f"{path}/{name}")) for name, _ in files)

    def ignored(self, path: str) -> bool:
        """Does .dvcignore hide `path` (DVC's is_ignored: as what it is, either if absent)?"""
        as_file, as_dir = (self.ignore.matches(path, is_dir=flag) for flag in (False, True))
        if as_file == as_dir:
            return as_file
        full = self.root / path
        return as_dir if full.is_dir() else as_file if full.is_file() else True

    def document(self, path: str) -> Any:
        """dvc.yaml, dvc.lock or a .dvc file as DVC's YAML reader gives it; None if absent."""
        content = read_capped(self.root / path, path)
        return None if content is None else read_yaml(path, content)

    def params(self, path: str) -> Any:
        if self.kind(path) != "file":
            raise Unsupported(f"params file {path} is not a file")
        if path not in self._params:
            content = read_capped(self.root / path, path)
            if content is None:
                raise Unsupported(f"{path} vanished")
            decode_utf8(path, content)  # DVC fails on what is not UTF-8
            try:
                document = read_structured(path, content)
            except Exception as error:  # every parser has its own errors; DVC fails too
                raise Unsupported(f"{path} cannot be read: {error}") from None
            if not _str_keys(document):
                raise Unsupported(f"{path} has keys that are not text")
            self._params[path] = document
        return self._params[path]


def _str_keys(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(isinstance(key, str) and _str_keys(item) for key, item in value.items())
    if isinstance(value, list):
        return all(map(_str_keys, value))
    return True
