"""Words for what a Comparison found, shared by every output that shows one.

`mlci diff`'s table, Markdown and JSON (mlci.present.diff_format) and `mlci report`'s
sections say a change, a missing value, a side or a size the same way; the text here is
plain, and each output escapes it for where it lands.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlci.compare.diff import MetricRow, SideInfo, Verdict
from mlci.compare.pipeline_changes import OutputChange, ParamChange
from mlci.dvc.metrics_file import as_text
from mlci.revision.snapshot import OutputInfo

METRIC_ALIGNS = (":--", "--:", "--:", "--:", ":--")
"""The Markdown metrics table's columns: metric, base, target, change, verdict."""
# Markdown's mark for each verdict: a colour and a word.
VERDICT_MARKS: dict[Verdict, str] = {
    "improved": "🟢 improved",
    "regressed": "🔴 regressed",
    "unchanged": "⚪ unchanged",
    "no-direction": "🔵 changed (no direction)",
    "not-a-number": "⚠️ not a number",
    "no-baseline": "⚠️ no baseline",
    "new": "🆕 new",
    "removed": "🗑️ removed",
    "not-produced": "⚠️ not produced",
    "not-pushed": "⚠️ not pushed",
    "unreadable": "⚠️ unreadable",
    "missing": "⚠️ missing",
}
# In a value cell, the side's reason for having no value: never a bare dash.
_MISSING_CELLS: dict[Verdict, str] = {
    "no-baseline": "(no baseline)",
    "new": "(new)",
    "removed": "(removed)",
    "not-produced": "(not produced)",
    "not-pushed": "(not pushed)",
    "unreadable": "(unreadable)",
    "missing": "(missing)",
}


def change_text(row: MetricRow) -> str:
    if row.change is None:
        return ""
    if row.change == 0:
        return "0"
    text = f"{row.change:+.6g}"
    return f"{text} ({row.relative:+.2%})" if row.relative is not None else text


def metric_name(row: MetricRow) -> str:
    """mlci.yaml's name; else `file:key`, or the file alone for its bare value (key "")."""
    if row.name is not None:
        return row.name
    return f"{row.file}:{row.key}" if row.key else row.file


def value_cell(value: object, missing: Verdict | None) -> str:
    if missing is not None:
        return _MISSING_CELLS.get(missing, f"({missing})")
    return as_text(value)


def side_title(side: SideInfo) -> str:
    """`main (1a2b3c4d5e6f)`: the label, and the commit unless the label is already it."""
    return revision_title(side.label, side.revision)


def revision_title(label: str, revision: str | None) -> str:
    """`side_title` of a label and the commit SHA it names (None for the workspace)."""
    if revision is None or revision.startswith(label):
        return label
    if label.endswith(")"):  # `main (merge-base)`: one pair of brackets, not two
        return f"{label[:-1]}, {revision[:12]})"
    return f"{label} ({revision[:12]})"


def size_text(info: OutputInfo | None) -> str:
    if info is None:
        return ""
    parts = [] if info.size is None else [_bytes(info.size)]
    if info.nfiles is not None:
        parts.append(f"{info.nfiles} file{'s' * (info.nfiles != 1)}")
    return ", ".join(parts) or (info.md5 or "")[:8]


def _bytes(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    amount = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        amount /= 1024
        if amount < 1024:
            return f"{amount:.1f} {unit}"
    return f"{amount / 1024:.1f} TiB"


def param_value(change: ParamChange) -> str:
    """The value cell of a table whose Change column already says added or removed."""
    if change.change == "added":
        return as_text(change.new)
    if change.change == "removed":
        return as_text(change.old)
    return f"{as_text(change.old)} → {as_text(change.new)}"


def param_text(change: ParamChange) -> str:
    """A param's change in words, where no column says what kind of change it is."""
    if change.change == "added":
        return f"added: {as_text(change.new)}"
    if change.change == "removed":
        return f"removed (was {as_text(change.old)})"
    return f"{as_text(change.old)} → {as_text(change.new)}"


def output_text(change: OutputChange) -> str:
    if change.change == "modified":
        return f"{size_text(change.old)} → {size_text(change.new)}"
    return size_text(change.new if change.change == "added" else change.old)


def output_owner(change: OutputChange) -> str:
    info = change.new or change.old
    return info.stage if info is not None else ""


def numbered_notes(rows: Sequence[MetricRow]) -> tuple[list[str], list[list[int]]]:
    """Distinct row notes in order, and for each row the 1-based numbers of its notes."""
    notes: list[str] = []
    refs: list[list[int]] = []
    for row in rows:
        mine = []
        for note in row.notes:
            if note not in notes:
                notes.append(note)
            mine.append(notes.index(note) + 1)
        refs.append(mine)
    return notes, refs
