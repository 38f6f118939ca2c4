"""The registry as text and JSON: each model's versions, who registered them and when, which
stage each holds, and (with history) every tag. Tag messages and taggers are anyone's to
write: every string is made inert before it reaches a terminal."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from mlci.present.json_out import json_text
from mlci.present.tables import column_widths, text_row
from mlci.present.terminal import inert
from mlci.registry.state import Event, Registry


def _when(time: int) -> str:
    return datetime.fromtimestamp(time, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _who(event: Event | None) -> str:
    return f"{event.author} <{event.email.strip('<>')}>" if event is not None else ""


def render_text(registry: Registry, *, history: bool = False) -> str:
    registry = inert(registry)
    if not registry.artifacts:
        return "The registry is empty: no tags in GTO's format (`mlci register` adds one).\n"
    lines: list[str] = []
    for name, artifact in registry.artifacts.items():
        stages = ", ".join(f"{stage}: {e.version}" for stage, e in artifact.stages.items())
        lines += [f"{name}  ({stages or 'in no stage'})", ""]
        header = ("Version", "Commit", "Stages", "Registered", "By")
        rows = [
            (
                v.version if v.registered else f"{v.version[:12]} (unregistered)",
                v.commit[:12],
                ", ".join(v.stages) + (" (deregistered)" if not v.active else ""),
                _when(v.registered.time) if v.registered else "",
                _who(v.registered),
            )
            for v in artifact.versions
        ]
        widths = column_widths([header, *rows])
        lines += [text_row(row, widths, "<<<<<") for row in (header, *rows)]
        if history:
            lines += ["", "History (newest first)"]
            lines += [
                f"  {_when(e.time)}  {e.tag}  {e.message}  ({_who(e)})" for e in artifact.history
            ]
        lines.append("")
    return "\n".join(lines)


def to_json_data(registry: Registry) -> dict[str, Any]:
    def event(e: Event) -> dict[str, Any]:
        return {
            "tag": e.tag,
            "action": e.action,
            "version": e.version,
            "stage": e.stage,
            "commit": e.commit,
            "time": e.time,
            "author": e.author,
            "author_email": e.email.strip("<>"),
            "message": e.message,
        }

    return {
        name: {
            "versions": [
                {
                    "version": v.version,
                    "commit": v.commit,
                    "registered": v.registered is not None,
                    "active": v.active,
                    "stages": list(v.stages),
                    "registered_at": v.registered.time if v.registered else None,
                    "author": v.registered.author if v.registered else None,
                }
                for v in artifact.versions
            ],
            "stages": {stage: holder.version for stage, holder in artifact.stages.items()},
            "history": [event(e) for e in artifact.history],
        }
        for name, artifact in registry.artifacts.items()
    }


def render_json(registry: Registry) -> str:
    return json_text(to_json_data(registry))
