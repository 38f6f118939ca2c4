"""`mlci report`: verdict, arrows, confusion matrix, trimming, JSON, and Mermaid's own parser."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mlci.compare.diff import Comparison, DeclaredMetric, DeclaredMetrics, compare
from mlci.compare.pipeline_changes import StageChange
from mlci.git import Commit
from mlci.present.charts import PlotInput
from mlci.present.comparison_text import revision_title
from mlci.present.mermaid import decimal
from mlci.present.report import (
    GateResult,
    Report,
    build_report,
    from_json,
    markdown,
    render_json,
    render_markdown,
    size,
)
from mlci.present.tables import short
from mlci.publish.limits import COMMENT_LIMIT
from mlci.publish.limits import REPORT_MARKER as MARKER
from mlci.revision.history import History, HistoryRow, MetricColumn, read_history
from mlci.revision.snapshot import (
    MetricsRead,
    OutputInfo,
    RevisionReader,
    Snapshot,
    StageInputs,
    snapshots,
)
from tests.conftest import Repo

MERMAID = Path(__file__).parents[1] / "mermaid"
TRIM_ORDER = (
    "the evaluation curves",
    "the trend charts",
    "where the numbers came from",
    "the list of changed data and outputs",
    "the stages that reran",
    "the changed params",
    "unchanged metrics mlci.yaml does not declare",
    "the confusion matrices",
    "the notes",
    "changed metrics mlci.yaml does not declare",
)
SPEC = DeclaredMetrics(
    {
        "accuracy": DeclaredMetric("metrics.json", None, "higher"),
        "loss": DeclaredMetric("metrics.json", None, "lower", 0.001),
    }
)
PASS = GateResult("accuracy: min 0.9", "pass", 0.93, ">= 0.9", "accuracy 0.93 is at least 0.9")
FAIL = GateResult(
    "loss: max_regression 0.01", "fail", 0.3, "<= 0.21", "loss rose by 0.1, more than 0.01"
)
WARN = GateResult("f1: min 0.8", "warn", None, ">= 0.8", "no baseline: f1 is new")


# --- building blocks ---------------------------------------------------------------------------


def snapshot(
    label: str,
    values: dict[str, Any],
    params: dict[str, Any] | None = None,
    outputs: dict[str, OutputInfo] | None = None,
    stages: dict[str, StageInputs] | None = None,
    revision: str | None = None,
) -> Snapshot:
    metrics = {"metrics.json": MetricsRead("metrics.json", "found", values, source="git")}
    return Snapshot(
        revision,
        label,
        True,
        True,
        metrics,
        {"params.yaml": params or {}},
        outputs or {},
        stages or {},
    )


def comparison(old: dict[str, Any], new: dict[str, Any], **more: Any) -> Comparison:
    return compare(snapshot("main", old, **more), snapshot("feature", new), SPEC)


def history(values: Sequence[tuple[float, float]]) -> History:
    columns = [
        MetricColumn("accuracy", "metrics.json", "accuracy", "higher"),
        MetricColumn("loss", "./metrics.json", "loss", "lower"),
    ]
    rows = [
        HistoryRow(Commit(f"{i:07x}" + "0" * 33, i, f"commit {i}"), {"accuracy": a, "loss": b})
        for i, (a, b) in enumerate(values)
    ]
    return History(columns, rows)


@functools.cache
def evaluation_plots(n: int = 200) -> tuple[PlotInput, ...]:
    """Plot files as the scaffold's src/evaluate.py writes them, for two real models."""
    from sklearn import (  # type: ignore[import-untyped]
        datasets,
        linear_model,
        metrics,
        model_selection,
    )

    x, y = datasets.load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = model_selection.train_test_split(x, y, random_state=0)

    def files(c: float) -> list[str]:
        model = linear_model.LogisticRegression(C=c, max_iter=5000).fit(x_train, y_train)
        score = model.predict_proba(x_test)[:, 1]
        fpr, tpr, _ = metrics.roc_curve(y_test, score)
        precision, recall, _ = metrics.precision_recall_curve(y_test, score)
        tables = [
            {"actual": y_test, "predicted": model.predict(x_test)},
            {"fpr": fpr, "tpr": tpr},
            {"recall": recall, "precision": precision},
        ]
        return [pd.DataFrame(t).round(6).to_csv(index=False) for t in tables]

    base, target = files(0.001), files(1.0)
    paths = ("plots/confusion.csv", "plots/roc.csv", "plots/precision_recall.csv")
    plots = [PlotInput(p, t, b) for p, t, b in zip(paths, target, base, strict=True)]
    epochs = "step,loss\n" + "".join(f"{i},{1 / (i + 1):.6f}\n" for i in range(n))
    plots.append(PlotInput("plots/train_loss.csv", epochs, None, "linear", "step", "loss"))
    plots.append(PlotInput("plots/residuals.csv", "predicted,residual\n1,0.5\n", None, "scatter"))
    return tuple(plots)


