"""`mlci monitor`'s report as Markdown (the job summary, the issue's body) and as JSON data.

Feature names come from the training data, which a pull request can change: each goes
through the escape of the context it lands in.
"""

from __future__ import annotations

import math
from typing import Any

from mlci.monitor.check import FeatureCheck
from mlci.present.json_out import dataclass_data
from mlci.present.markdown_escape import cell_code, text
from mlci.usecases.monitor import MonitorReport

VERDICT_MARK = {
    "drift": "❌ drift",
    "no drift": "✅ no drift",
    "not enough data": "⚪ not enough data",
}


def headline(report: MonitorReport) -> str:
    check = report.check
    who = f"{report.model} {report.version} in {report.stage}"
    if report.breached:
        what = []
        if check.dataset_drift:
            what.append(f"{_share(check.drifted_share)} of its features drift")
        if check.prediction is not None and check.prediction.verdict == "drift":
            what.append("its predictions drift")
        if report.worse:
            what.append(f"{', '.join(report.worse)} fell since it was deployed")
        return f"mlci monitor: breach: {who}: " + " and ".join(what)
    if check.dataset_drift is None:
        return f"mlci monitor: not enough data: {who}"
    return f"mlci monitor: no breach: {who}"


def monitor_markdown(report: MonitorReport) -> str:
    check = report.check
    settings = check.settings
    lines = [
        f"## {text(headline(report))}",
        "",
        f"- Current window: {text(report.current)}, the newest {settings.window:,} rows at most",
        f"- Reference: {text(report.reference)}",
        f"- A feature drifts when its test gives p < {settings.drift.alpha:g} (the false-alarm "
        "rate) and its effect size reaches the threshold; under "
        f"{settings.min_rows:,} rows it is not judged. The dataset drifts when "
        f"{_share(settings.dataset_share)} of the features do.",
    ]
    if report.skipped:
        lines.append(
            f"- {report.skipped:,} lines of the log were not logged rows, and were skipped"
        )
    lines += [f"- Note: {text(note)}" for note in report.notes]
    lines += [
        "",
        "| Feature | Verdict | Effect | Threshold | p-value | Rows (reference / window) "
        "| Missing |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [*check.features, *([check.prediction] if check.prediction is not None else [])]
    lines += [_row(feature, feature is check.prediction) for feature in rows]
    lines += ["", *_performance_lines(report)]
    return "\n".join(lines) + "\n"


def _performance_lines(report: MonitorReport) -> list[str]:
    """The labelled rows' metrics against the deploy-time evaluation's, with intervals."""
    compared = report.performance
    if compared is None:
        return [f"Performance: {text(report.performance_note)}."]
    confidence = f"{100 * compared.settings.confidence:g}%"
    lines = [
        f"Performance on the window's {compared.rows:,} labelled rows, against the "
        f"version's own evaluation ({confidence} intervals of the change):",
        "",
        "| Metric | At deploy | Now | Change [interval] | Verdict |",
        "|---|---|---|---|---|",
    ]
    for metric in compared.metrics.values():
        lines.append(
            f"| {cell_code(metric.name)} | {metric.base:.4g} | {metric.change:.4g} | "
            f"{metric.difference:+.4g} [{metric.low:+.4g}, {metric.high:+.4g}] | "
            f"{'❌ worse' if metric.verdict == 'worse' else metric.verdict} |"
        )
    lines += [f"- {cell_code(name)}: {text(why)}" for name, why in compared.skipped.items()]
    return lines


def _row(feature: FeatureCheck, is_prediction: bool) -> str:
    name = "(prediction)" if is_prediction else cell_code(feature.name)
    effect = "" if math.isnan(feature.effect) else f"{feature.measure} {feature.effect:.3g}"
    p_value = "" if math.isnan(feature.p_value) else f"{feature.p_value:.2g} ({feature.test})"
    return (
        f"| {name} | {VERDICT_MARK[feature.verdict]} | {effect} | {feature.threshold:g} | "
        f"{p_value} | {feature.reference_rows:,} / {feature.current_rows:,} | "
        f"{_share(feature.missing)} |"
    )


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def monitor_data(report: MonitorReport) -> dict[str, Any]:
    """The report as a JSON document (`mlci monitor --json`)."""
    check = report.check
    return {
        "mlci_monitor": 1,
        "model": report.model,
        "version": report.version,
        "stage": report.stage,
        "commit": report.commit,
        "reference": report.reference,
        "current": report.current,
        "skipped_lines": report.skipped,
        "notes": list(report.notes),
        "breached": report.breached,
        "performance": _performance_data(report),
        "dataset_drift": check.dataset_drift,
        "drifted_share": check.drifted_share,
        "settings": check.settings.model_dump(mode="json"),
        "features": [_feature_data(f) for f in check.features],
        "prediction": _feature_data(check.prediction) if check.prediction else None,
    }


def _feature_data(feature: FeatureCheck) -> dict[str, Any]:
    data = dataclass_data(feature)
    for nested in ("numeric", "categorical", "bars"):
        value = getattr(feature, nested)
        data[nested] = dataclass_data(value) if value is not None else None
    return data


def _performance_data(report: MonitorReport) -> dict[str, Any]:
    compared = report.performance
    if compared is None:
        return {"note": report.performance_note}
    return {
        "rows": compared.rows,
        "confidence": compared.settings.confidence,
        "metrics": {
            name: {**dataclass_data(metric), "verdict": metric.verdict}
            for name, metric in compared.metrics.items()
        },
        "skipped": dict(compared.skipped),
        "worse": report.worse,
    }
