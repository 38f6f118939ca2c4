"""What `mlci report` says: its content, gathered from the comparison and the merge rules,
and its verdict (pure: no text layout here; mlci.present.report lays it out)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from mlci.compare.diff import Comparison, MetricRow
from mlci.dvc.metrics_file import Value
from mlci.present.charts import PlotInput, Plots, Trend, read_plots, trends
from mlci.present.comparison_text import metric_name
from mlci.present.mermaid import Side
from mlci.present.tables import short
from mlci.revision.history import History

MAX_REASONS = 3
"""Rules (or metrics) the verdict's sentence names before it says "and N more"."""
PR_LABEL = "this PR"

GateVerdict = Literal["pass", "warn", "fail"]
Status = Literal["passed", "failed", "no-rules"]
_GATE_VERDICTS: dict[str, GateVerdict] = {"pass": "pass", "warn": "warn", "fail": "fail"}
_ONE_OF = "pass, warn or fail"


# --- input: merge-rule results -----------------------------------------------------------------


class GateResultLike(Protocol):
    """What the report needs of one evaluated merge rule (compare.gates hands its own)."""

    @property
    def rule(self) -> str:
        """The rule as the spec writes it: `accuracy: min 0.9, max_regression 0.01`."""

    @property
    def verdict(self) -> str:
        """pass, warn or fail."""

    @property
    def value(self) -> object:
        """The value the rule looked at (None when there is none)."""

    @property
    def threshold(self) -> object:
        """The limit it was held to, e.g. `>= 0.94 (main 0.95 - 0.01)`; None if none."""

    @property
    def reason(self) -> str:
        """Why, in one clause: `accuracy 0.85 is below the floor 0.9`."""


@dataclass(frozen=True)
class GateResult:
    rule: str
    verdict: GateVerdict
    value: Value | None = None
    threshold: Value | None = None
    reason: str = ""


def gate_result(result: GateResultLike) -> GateResult:
    verdict = _GATE_VERDICTS.get(result.verdict)
    if verdict is None:
        raise ValueError(f"merge rule {result.rule!r}: verdict {result.verdict!r} is not {_ONE_OF}")
    return GateResult(
        result.rule, verdict, _plain(result.value), _plain(result.threshold), result.reason
    )


def _plain(value: object) -> Value | None:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportVerdict:
    status: Status
    sentence: str
    """Why, in one sentence, without the status word."""


@dataclass(frozen=True)
class Report:
    verdict: ReportVerdict
    comparison: Comparison
    gates: tuple[GateResult, ...] | None
    """None when no merge rules ran."""
    trends: tuple[Trend, ...] = ()
    plots: Plots = field(default_factory=Plots)
    rules_source: str = ""
    """Whose merge rules judged the change: the base's (`main (1a2b3c4d5e6f)`)."""
    notices: tuple[str, ...] = ()
    """What a reviewer must know before the numbers: the change edits its own rules, a fork
    whose run could not read the DVC remote, ..."""


def build_report(
    comparison: Comparison,
    gates: Iterable[GateResultLike] | None = None,
    history: History | None = None,
    plots: Iterable[PlotInput] = (),
    branch: str = "main",
    rules_source: str = "",
    notices: Sequence[str] = (),
) -> Report:
    """The report's content: `history` is main's (for the trend), `plots` the plot files."""
    results = None if gates is None else tuple(gate_result(g) for g in gates)
    labels: dict[Side, str] = {"base": comparison.base.label, "target": PR_LABEL}
    return Report(
        verdict=decide(comparison, results),
        comparison=comparison,
        gates=results,
        trends=trends(history, comparison.metrics, branch) if history is not None else (),
        plots=read_plots(plots, labels),
        rules_source=rules_source,
        notices=tuple(notices),
    )


def decide(comparison: Comparison, gates: Sequence[GateResult] | None) -> ReportVerdict:
    moved = _movement(comparison)
    if gates is None:
        return ReportVerdict("no-rules", f"no merge rules were evaluated; {moved}")
    if not gates:
        return ReportVerdict("no-rules", f"mlci.yaml sets no merge rules; {moved}")
    failed = [g for g in gates if g.verdict == "fail"]
    warned = [g for g in gates if g.verdict == "warn"]
    if failed:
        return ReportVerdict(
            "failed", f"{len(failed)} of {_rules(len(gates))} failed: {_reasons(failed)}."
        )
    if warned:
        passing = len(gates) - len(warned)
        return ReportVerdict(
            "passed",
            f"{passing} of {_rules(len(gates))} pass and {len(warned)} "
            f"warn{'s' * (len(warned) == 1)}: {_reasons(warned)}.",
        )
    every = "the merge rule passes" if len(gates) == 1 else f"all {len(gates)} merge rules pass"
    return ReportVerdict("passed", f"{every}; {moved}")


def _rules(count: int) -> str:
    return f"{count} merge rule{'s' * (count != 1)}"


def _reasons(gates: Sequence[GateResult]) -> str:
    shown = [short(g.reason or g.rule).rstrip(". ") for g in gates[:MAX_REASONS]]
    more = len(gates) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more else "")


def _movement(comparison: Comparison) -> str:
    """Which declared metrics got better or worse, in words: by their intervals on the same
    rows where there are some, else by their values."""
    declared = [row for row in comparison.metrics if row.name is not None]
    paired = comparison.same_rows.paired if comparison.same_rows else None
    intervals = paired.metrics if paired is not None else {}
    words = {"worse": "regressed", "better": "improved", "within noise": "unchanged"}

    def verdict_of(row: MetricRow) -> str:
        interval = intervals.get(row.name or "")
        return words[interval.verdict] if interval is not None else row.verdict

    parts = [
        f"{_names(moved)} {verdict}"
        for verdict in ("regressed", "improved")
        if (moved := [short(metric_name(r)) for r in declared if verdict_of(r) == verdict])
    ]
    if parts and intervals:
        return ", ".join(parts) + " beyond noise."
    if parts:
        return ", ".join(parts) + "."
    if not declared:
        return "mlci.yaml declares no metrics."
    if intervals:
        return "no declared metric moved beyond noise."
    return "no declared metric moved beyond its tolerance."


def _names(names: Sequence[str]) -> str:
    if len(names) > MAX_REASONS:
        return ", ".join(names[:MAX_REASONS]) + f" and {len(names) - MAX_REASONS} more"
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
