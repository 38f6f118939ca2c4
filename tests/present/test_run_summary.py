"""The metrics `mlci run` ends with: declared ones first, the baseline beside, the class named."""

from __future__ import annotations

from mlci.present.run_summary import metrics_lines
from tests.present.test_report import comparison


def test_declared_metrics_with_their_baseline_and_the_positive_class() -> None:
    old = {"accuracy": 0.91, "loss": 0.2, "baseline.accuracy": 0.7, "positive_class": "yes"}
    new = {"accuracy": 0.93, "loss": 0.2, "baseline.accuracy": 0.7, "positive_class": "yes"}
    assert metrics_lines(comparison(old, new)) == [
        "metrics (change against main, positive class yes):",
        "  accuracy        0.93  +0.02  better  (baseline 0.7)",
        "  loss             0.2  unchanged",
    ]


def test_without_declared_metrics_every_metric_the_run_produced() -> None:
    c = comparison({}, {"extra": 2, "baseline.extra": 1})
    lines = metrics_lines(c)
    assert lines[0] == "metrics (change against main):"
    assert [line.split()[0] for line in lines[1:]] == ["metrics.json:extra"]
