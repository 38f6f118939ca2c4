"""What `dvc status --json` says must run again, in mlci's words: {stage: reason}."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any


def pending_stages(status: Mapping[str, Any]) -> dict[str, str]:
    """Stages `dvc status --json` says must run again: a changed command or dependency.

    Changed or missing outputs do not count: after a repro they match, and a job that checks
    out the code without the outputs has not made the inputs any different. `always changed`
    stages are always listed by DVC and do not count either, nor are .dvc files (their data
    is a dependency of the stages that read it, where a change shows).
    """
    pending: dict[str, str] = {}
    for stage, entries in status.items():
        if stage.endswith(".dvc"):
            continue
        found = [*_status_changes(entries if isinstance(entries, list) else [entries])]
        if found:
            pending[stage] = "; ".join(found)
    return pending


def _status_changes(entries: Iterable[Any]) -> Iterator[str]:
    for entry in entries:
        if entry == "changed command":
            yield "command changed"
        elif isinstance(entry, Mapping) and isinstance(deps := entry.get("changed deps"), Mapping):
            yield "changed deps: " + ", ".join(
                f"{path} ({_dvc_how(how)})" for path, how in deps.items()
            )


def _dvc_how(how: Any) -> str:
    """`modified`, or for a params file `{'train.lr': 'modified'}` -> `train.lr modified`."""
    if isinstance(how, Mapping):
        return ", ".join(f"{key} {what}" for key, what in how.items())
    return str(how)