def realistic(gates: Sequence[GateResult] = (PASS, FAIL)) -> Report:
    c = comparison(
        {"accuracy": 0.91, "loss": 0.2, "n": 100, "extra": 1},
        {"accuracy": 0.93, "loss": 0.3, "n": 100, "extra": 2},
        params={"train.C": 1.0},
        outputs={"data/raw.csv": OutputInfo("m1", 1000, None, "data/raw.csv.dvc")},
    )
    trend = history([(0.88, 0.3), (0.9, 0.25), (0.91, 0.2)])
    return build_report(c, gates, trend, evaluation_plots())


def blocks(text: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)\n```$", text, flags=re.S | re.M)


# --- the verdict line --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gates", "line"),
    [
        (
            [PASS],
            "**✅ mlci: passed**: the merge rule passes; loss regressed, accuracy improved.",
        ),
        (
            [PASS, FAIL],
            "**❌ mlci: failed**: 1 of 2 merge rules failed: loss rose by 0.1, more than 0.01.",
        ),
        (
            [PASS, WARN],
            "**✅ mlci: passed**: 1 of 2 merge rules pass and 1 warns: no baseline: f1 is new.",
        ),
        (
            None,
            "**⚪ mlci: no merge rules ran**: no merge rules were evaluated; "
            "loss regressed, accuracy improved.",
        ),
    ],
)
def test_verdict_line_comes_first_and_says_why(gates: list[GateResult] | None, line: str) -> None:
    c = comparison({"accuracy": 0.91, "loss": 0.2}, {"accuracy": 0.93, "loss": 0.3})
    text = render_markdown(build_report(c, gates))
    assert text.splitlines()[:2] == [MARKER, line]


def test_failures_are_counted_and_listed_at_most_three() -> None:
    c = comparison({"accuracy": 0.9, "loss": 0.2}, {"accuracy": 0.9, "loss": 0.2})
    failing = [GateResult(f"rule {i}", "fail", reason=f"reason {i}.") for i in range(5)]
    report = build_report(c, [PASS, *failing])
    assert report.verdict.status == "failed"
    assert report.verdict.sentence == (
        "5 of 6 merge rules failed: reason 0; reason 1; reason 2; and 2 more."
    )
    text = render_markdown(report)
    # Failures first in the table, whatever order the gate gave.
    rules = re.findall(r"^\| (rule \d|accuracy: min 0\.9) \|", text, flags=re.M)
    assert rules == ["rule 0", "rule 1", "rule 2", "rule 3", "rule 4", "accuracy: min 0.9"]


def test_a_gate_verdict_outside_pass_warn_fail_is_refused() -> None:
    c = comparison({"accuracy": 0.9}, {"accuracy": 0.9})
    with pytest.raises(ValueError, match="'passed' is not pass, warn or fail"):
        build_report(c, [GateResult("r", "passed")])  # type: ignore[arg-type]


def test_the_gate_module_s_results_are_taken_as_they_are() -> None:
    gates = pytest.importorskip("mlci.compare.gates")
    result = gates.RuleResult(
        "accuracy: min 0.9", "accuracy", None, 0.85, 0.9, ">= 0.9", "fail", "below 0.9", {}
    )
    c = comparison({"accuracy": 0.9}, {"accuracy": 0.85})
    report = build_report(c, [result])
    assert report.gates == (GateResult("accuracy: min 0.9", "fail", 0.85, ">= 0.9", "below 0.9"),)


# --- metrics: arrows that say better or worse --------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "old", "new", "mark"),
    [
        ("accuracy", 0.90, 0.95, "🟢 ↑ better"),
        ("accuracy", 0.95, 0.90, "🔴 ↓ worse"),
        ("loss", 0.30, 0.20, "🟢 ↓ better"),  # lower is better: down is good
        ("loss", 0.20, 0.30, "🔴 ↑ worse"),
        ("loss", 0.2000, 0.2005, "⚪ ↑ within tolerance"),
        ("accuracy", 0.9, 0.9, "⚪ = same"),
        ("other", 1, 2, "🔵 ↑ changed (no direction in mlci.yaml)"),
    ],
)
def test_arrow_follows_the_metric_s_direction(
    metric: str, old: float, new: float, mark: str
) -> None:
    text = render_markdown(build_report(comparison({metric: old}, {metric: new})))
    name = metric if metric in SPEC.metrics else f"metrics.json:{metric}"
    (row,) = [line for line in text.splitlines() if line.startswith(f"| {name} |")]
    assert row.endswith(f"| {mark} |")


def test_metrics_table_has_base_pr_change_and_footnotes() -> None:
    text = render_markdown(build_report(comparison({"accuracy": 0.5}, {"loss": 0.1})))
    assert "| Metric | main | this PR | Change |  |" in text
    assert "| accuracy | 0.5 | (removed) |  | 🗑️ removed [1] |" in text
    assert "| loss | (new) | 0.1 |  | 🆕 new [2] |" in text
    assert "1. removed: feature's metrics.json has no key 'accuracy'" in text


# --- short by default ---------------------------------------------------------------------------


def test_the_metrics_table_shows_the_trivial_baseline_and_the_positive_class() -> None:
    # As DVC flattens metrics.json's {"baseline": {"accuracy": ...}}.
    old = {"accuracy": 0.91, "baseline.accuracy": 0.7, "positive_class": "churned"}
    new = {"accuracy": 0.93, "baseline.accuracy": 0.71, "positive_class": "churned"}
    text = render_markdown(build_report(comparison(old, new)))
    assert "Positive class: `churned` (precision, recall and f1 are about it)" in text
    assert "| Metric | main | this PR | Change |  | Trivial baseline |" in text
    assert "| accuracy | 0.91 | 0.93 | +0.02 (+2.20%) | 🟢 ↑ better | 0.71 |" in text
    # The baseline and the class describe the metrics; they are no metrics of their own.
    assert "baseline.accuracy" not in text and "metrics.json:positive_class" not in text


def test_only_the_verdict_metrics_rules_and_notes_are_open() -> None:
    report = realistic()
    text = render_markdown(report)
    open_part = re.sub(r"<details>.*?</details>", "", text, flags=re.S)
    headings = re.findall(r"^#### (.+)$", open_part, flags=re.M)
    assert headings == ["Metrics", "Merge rules"]
    summaries = re.findall(r"<details><summary>([^<]*)</summary>", text)
    assert summaries[:3] == [
        "Other metrics that changed, not declared in mlci.yaml (1)",
        "Params: 1 changed",
        "Data and outputs (DVC-tracked): 1 changed, 1 of them data files",
    ]
    assert "| metrics.json:extra | 1 | 2 | +1 (+100.00%) | 🔵 ↑ changed" in text


def test_a_trend_needs_three_commits_of_main() -> None:
    c = comparison({"accuracy": 0.91, "loss": 0.2}, {"accuracy": 0.93, "loss": 0.3})
    assert build_report(c, [], history([(0.9, 0.2), (0.91, 0.2)])).trends == ()
    (accuracy, loss) = build_report(c, [], history([(0.9, 0.2)] * 3)).trends
    assert [p.label for p in accuracy.points][-1] == "PR" and len(loss.points) == 4


def test_cells_are_cut_between_words_and_labels_keep_one_pair_of_brackets() -> None:
    words = "the quick brown fox jumps over the lazy dog " * 10
    cut = short(words, 50)
    assert cut == "the quick brown fox jumps over the lazy dog the…"
    assert short("x" * 60, 50) == "x" * 49 + "…"  # no space to cut at: cut where it must be
    assert revision_title("main (merge-base)", "a" * 40) == "main (merge-base, aaaaaaaaaaaa)"
    assert revision_title("main", "a" * 40) == "main (aaaaaaaaaaaa)"


# --- params, data, stages ----------------------------------------------------------------------


def test_params_data_and_stages_that_reran() -> None:
    old = {"data/raw.csv": OutputInfo("a", 1000, None, "data/raw.csv.dvc")}
    new = {"data/raw.csv": OutputInfo("b", 2048, None, "data/raw.csv.dvc")}
    stage = StageInputs("d1", "python train.py", {}, {"params.yaml": {"train.C": 1.0}})
    changed = StageInputs("d2", "python train.py", {}, {"params.yaml": {"train.C": 0.5}})
    base = snapshot("main", {}, {"train.C": 1.0}, old, {"train": stage})
    target = snapshot("feature", {}, {"train.C": 0.5}, new, {"train": changed})
    text = render_markdown(build_report(compare(base, target, SPEC)))
    assert "| `params.yaml` | `train.C` | changed | 1 → 0.5 |" in text
    assert "| `data/raw.csv` | modified | 1000 B → 2.0 KiB | data/raw.csv.dvc |" in text
    assert "| `train` | changed | params: train.C |" in text


# --- confusion matrix --------------------------------------------------------------------------


def test_confusion_matrix_counts_actual_down_and_predicted_across() -> None:
    target = "actual,predicted\ncat,cat\ncat,dog\ndog,dog\ndog,dog\nbird,cat\n"
    base = "actual,predicted\ncat,cat\ncat,cat\ndog,cat\ndog,dog\nbird,bird\n"
    c = comparison({"accuracy": 0.5}, {"accuracy": 0.6})
    report = build_report(c, plots=[PlotInput("confusion.csv", target, base)])
    (matrix,) = report.plots.confusions
    assert matrix.labels == ("bird", "cat", "dog")
    assert matrix.counts == ((0, 1, 0), (0, 1, 1), (0, 0, 2))
    text = render_markdown(report)
    table = text[text.index("| actual ↓") :].split("\n\n")[0]
    assert table.splitlines() == [
        "| actual ↓ · predicted → | bird | cat | dog |",
        "|--:|--:|--:|--:|",
        "| **bird** | **0** (-1) | 1 (+1) | 0 |",
        "| **cat** | 0 | **1** (-1) | 1 (+1) |",
        "| **dog** | 0 | 0 (-1) | **2** (+1) |",
    ]
    assert "3 of 5 right (60.0%) in `confusion.csv`." in text


def test_numeric_classes_sort_as_numbers_and_named_columns_are_used() -> None:
    text = "y_true,y_pred\n10,10\n2,2\n2,10\n"
    plot = PlotInput("c.csv", text, None, "confusion", "y_true", "y_pred")
    report = build_report(comparison({"accuracy": 1}, {"accuracy": 1}), plots=[plot])
    (matrix,) = report.plots.confusions
    assert (matrix.labels, matrix.counts, matrix.base_counts) == (
        ("2", "10"),
        ((1, 1), (0, 1)),
        None,
    )


# --- curves and trend --------------------------------------------------------------------------


def test_curves_are_resampled_evenly_and_plots_not_drawn_are_listed() -> None:
    report = realistic()
    kinds = {c.path: c.kind for c in report.plots.curves}
    assert kinds == {
        "plots/roc.csv": "roc",
        "plots/precision_recall.csv": "precision-recall",
        "plots/train_loss.csv": "line",
    }
    for found in report.plots.curves:
        assert len(found.x) == 21 and all(len(s.y) == 21 for s in found.series)
    roc = report.plots.curves[0]
    assert [s.side for s in roc.series] == ["base", "target"]
    assert roc.x[0] == 0 and roc.x[-1] == 1 and roc.series[1].y[-1] == 1
    loss = report.plots.curves[2]
    assert loss.x[0] == 0 and loss.x[-1] == 199 and loss.series[0].y[0] == 1
    assert report.plots.skipped == (
        ("plots/residuals.csv", "not a confusion matrix or a curve (scatter plots are not drawn)"),
    )


def test_trend_is_main_then_the_pr() -> None:
    report = realistic()
    accuracy, loss = report.trends
    assert [(p.label, p.value) for p in accuracy.points] == [
        ("0000000", 0.88),
        ("0000001", 0.9),
        ("0000002", 0.91),
        ("PR", 0.93),
    ]
    assert loss.points[-1].value == 0.3  # matched by file and key: ./metrics.json is metrics.json


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.1, "0.1"), (1e-05, "0.00001"), (3.0, "3"), (-0.0, "0"), (-2.5, "-2.5"), (1e-9, "0")],
)
def test_numbers_in_charts_are_plain_decimals(value: float, text: str) -> None:
    assert decimal(value) == text


# --- trimming ----------------------------------------------------------------------------------


def huge(n: int = 3000) -> Report:
    """Thousands of metrics, params and outputs, long notes, and every kind of plot."""
    many = {f"m{i:04d}": i for i in range(n)}
    quiet = {f"q{i:04d}": 1 for i in range(n // 6)}
    old = {"accuracy": 0.91, "loss": 0.2, **quiet}
    new = {"accuracy": 0.93, "loss": 0.3, **quiet, **many}
    params = {f"train.p{i:04d}": i for i in range(n)}
    outputs = {f"data/f{i:04d}.csv": OutputInfo(str(i), i, None, "s") for i in range(n)}
    base = snapshot("main", old, params, outputs)
    target = snapshot("feature", new, {}, {}, {}, "b" * 40)
    c = compare(base, target, SPEC)
    notes = tuple(f"note {i}: " + "x" * 150 for i in range(n // 8))
    stages = tuple(StageChange(f"s{i:04d}", "changed", ("deps: x",)) for i in range(n // 10))
    c = Comparison(c.base, c.target, c.baseline, c.metrics, c.params, c.outputs, stages, notes)
    trend = history([(0.9 + i / 1000, 0.3 - i / 1000) for i in range(40)])
    return build_report(c, [PASS, FAIL], trend, evaluation_plots())


def test_a_huge_report_fits_a_comment_and_says_what_it_trimmed() -> None:
    report = huge()
    assert size(markdown(report, 10**9).text) > 5 * COMMENT_LIMIT
    result = markdown(report)
    assert size(result.text) <= COMMENT_LIMIT
    assert result.text.startswith(f"{MARKER}\n**❌ mlci: failed**")
    # Whole parts went first, least important first; the tables were still too long, so they
    # keep their first rows and the parts that then fit came back.
    assert result.trimmed == ("table rows beyond the first 100",)
    note = result.text.rstrip().splitlines()[-1]
    assert note == (
        "> Trimmed to stay under GitHub's 65,536-character limit for a comment: left out "
        "table rows beyond the first 100. `mlci report --format json` has everything."
    )
    assert "| accuracy | 0.91 | 0.93 |" in result.text  # declared metrics come first
    # Undeclared metrics have a table of their own, cut like every other.
    assert "| metrics.json:m0099 |" in result.text and "m0100" not in result.text
    assert "_…and 2900 more, left out to fit (see `--format json`)._" in result.text
    assert len(blocks(result.text)) == 5 and "❌ fail" in result.text
    # JSON is never trimmed.
    data = json.loads(render_json(report))
    assert len(data["comparison"]["params"]) == 3000 and len(data["curves"]) == 3


def trims(report: Report, limits: range | list[int]) -> list[tuple[str, ...]]:
    """Each distinct `trimmed` as the limit shrinks; every text within its limit."""
    seen: list[tuple[str, ...]] = []
    for limit in limits:
        result = markdown(report, limit)
        assert size(result.text) <= limit
        if not seen or seen[-1] != result.trimmed:
            seen.append(result.trimmed)
    return seen


def parts(trimmed: tuple[str, ...]) -> tuple[str, ...]:
    """The whole parts left out, which must be the least important ones."""
    dropped = tuple(t for t in trimmed if t in TRIM_ORDER)
    assert dropped == TRIM_ORDER[: len(dropped)], trimmed
    assert len(trimmed) - len(dropped) <= 1, trimmed  # and at most one row cap or the cut
    return dropped


def test_parts_go_one_by_one_least_important_first() -> None:
    c = comparison(
        {"accuracy": 0.91, "loss": 0.2, "quiet": 1, "other": 1},
        {"accuracy": 0.93, "loss": 0.3, "quiet": 1, "other": 2},
        params={f"p{i}": i for i in range(12)},
        outputs={"out.csv": OutputInfo("a", 1, None, "train")},
    )
    stages = (StageChange("train", "changed", ("params: p0",)),)
    notes = ("n" * 50,)
    c = Comparison(c.base, c.target, c.baseline, c.metrics, c.params, c.outputs, stages, notes)
    trend = history([(0.9, 0.2), (0.91, 0.2), (0.92, 0.2)])  # a trend needs three commits
    report = build_report(c, [PASS], trend, evaluation_plots())
    full = size(markdown(report, 10**6).text)
    seen = trims(report, range(full, 700, -5))
    # Cutting the 12-row params table to 5 rows costs no part, so it comes first; then parts
    # go, least important first, one at a time, each time with the tables whole again while
    # they fit; last, the text is cut.
    assert seen[:3] == [(), ("table rows beyond the first 5",), ("the evaluation curves",)]
    dropped = [parts(s) for s in seen[:-1]]
    assert dropped == sorted(dropped, key=len)
    assert {len(d) for d in dropped} == set(range(len(TRIM_ORDER) + 1))
    assert seen[-1] == (*TRIM_ORDER, "the end of the report")


def test_a_huge_report_shrinks_in_the_same_order() -> None:
    report = huge(1000)
    full = size(markdown(report, 10**9).text)
    limits = sorted({int(full * 0.8**k) for k in range(40) if full * 0.8**k > 2000}, reverse=True)
    seen = trims(report, limits)
    for trimmed in seen:
        parts(trimmed)
    assert len(seen) > 5 and seen[0] == ()


def test_nothing_trimmed_no_note_and_a_tiny_limit_still_holds() -> None:
    report = realistic()
    result = markdown(report)
    assert result.trimmed == () and "[!NOTE]" not in result.text
    small = markdown(report, 500)
    assert size(small.text) <= 500 and small.text.startswith(MARKER)
    assert small.trimmed[-1] == "the end of the report"


# --- JSON --------------------------------------------------------------------------------------


def test_json_round_trip_gives_the_same_report() -> None:
    report = realistic([PASS, WARN])
    text = render_json(report)
    data = json.loads(text)
    assert sorted(data) == [
        "comparison",
        "confusion",
        "curves",
        "gates",
        "notices",
        "rules_source",
        "skipped_plots",
        "trends",
        "verdict",
        "version",
    ]
    assert data["verdict"] == {"status": "passed", "sentence": report.verdict.sentence}
    assert data["gates"][1] == {
        "rule": "f1: min 0.8",
        "verdict": "warn",
        "value": None,
        "threshold": ">= 0.8",
        "reason": "no baseline: f1 is new",
    }
    again = from_json(text)
    assert render_json(again) == text
    assert render_markdown(again) == render_markdown(report)
    assert again.trends == report.trends and again.plots == report.plots


def test_json_without_gates_and_a_wrong_document() -> None:
    report = build_report(comparison({"accuracy": 1}, {"accuracy": 1}))
    assert json.loads(render_json(report))["gates"] is None
    assert from_json(render_json(report)).gates is None
    with pytest.raises(ValueError, match="version 1"):
        from_json('{"version": 2}')
    with pytest.raises(ValueError, match="not an mlci report document"):
        from_json('{"version": 1}')


# --- Mermaid's own parser ----------------------------------------------------------------------


MermaidParse = Callable[[list[str]], list[dict[str, Any]]]


@functools.cache
def mermaid_parser() -> MermaidParse | None:
    """Parse blocks with the `mermaid` npm package under Node (installed on first use).

    Each result is {ok, type, config, chart} or {ok: false, error} (see tests/mermaid/parse.mjs);
    None when Node.js or npm is not on PATH.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None
    installed = MERMAID / "node_modules" / ".package-lock.json"  # npm writes it last
    lock = MERMAID / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=MERMAID,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, f"npm ci in {MERMAID} failed:\n{done.stderr}"

    def parse(texts: list[str]) -> list[dict[str, Any]]:
        done = subprocess.run(
            [node, "parse.mjs"],
            cwd=MERMAID,
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode in (0, 1), done.stderr
        results: list[dict[str, Any]] = json.loads(done.stdout)
        assert (done.returncode == 0) == all(r["ok"] for r in results)
        return results

    return parse


@pytest.fixture(scope="session")
def mermaid_parse() -> MermaidParse:
    parse = mermaid_parser()
    if parse is None:
        pytest.skip("Node.js and npm run Mermaid's parser; neither is on PATH")
    return parse


@pytest.mark.slow
def test_every_chart_block_parses_with_mermaid(mermaid_parse: MermaidParse) -> None:
    charts = blocks(render_markdown(realistic()))
    assert len(charts) == 5  # two trends; ROC, precision-recall and the training loss
    results = mermaid_parse(charts)
    assert [(r["ok"], r["type"]) for r in results] == [(True, "xychart")] * len(charts), results
    palettes = [r["config"]["themeVariables"]["xyChart"]["plotColorPalette"] for r in results]
    assert palettes == ["#0969da"] * 2 + ["#8c959f, #0969da"] * 2 + ["#0969da"]
    assert [r["chart"]["title"] for r in results] == [
        "accuracy: 3 commits of main, then this PR",
        "loss: 3 commits of main, then this PR",
        "ROC: plots/roc.csv",
        "Precision-recall: plots/precision_recall.csv",
        "loss: plots/train_loss.csv",
    ]


@pytest.mark.slow
def test_a_broken_block_fails_the_mermaid_check(mermaid_parse: MermaidParse) -> None:
    good = blocks(render_markdown(realistic()))[0]
    broken = [
        good.replace("line [", "line [1e-05, "),  # an exponent: not in xychart's grammar
        good.replace("x-axis [", "x-axis ["),  # unchanged: still fine
        good.replace("]\n    y-axis", "\n    y-axis"),  # an unclosed list
    ]
    results = mermaid_parse(broken)
    assert [r["ok"] for r in results] == [False, True, False]
    assert "Expecting" in results[0]["error"]


# --- from a real repository --------------------------------------------------------------------

DVC_YAML = """\
stages:
  evaluate:
    cmd: python evaluate.py
    metrics:
    - metrics.json:
        cache: false
    plots:
    - confusion.csv:
        cache: false
        template: confusion
        x: actual
        y: predicted
"""


@pytest.mark.slow
def test_a_report_from_a_real_repository_parses_with_mermaid(
    repo: Repo, mermaid_parse: MermaidParse
) -> None:
    for i, accuracy in enumerate((0.80, 0.84, 0.83, 0.87)):
        metrics = json.dumps({"accuracy": accuracy, "loss": round(1 - accuracy, 2)})
        confusion = "actual,predicted\n" + "1,1\n" * (8 + i) + "0,1\n" * (4 - i) + "0,0\n" * 5
        files = {"dvc.yaml": DVC_YAML, "metrics.json": metrics, "confusion.csv": confusion}
        repo.commit(files, f"accuracy {accuracy}")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write({"metrics.json": '{"accuracy": 0.9, "loss": 0.1}\n'})
    columns = [MetricColumn(n, "metrics.json", n, d) for n, d in SPEC_DIRECTIONS]
    main = read_history(repo.root, "main", 10, columns)
    from mlci.gitbatch import GitObjects

    with GitObjects(repo.root) as objects:
        reader = RevisionReader(repo.root, objects)
        base_sha = repo.git("rev-parse", "main").strip()
        old, new = snapshots(reader, (base_sha, "main"), (None, "workspace"))
        plot = PlotInput(
            "confusion.csv",
            (reader.read_file(None, "confusion.csv") or b"").decode(),
            (reader.read_file(base_sha, "confusion.csv") or b"").decode(),
            "confusion",
        )
    report = build_report(compare(old, new, SPEC), [PASS], main, [plot])
    text = render_markdown(report)
    assert text.splitlines()[1].startswith("**✅ mlci: passed**: the merge rule passes;")
    assert [p.value for p in report.trends[0].points] == [0.8, 0.84, 0.83, 0.87, 0.9]
    charts = blocks(text)
    assert len(charts) == 2
    assert all(r["ok"] for r in mermaid_parse(charts))


SPEC_DIRECTIONS = (("accuracy", "higher"), ("loss", "lower"))
