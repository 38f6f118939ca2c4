"""A GateReport as terminal text, GitHub-flavoured Markdown or JSON (pure: text out).

JSON (`mlci gate --format json`) is for machines; its keys are stable and sorted, and a new
key may be added in a later version but none is renamed or removed without a new `version`:

    version     1
    gate        merge | deploy: which rules of mlci.yaml's `gates:` were evaluated
    verdict     pass | warn | fail: the worst verdict of any rule (pass when there are none)
    passed      false exactly when verdict is fail (mlci gate then exits 1)
    counts      {pass, warn, fail}: how many rules got each verdict
    base        {label, revision (commit SHA)}: what the target was compared with
    target      {label, revision (commit SHA; null for the workspace)}
    rules       list, in mlci.yaml order: {rule (as the spec writes it), metric (name, or
                null for a check), check ("reproduced", or null), value (the target's value;
                for a check "matches", "unverified" or "N differences"; null when the
                target has none), base (the base's value, or null), threshold (text: the
                bounds the value must keep), limits ({min, max, max_regression,
                max_regression_pct}: only those the rule sets), verdict (pass | warn |
                fail), reason (one line), details [text: each finding, e.g. every stage or
                metric that differs]}
    judged_by   {source (whose mlci.yaml the rules came from: the base's, e.g.
                "origin/main (1a2b3c4d5e6f)", or "this change" when the base has none it
                can read), notes [text: e.g. that the change edits the rules it is judged by]}

Numbers that JSON cannot hold (NaN, infinities) are written as the strings "NaN",
"Infinity" and "-Infinity".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlci.compare.gates import GateReport, RuleResult, Status
from mlci.dvc.metrics_file import as_text
from mlci.present import markdown_escape as escape
from mlci.present.comparison_text import revision_title
from mlci.present.json_out import json_text, picked
from mlci.present.tables import column_widths, md_row, md_rule, text_row
from mlci.present.terminal import inert, painter

JSON_VERSION = 1

_WORDS: dict[Status, str] = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}
RULE_MARKS: dict[Status, str] = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail"}
"""Markdown's mark for each rule's verdict (mlci report's merge rules say it the same way)."""
_RULE_ALIGNS = (":--", ":--", "--:", ":--", ":--")
_COLOURS: dict[Status, str] = {"pass": "32", "warn": "33", "fail": "31"}


def verdict_line(report: GateReport) -> str:
    """One sentence: passed or failed, and by which rules."""
    total, gate = len(report.results), report.gate
    if not total:
        return f"passed: mlci.yaml has no {gate} rules (gates.{gate}), nothing to check"
    if failed := _names(report.results, "fail"):
        return f"failed: {len(failed)} of {total} {gate} rules failed ({', '.join(failed)})"
    if warned := _names(report.results, "warn"):
        plural = "s" * (len(warned) != 1)
        return f"passed with {len(warned)} warning{plural} ({', '.join(warned)})"
    return f"passed: all {total} {gate} rule{'s' * (total != 1)} pass"


def _names(results: Sequence[RuleResult], verdict: Status) -> list[str]:
    return [_subject(r) for r in results if r.verdict == verdict]


def _subject(result: RuleResult) -> str:
    return result.metric if result.metric is not None else f"check: {result.check}"


def _value(result: RuleResult) -> str:
    return "(none)" if result.value is None else as_text(result.value)


def _sides(report: GateReport) -> tuple[str, str]:
    base = revision_title(report.base_label, report.base_revision)
    return base, revision_title(report.target_label, report.target_revision)


# --- terminal ----------------------------------------------------------------------------------


def render_text(report: GateReport, *, colour: bool = False) -> str:
    report = inert(report)  # one value, one line: see mlci.present.terminal
    paint = painter(colour)
    base, target = _sides(report)
    lines = [paint("1", f"mlci gate: {report.gate} rules, {base} → {target}")]
    if report.rules_source:
        lines.append(f"  the rules of {report.rules_source}")
    lines += [paint("33", f"  note: {note}") for note in report.notes]
    lines.append("")
    header = ("", "Rule", "Value", "Threshold")
    cells = [(_WORDS[r.verdict], r.rule, _value(r), r.threshold) for r in report.results]
    widths = column_widths([header, *cells])
    if cells:
        lines.append(paint("1", _line(header, widths)))
    for result, row in zip(report.results, cells, strict=True):
        line = _line(row, widths)
        # Paint the verdict word after padding: colour codes would upset the widths.
        lines.append(line.replace(row[0], paint(_COLOURS[result.verdict], row[0]), 1))
        lines += _explanation(result, indent=widths[0] + 4)
    if cells:
        lines.append("")
    lines.append(paint(_COLOURS[report.verdict], verdict_line(report)))
    return "\n".join(lines) + "\n"


def _line(values: Sequence[str], widths: Sequence[int]) -> str:
    return text_row(values, widths).rstrip()


def _explanation(result: RuleResult, indent: int) -> list[str]:
    pad = " " * indent
    # Several findings read better one a line than run together in the reason.
    if result.verdict != "pass" and len(result.details) > 1:
        return [f"{pad}{detail}" for detail in result.details]
    return [f"{pad}{result.reason}"]


# --- Markdown ----------------------------------------------------------------------------------


def render_markdown(report: GateReport) -> str:
    """GitHub Markdown; every string the repository controls is escaped (markdown_escape)."""
    base, target = _sides(report)
    mark = {"pass": "✅", "warn": "⚠️", "fail": "❌"}[report.verdict]
    lines = [
        f"### {mark} mlci gate: {escape.text(verdict_line(report))}",
        "",
        f"{report.gate.capitalize()} rules of `mlci.yaml`"
        + (f" at {escape.text(report.rules_source)}" if report.rules_source else "")
        + f", {escape.code(base)} → {escape.code(target)}.",
        "",
    ]
    lines += [f"> ⚠️ {escape.text(note)}" for note in report.notes]
    if report.notes:
        lines.append("")
    if report.results:
        lines += ["| | Rule | Value | Threshold | Why |", md_rule(_RULE_ALIGNS)]
        lines += [_md_row(result) for result in report.results]
        lines.append("")
    details = [r for r in report.results if r.verdict != "pass" and len(r.details) > 1]
    for result in details:
        summary = f"{escape.html_text(result.rule)}: {len(result.details)} findings"
        lines += [f"<details><summary>{summary}</summary>", ""]
        lines += [f"- {escape.text(detail)}" for detail in result.details]
        lines += ["", "</details>", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_row(result: RuleResult) -> str:
    cells = (
        RULE_MARKS[result.verdict],
        escape.cell_code(result.rule),
        escape.text(_value(result)),
        escape.text(result.threshold),
        escape.text(result.reason),
    )
    return md_row(cells)


# --- JSON --------------------------------------------------------------------------------------


def to_json_data(report: GateReport) -> dict[str, Any]:
    """The documented JSON document as plain data (see the module docstring)."""
    counts = {verdict: 0 for verdict in _WORDS}
    for result in report.results:
        counts[result.verdict] += 1
    return {
        "version": JSON_VERSION,
        "gate": report.gate,
        "verdict": report.verdict,
        "passed": not report.failed,
        "counts": counts,
        "base": {"label": report.base_label, "revision": report.base_revision},
        "target": {"label": report.target_label, "revision": report.target_revision},
        "rules": [_json_rule(result) for result in report.results],
        "judged_by": {"source": report.rules_source, "notes": list(report.notes)},
    }


def _json_rule(result: RuleResult) -> dict[str, Any]:
    keys = ("rule", "metric", "check", "value", "base", "threshold", "verdict", "reason")
    return {**picked(result, (*keys, "details")), "limits": dict(result.limits)}


def render_json(report: GateReport) -> str:
    return json_text(to_json_data(report))
