"""The comparison on the same rows in words: which rows, each interval, what the rows can
detect. Plain text here; the report escapes it for Markdown, the terminal makes it inert."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlci.compare.same_rows import SameRows
    from mlci.scoring.paired import MetricInterval

MARKS = {"better": "🟢 better", "within noise": "⚪ within noise", "worse": "🔴 worse"}


def rows_line(same_rows: SameRows) -> str:
    """On which rows the sides were compared, and with what confidence; or why not."""
    paired = same_rows.paired
    message = same_rows.message
    if same_rows.digests and same_rows.state != "same":
        base, change = (digest[:12] for digest in same_rows.digests)
        message = f"{message} (evaluation data {base} → {change})"
    if paired is None or not same_rows.matched:
        return message
    settings = paired.settings
    how = (
        f"{settings.confidence:.0%} paired-bootstrap intervals of the change "
        f"({settings.resamples:,} resamples, seed {settings.seed})"
    )
    return f"{message}; {how}"


def interval_text(interval: MetricInterval) -> str:
    """`+0.0058 [-0.012, +0.023]`: the change and its interval."""
    return f"{interval.difference:+.4g} [{interval.low:+.4g}, {interval.high:+.4g}]"


def p_text(interval: MetricInterval) -> str:
    shown = f"{interval.p_value:.2g}" if interval.p_value >= 0.001 else "< 0.001"
    return f"p {shown} ({interval.test})"


def detectable_line(same_rows: SameRows) -> str:
    """The smallest difference of each metric the rows detect, with 80% power."""
    paired = same_rows.paired
    if paired is None or not paired.metrics:
        return ""
    sizes = ", ".join(f"{name} {m.detectable:.2g}" for name, m in paired.metrics.items())
    return f"Smallest difference these {paired.rows:,} rows detect (80% power): {sizes}."


def averaging_line(same_rows: SameRows) -> str:
    """How metrics of several classes are averaged, when it needs saying."""
    paired = same_rows.paired
    if paired is None:
        return ""
    said = {m.averaging for m in paired.metrics.values() if "macro" in m.averaging}
    named = [name for name, m in paired.metrics.items() if m.averaging in said]
    if not named:
        return ""
    return f"{', '.join(named)}: {'; '.join(sorted(said))}."


def skipped_lines(same_rows: SameRows) -> list[str]:
    paired = same_rows.paired
    if paired is None:
        return []
    return [f"No interval for {name}: {why}" for name, why in paired.skipped.items()]


def text_lines(same_rows: SameRows) -> list[str]:
    """The terminal's section: one line per metric."""
    lines = ["On the same rows", f"  {rows_line(same_rows)}"]
    paired = same_rows.paired
    for name, interval in (paired.metrics if paired else {}).items():
        verdict = interval.verdict
        lines.append(f"  {name}: {interval_text(interval)}  {verdict}, {p_text(interval)}")
    extra = [detectable_line(same_rows), averaging_line(same_rows), *skipped_lines(same_rows)]
    lines += [f"  {line}" for line in (*same_rows.notes, *extra) if line]
    return lines


def to_json(same_rows: SameRows) -> dict[str, Any]:
    paired = same_rows.paired
    return {
        "state": same_rows.state,
        "message": same_rows.message,
        "notes": list(same_rows.notes),
        "evaluation_data": (
            dict(zip(("base", "target"), same_rows.digests, strict=True))
            if same_rows.digests
            else None
        ),
        "rows": paired.rows if paired else None,
        "confidence": paired.settings.confidence if paired else None,
        "resamples": paired.settings.resamples if paired else None,
        "seed": paired.settings.seed if paired else None,
        "metrics": {
            name: {
                "scorer": m.scorer,
                "direction": m.direction,
                "base": m.base,
                "target": m.change,
                "change": m.difference,
                "low": m.low,
                "high": m.high,
                "verdict": m.verdict,
                "p_value": m.p_value,
                "test": m.test,
                "detectable": m.detectable,
                "averaging": m.averaging,
            }
            for name, m in (paired.metrics if paired else {}).items()
        },
        "skipped": dict(paired.skipped) if paired else {},
    }


def from_json(data: dict[str, Any] | None) -> SameRows | None:
    """`to_json`'s document read back (a later CI job renders the report from it)."""
    if data is None:
        return None
    from mlci.compare.same_rows import SameRows
    from mlci.scoring.paired import MetricInterval, PairedComparison, Settings

    paired = None
    if data["rows"] is not None:
        settings = Settings(data["confidence"], data["resamples"], data["seed"])
        metrics = {
            name: MetricInterval(
                name=name,
                scorer=m["scorer"],
                direction=str(m["direction"]),
                base=m["base"],
                change=m["target"],
                low=m["low"],
                high=m["high"],
                p_value=m["p_value"],
                test=m["test"],
                detectable=m["detectable"],
                averaging=m["averaging"],
            )
            for name, m in data["metrics"].items()
        }
        paired = PairedComparison(data["rows"], settings, metrics, dict(data["skipped"]))
    digests = data.get("evaluation_data")
    pair = (digests["base"], digests["target"]) if digests else None
    return SameRows(data["state"], data["message"], paired, tuple(data["notes"]), pair)
