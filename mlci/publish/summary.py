"""Appending a report to the job summary of the current Actions step."""

from __future__ import annotations

from pathlib import Path

from mlci.errors import UsageError
from mlci.publish.limits import SUMMARY_LIMIT
from mlci.publish.trim import fit

TRIM_NOTE = (
    "> [!NOTE]\n> mlci cut this report short to fit GitHub's 1 MiB limit for a step's job summary."
)


def append_summary(path: Path, markdown: str) -> bool:
    """Append `markdown` to the summary file at `path`; returns whether it had to be cut.

    Appends, never overwrites: an earlier command of the same step may have written its own
    summary, and both count towards the step's limit.
    """
    try:
        used = path.stat().st_size if path.exists() else 0
        separator = "\n" if used else ""
        text = markdown if markdown.endswith("\n") else markdown + "\n"
        room = SUMMARY_LIMIT - used - len(separator)
        fitted, cut = fit(text, room, "bytes", TRIM_NOTE)
        with path.open("a", encoding="utf-8", newline="") as file:
            file.write(separator + fitted)
    except OSError as error:
        raise UsageError(
            f"cannot write the job summary {path} (from GITHUB_STEP_SUMMARY): "
            f"{error.strerror or error}"
        ) from None
    return cut
