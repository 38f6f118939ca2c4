""".dvcignore matched as DVC's own DvcIgnorePatterns matches it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlci.dvc.dvcignore import BUILTIN_IGNORES, DvcIgnore
from mlci.dvc.unsupported import Unsupported

IGNORE_LINES = [
    "*.tmp",
    "/data/raw",
    "data/",
    "!data/keep",
    "**/cache",
    "logs/*.log",
    "a/**/b",
    "secret",
    "!*.md",
    "x?",
    "[ab]c",
    "/top/",
    "deep/**",
    "!deep/keep/",
    "*.md",
]
PARTS = st.sampled_from(
    [
        "data",
        "raw",
        "keep",
        "cache",
        "logs",
        "x.log",
        "a",
        "b",
        "secret",
        "r.md",
        "x1",
        "ac",
        "top",
        "deep",
        "f.tmp",
        ".git",
        ".hg",
        ".dvc",
        "bc",
    ]
)


@given(
    st.lists(st.sampled_from(IGNORE_LINES), max_size=6),
    st.lists(PARTS, min_size=1, max_size=4),
    st.booleans(),
)
@settings(max_examples=500, deadline=None)
def test_dvcignore_rules_match_dvcs(lines: list[str], parts: list[str], is_dir: bool) -> None:
    from dvc.ignore import DvcIgnorePatterns

    theirs = DvcIgnorePatterns([*BUILTIN_IGNORES, *lines], "/repo", "/")
    dirname = "/".join(["/repo", *parts[:-1]])
    expected = theirs.matches(dirname, parts[-1], is_dir)
    assert DvcIgnore(lines).matches("/".join(parts), is_dir=is_dir) == expected


@pytest.mark.parametrize("pattern", ["foo\\", "[z-a]"])
def test_a_dvcignore_pattern_pathspec_refuses_is_left_to_dvc(pattern: str) -> None:
    """A pull request writes .dvcignore: a pattern that cannot be compiled is DVC's to judge
    (it says what it makes of it), never a crash of the gate."""
    with pytest.raises(Unsupported, match="a pattern pathspec refuses"):
        DvcIgnore([pattern])
