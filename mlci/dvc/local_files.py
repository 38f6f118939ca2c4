"""The repository's files as mlci's `dvc status` reads them: never through a symbolic link,
only regular files, within mlci's cap on a file it parses, as UTF-8 the way DVC decodes them;
DVC's YAML files as DVC reads them (mlci.dvc.yaml12). Whatever mlci cannot read as DVC
would is `Unsupported`: DVC then says what it makes of it."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Literal

from mlci.document_caps import UnreadableDocument
from mlci.dvc import yaml12
from mlci.dvc.unsupported import Unsupported
from mlci.files import ReadRefused, read_regular

Kind = Literal["missing", "file", "dir"]


def kind_of(full: Path, path: str) -> tuple[Kind, int]:
    try:
        info = full.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return "missing", 0
    if stat.S_ISLNK(info.st_mode):
        raise Unsupported(f"{path} is a symbolic link: mlci never follows one")
    if stat.S_ISDIR(info.st_mode):
        return "dir", 0
    if stat.S_ISREG(info.st_mode):
        return "file", info.st_size
    raise Unsupported(f"{path} is not a regular file")


def open_regular(full: Path, path: str) -> int | None:
    """A descriptor of the regular file at `full`, never through a link; None if absent."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(full, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Unsupported(f"{path} is not a regular file")
    return fd


def read_capped(full: Path, path: str) -> bytes | None:
    """A DVC file or params file, within mlci's cap on any file it parses."""
    if full.is_symlink():
        raise Unsupported(f"{path} is a symbolic link: mlci never follows one")
    try:
        return read_regular(full)
    except ReadRefused as error:  # not a regular file, too large, unreadable: DVC judges
        raise Unsupported(f"{path} {error}") from None


def decode_utf8(path: str, content: bytes) -> str:
    """The file as DVC reads it (UTF-8); a byte-order mark or invalid UTF-8: ask DVC."""
    if content.startswith(b"\xef\xbb\xbf"):
        raise Unsupported(f"{path} starts with a byte-order mark")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise Unsupported(f"{path} is not UTF-8") from None


def read_yaml(path: str, content: bytes) -> Any:
    """dvc.yaml, dvc.lock or a .dvc file as DVC's YAML reader gives it (YAML 1.2)."""
    text = decode_utf8(path, content)
    try:
        return yaml12.load(text)
    except UnreadableDocument as error:  # DVC fails on this file as well, or mlci's cap
        raise Unsupported(f"{path} is not YAML DVC reads: {error}") from None
