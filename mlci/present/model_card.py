"""A model card in Markdown: what the model is for, how well it does (with intervals), what
data and params made it, and what the deploy gate decided. Everything read from the
repository (labels, paths, params, tag messages) is escaped for the place it lands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlci.dvc.metrics_file import as_text
from mlci.present import markdown_escape as escape
from mlci.present.tables import cell, cell_code, md_table


@dataclass(frozen=True)
class CardInput:
    model: str
    version: str
    commit: str
    stages: tuple[str, ...]
    task: str
    target: str | None
    positive_class: str | None
    description: str
    metrics: dict[str, Any]
    """Metric name -> value at the version's commit (its metrics file)."""
    lineage: dict[str, dict[str, str]]
    """Stage -> dependency path -> md5, from the version's dvc.lock."""
    params: dict[str, dict[str, Any]]
    """Params file -> dotted key -> value, at the version's commit."""
    evidence: dict[str, Any] | None
    """The newest deploy-gate evidence for this version, if it was ever promoted."""


def render(card: CardInput) -> str:
    title = f"# Model card: {escape.text(card.model)} {escape.text(card.version)}"
    held = ", ".join(card.stages) or "no stage"
    lines = [
        title,
        "",
        f"Commit {escape.code(card.commit[:12])}; now in {escape.text(held)}.",
        "",
        "## Intended use",
        "",
        escape.text(card.description) if card.description else "(mlci.yaml has no description)",
        "",
        f"Task: {escape.text(card.task)}"
        + (f"; predicts {escape.code(card.target)}" if card.target else "")
        + (f"; positive class {escape.code(card.positive_class)}" if card.positive_class else "")
        + ".",
        "",
        *_metrics(card),
        *_gate(card),
        *md_table(
            "Data lineage (dvc.lock at this commit)",
            ("Stage", "Input", "md5"),
            [
                (cell(stage), cell_code(path), cell_code(md5))
                for stage, deps in card.lineage.items()
                for path, md5 in deps.items()
            ],
        ),
        *md_table(
            "Params",
            ("File", "Key", "Value"),
            [
                (cell_code(file), cell_code(key), cell_code(as_text(value)))
                for file, values in card.params.items()
                for key, value in values.items()
            ],
        ),
    ]
    return "\n".join(lines).rstrip() + "\n"


def _metrics(card: CardInput) -> list[str]:
    same = (card.evidence or {}).get("same_rows") or {}
    intervals = same.get("metrics") or {}
    rows = []
    for name, value in card.metrics.items():
        interval = intervals.get(name)
        against = ""
        if interval:
            against = (
                f"{interval['change']:+.4g} [{interval['low']:+.4g}, {interval['high']:+.4g}] "
                f"{interval['verdict']}"
            )
        rows.append((cell(name), cell(as_text(value)), escape.text(against)))
    champion = ((card.evidence or {}).get("champion") or {}).get("version")
    header = ("Metric", "Value", f"Against {champion} on the same rows" if champion else "")
    return md_table("Metrics", header, rows)


def _gate(card: CardInput) -> list[str]:
    evidence = card.evidence
    if evidence is None:
        return ["## Deploy gate", "", "Never promoted through the deploy gate.", ""]
    gate = evidence.get("gate") or {}
    rules = gate.get("rules") or []
    who = escape.text(str(evidence.get("approver") or "unknown"))
    verdict = escape.text(str(gate.get("verdict", "?")))
    stage = escape.text(str(evidence.get("stage")))
    lines = ["## Deploy gate", "", f"{verdict} for {stage}, approved by {who}.", ""]
    lines += [
        f"- {escape.text(str(rule.get('rule')))}: {escape.text(str(rule.get('verdict')))}, "
        f"{escape.text(str(rule.get('reason')))}"
        for rule in rules
    ]
    return [*lines, ""]
