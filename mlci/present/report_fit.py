"""Fitting `mlci report`'s Markdown under GitHub's limit for a comment (pure).

A comment holds at most COMMENT_LIMIT characters (counted as UTF-16 code units, which is
never fewer than GitHub's count). The report comes as blocks, each either kept always or
named and ranked; they go whole, least important first. When every table kept to its first
ROW_CAPS rows leaves out fewer parts, the tables are cut instead and the parts that then fit
come back, most important first. As a last resort the text is cut. The note at the end
names what went.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from mlci.publish.limits import COMMENT_LIMIT

ROW_CAPS = (100, 20, 5)


@dataclass(frozen=True)
class Markdown:
    text: str
    trimmed: tuple[str, ...]
    """What was left out to fit, least important first; empty when nothing was."""


@dataclass(frozen=True)
class Block:
    """One part of the report: its text, and whether (and when) it may be left out."""

    text: str
    name: str = ""
    """What the trim note calls it; "" for a part that is never dropped whole."""
    rank: int = 0
    """Order of dropping: 1 goes first."""

    @cached_property
    def length(self) -> int:
        return size(self.text)


def size(text: str) -> int:
    """Length as UTF-16 code units: an emoji counts 2, never less than GitHub's count."""
    return len(text.encode("utf-16-le")) // 2


def fit(blocks_at: Callable[[int | None], list[Block]], limit: int) -> Markdown:
    """The blocks as Markdown of at most `limit` characters, and what was trimmed.

    `blocks_at(cap)` lays the report out with every table cut to its first `cap` rows
    (None: all of them).
    """
    blocks = blocks_at(None)
    # Whole parts go least important first; when tables cut to their first rows keep more
    # parts, they are cut instead (a huge table must not cost every other part).
    best: tuple[int, list[Block], tuple[str, ...]] | None = None
    for cap in (None, *ROW_CAPS):
        laid = blocks if cap is None else blocks_at(cap)
        also = () if cap is None else (f"table rows beyond the first {cap}",)
        trimmed = _least_important(laid, limit, also)
        if trimmed is None:
            continue
        dropped = len(trimmed) - len(also)
        if best is None or dropped < best[0]:
            best = (dropped, laid, trimmed)
        if dropped == 0:
            break
    if best is not None:
        return _fitted(best[1], best[2], limit)
    return _cut(blocks_at(0), limit, [b.name for b in _droppable(blocks)])


def _droppable(blocks: Sequence[Block]) -> list[Block]:
    return sorted((b for b in blocks if b.name), key=lambda b: b.rank)


def _least_important(
    blocks: Sequence[Block], limit: int, also: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The fewest parts, least important first, whose leaving makes the rest fit; else None."""
    droppable = _droppable(blocks)
    for count in range(len(droppable) + 1):
        gone = droppable[:count]
        trimmed = (*(b.name for b in gone), *also)
        if _length([b for b in blocks if b not in gone], trimmed, limit) <= limit:
            return trimmed
    return None


def _fitted(blocks: Sequence[Block], trimmed: tuple[str, ...], limit: int) -> Markdown:
    kept = [block for block in blocks if block.name not in trimmed]
    return Markdown(_join(kept, trimmed, limit), trimmed)


def _join(blocks: Sequence[Block], trimmed: Sequence[str], limit: int) -> str:
    parts = [block.text for block in blocks]
    if trimmed:
        parts.append(_trim_note(trimmed, limit))
    return "\n\n".join(parts) + "\n"


def _length(blocks: Sequence[Block], trimmed: Sequence[str], limit: int) -> int:
    """size(_join(...)) without joining: a huge report is measured many times."""
    sizes = [block.length for block in blocks]
    if trimmed:
        sizes.append(size(_trim_note(trimmed, limit)))
    return sum(sizes) + 2 * (len(sizes) - 1) + 1


def _trim_note(trimmed: Sequence[str], limit: int) -> str:
    where = f"GitHub's {limit:,}-character limit for a comment"
    if limit != COMMENT_LIMIT:
        where = f"{limit:,} characters"
    return (
        f"> [!NOTE]\n> Trimmed to stay under {where}: left out {', '.join(trimmed)}. "
        "`mlci report --format json` has everything."
    )


def _cut(blocks: Sequence[Block], limit: int, dropped: Sequence[str]) -> Markdown:
    """The last resort: whole lines up to the limit (only a limit of a few hundred gets here).

    The marker line and the note always stay, even past a limit too small to hold them.
    """
    trimmed = (*dropped, "the end of the report")
    note = "\n\n" + _trim_note(trimmed, limit) + "\n"
    lines = "\n\n".join(b.text for b in blocks if not b.name).split("\n")
    while len(lines) > 1 and size("\n".join(lines)) + size(note) > limit:
        lines.pop()
    return Markdown("\n".join(lines) + note, trimmed)
