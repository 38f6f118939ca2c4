""".dvcignore as DVC matches it (dvc/ignore.py DvcIgnorePatterns): the root .dvcignore
after DVC's own rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from mlci.dvc.local_files import decode_utf8, read_capped
from mlci.dvc.unsupported import Unsupported

# DVC's own ignore rules, before the repository's .dvcignore (dvc/ignore.py).
BUILTIN_IGNORES = (".hg/", ".git/", ".git", ".dvc/")


def dvcignore_lines(root: Path) -> list[str]:
    """The patterns of the root .dvcignore, as DVC reads them (stripped, no comments)."""
    content = read_capped(root / ".dvcignore", ".dvcignore")
    if content is None:
        return []
    return parse_dvcignore(decode_utf8(".dvcignore", content))


def parse_dvcignore(text: str) -> list[str]:
    """The patterns of a .dvcignore's text: stripped, without blank lines and comments."""
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return [line for line in lines if line and not line.startswith("#")]


class DvcIgnore:
    """DVC's rules (dvc/ignore.py DvcIgnorePatterns) for the root .dvcignore and its own.

    Each pattern becomes pathspec's regex, as in DVC; the last pattern that matches decides,
    dir-only patterns match only folders, and a path is ignored when a folder above it is.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        try:
            from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern as Pattern
        except ImportError:  # pathspec < 1, as DVC allows
            from pathspec.patterns import GitWildMatchPattern as Pattern  # type: ignore

        self._rules: list[tuple[re.Pattern[str], bool, bool]] = []
        for line in (*BUILTIN_IGNORES, *lines):
            try:
                regex, ignore = Pattern.pattern_to_regex(line)
                if regex is not None and ignore is not None:
                    self._rules.append((re.compile(regex), bool(ignore), line.endswith("/")))
            except (ValueError, re.error):  # `foo\`, `[z-a]`: DVC says what it makes of it
                raise Unsupported(f".dvcignore: a pattern pathspec refuses: {line!r}") from None
        self._rules.reverse()
        self._found: dict[tuple[str, bool], bool] = {}

    def matches(self, path: str, *, is_dir: bool) -> bool:
        parts = path.split("/")
        for end in range(1, len(parts) + 1):
            ignored = self._match("/".join(parts[:end]), is_dir or end < len(parts))
            if ignored or end == len(parts):
                return ignored
        return False

    def _match(self, path: str, is_dir: bool) -> bool:
        if (path, is_dir) not in self._found:
            candidates = [path, f"{path}/"] if is_dir else [path]
            found = False
            for regex, ignore, dir_only in self._rules:
                if (is_dir or not dir_only) and any(regex.match(c) for c in candidates):
                    found = ignore
                    break
            self._found[path, is_dir] = found
        return self._found[path, is_dir]
