"""`mlci report --format json`: the report as its JSON document, and back (pure).

The document's keys are listed in mlci.present.report's docstring. `from_json` reads it
back, so that a later CI job can render the comment from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, TypeVar

from mlci.compare.diff import Baseline, Comparison, MetricRow, SideInfo
from mlci.compare.pipeline_changes import OutputChange, ParamChange, StageChange
from mlci.present import diff_format
from mlci.present.charts import Confusion, Curve, Plots, Trend, TrendPoint
from mlci.present.json_out import dataclass_data, json_text
from mlci.present.mermaid import Series
from mlci.present.report_model import GateResult, Report, ReportVerdict
from mlci.present.same_rows_text import from_json as same_rows_from_json
from mlci.revision.snapshot import MetricsRead, OutputInfo

JSON_VERSION = 1
T = TypeVar("T")


def to_json_data(report: Report) -> dict[str, Any]:
    """The documented JSON document as plain data (see mlci.present.report)."""
    gates = report.gates
    return {
        "version": JSON_VERSION,
        "verdict": {"status": report.verdict.status, "sentence": report.verdict.sentence},
        "comparison": diff_format.to_json_data(report.comparison),
        "gates": None if gates is None else [dataclass_data(g) for g in gates],
        "trends": [
            {**dataclass_data(t, skip="points"), "points": [dataclass_data(p) for p in t.points]}
            for t in report.trends
        ],
        "confusion": [dataclass_data(c) for c in report.plots.confusions],
        "curves": [
            {**dataclass_data(c, skip="series"), "series": [dataclass_data(s) for s in c.series]}
            for c in report.plots.curves
        ],
        "skipped_plots": [{"path": p, "reason": r} for p, r in report.plots.skipped],
        "rules_source": report.rules_source,
        "notices": list(report.notices),
    }


def render_json(report: Report) -> str:
    return json_text(to_json_data(report))


def from_json(text: str) -> Report:
    """A report from `render_json`'s text (NaN and infinities come back as their names)."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != JSON_VERSION:
        raise ValueError(f"not an mlci report document of version {JSON_VERSION}")
    try:
        return _report(data)
    except (KeyError, TypeError) as error:
        raise ValueError(f"not an mlci report document: {error!r}") from None


def _report(data: dict[str, Any]) -> Report:
    gates = data["gates"]
    return Report(
        verdict=ReportVerdict(data["verdict"]["status"], data["verdict"]["sentence"]),
        comparison=_comparison(data["comparison"]),
        gates=None if gates is None else tuple(_make(GateResult, g) for g in gates),
        trends=tuple(
            _make(Trend, {**t, "points": tuple(_make(TrendPoint, p) for p in t["points"])})
            for t in data["trends"]
        ),
        plots=Plots(
            tuple(_make(Confusion, c) for c in data["confusion"]),
            tuple(
                _make(Curve, {**c, "series": tuple(_make(Series, s) for s in c["series"])})
                for c in data["curves"]
            ),
            tuple((s["path"], s["reason"]) for s in data["skipped_plots"]),
        ),
        rules_source=data["rules_source"],
        notices=tuple(data["notices"]),
    )


def _make(kind: Callable[..., T], data: Mapping[str, Any]) -> T:
    """A dataclass from its JSON fields (lists back to tuples); keys it lacks are ignored."""
    names = [f.name for f in fields(kind)]  # type: ignore[arg-type]
    return kind(**{name: _tuples(data[name]) for name in names})


def _tuples(value: Any) -> Any:
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def _comparison(data: dict[str, Any]) -> Comparison:
    return Comparison(
        base=_side(data["base"]),
        target=_side(data["target"]),
        baseline=_make(Baseline, data["baseline"]),
        metrics=tuple(_make(MetricRow, row) for row in data["metrics"]),
        params=tuple(
            ParamChange(p["file"], p["key"], p["change"], p["old"], p["new"])
            for p in data["params"]
        ),
        outputs=tuple(
            OutputChange(o["path"], o["change"], _output(o["old"]), _output(o["new"]))
            for o in data["outputs"]
        ),
        stages=tuple(_make(StageChange, s) for s in data["stages"]),
        notes=tuple(data["notes"]),
        same_rows=same_rows_from_json(data.get("same_rows")),
    )


def _side(data: dict[str, Any]) -> SideInfo:
    files = {
        path: MetricsRead(
            path, read["state"], {}, read["message"], read["source"], read["md5"], read["declared"]
        )
        for path, read in data["files"].items()
    }
    return SideInfo(data["label"], data["revision"], data["has_pipeline"], data["has_lock"], files)


def _output(data: dict[str, Any] | None) -> OutputInfo | None:
    return None if data is None else _make(OutputInfo, data)
