"""`mlci report`: one report per pull request, as GitHub Markdown or JSON (pure: data in, text out).

The Markdown, top to bottom (sections with nothing to say are left out). Short by default:
what a reviewer decides on is open, the rest collapsed under a line that says what it holds.

    <!-- mlci-report -->     hidden marker: how the sticky pull-request comment is found again
    verdict line             ✅ passed / ❌ failed / ⚪ no merge rules ran, and why, in one sentence
    sides                    `main (1a2b3c4d5e6f)` → `feature (…)`; a warning if main has no metrics
    notices                  what to know first: the change edits its own merge rules (it
                             is judged by the base's), a fork's run could not read the remote
    Metrics                  the positive class, when the evaluation names it; the declared
                             metrics: base, PR, change, an arrow that says better or worse in
                             the metric's direction, and the trivial baseline's score
                             (`baseline.<key>` in the same file) when there is one
    Merge rules              each rule's value, threshold, pass / warn / fail and why (failures
                             first)
    Notes                    what belongs to no row: a dvc.lock older than its params, ...
    <details> sections       other metrics that changed (not declared); the changed params;
                             the changed data and outputs, as `mlci diff` lists them; the
                             stages that reran; the trend along main (a chart per key metric,
                             once main has MIN_TREND_COMMITS values); confusion matrices;
                             curves (ROC, precision-recall, line plots: Mermaid, base and PR);
                             unchanged metrics mlci.yaml does not declare; where each
                             metrics file was read from and which plot files are not shown
    trim note                what was left out to stay under GitHub's comment limit

Every string a pull request controls (metric and param names and values, paths, stage names,
plot labels, rule text and the errors that quote them) goes through mlci.present.markdown_escape,
by the context it lands in: table cell, code span, HTML, Mermaid string. No such string can
add Markdown, HTML, a link, a mention, a line of its own or a second marker.

Trimming (mlci.present.report_fit): a comment holds at most mlci.publish.limits.COMMENT_LIMIT
characters. Parts go whole, least important first: the curves, the trend charts, where the
numbers came from, the changed data and outputs, the stages that reran, the changed params,
unchanged undeclared metrics, the confusion matrices, the notes, the other changed metrics.
When one table is so long that even that is not enough, every table keeps only its first
rows (failed rules and declared metrics come first) and the parts that then fit come back,
most important first.
As a last resort the text is cut. The note at the end names what went.

JSON (`--format json`) holds the same content, never trimmed; keys are stable and sorted:

    version        1
    verdict        {status: passed | failed | no-rules, sentence: the verdict line's reason}
    comparison     `mlci diff --format json`'s document (see mlci.present.diff_format)
    gates          null when `mlci gate` did not run ([] when mlci.yaml sets no merge rules),
                   else a list of {rule, verdict: pass | warn | fail, value, threshold, reason}
    trends         list of {metric, direction (higher | lower | null), branch,
                   points: [{label (short SHA, or "PR"), sha (null for the PR), value}]}
    confusion      list of {path, labels, counts (counts[actual][predicted], in labels' order),
                   base_counts (same shape, or null when the base lacks the file)}
    curves         list of {path, kind: roc | precision-recall | line, x_label, y_label,
                   x (the evenly spaced values every series is resampled at),
                   series: [{label, side: base | target, y}]}
    skipped_plots  list of {path, reason}
    rules_source   whose merge rules judged the change: the base's, e.g. "main (1a2b…)"
    notices        list of text: what a reviewer must know before the numbers

`from_json` reads that document back: a later CI job can render the comment from it.

The pieces, by concept: report_model (the content and its verdict), report_sections (each
section's Markdown), report_fit (the size fitting), report_json (the JSON document); this
module is the entry point the commands use.
"""

from __future__ import annotations

from mlci.present.report_fit import Markdown, fit, size
from mlci.present.report_json import from_json, render_json, to_json_data
from mlci.present.report_model import (
    GateResult,
    GateResultLike,
    Report,
    ReportVerdict,
    build_report,
    decide,
)
from mlci.present.report_sections import blocks
from mlci.publish.limits import COMMENT_LIMIT

__all__ = [
    "GateResult",
    "GateResultLike",
    "Markdown",
    "Report",
    "ReportVerdict",
    "build_report",
    "decide",
    "from_json",
    "markdown",
    "render_json",
    "render_markdown",
    "size",
    "to_json_data",
]


def render_markdown(report: Report, limit: int = COMMENT_LIMIT) -> str:
    return markdown(report, limit).text


def markdown(report: Report, limit: int = COMMENT_LIMIT) -> Markdown:
    """The report as GitHub Markdown of at most `limit` characters, and what was trimmed."""
    return fit(lambda cap: blocks(report, cap), limit)
