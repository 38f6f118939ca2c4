"""`mlci monitor`'s report as one self-contained HTML page: the verdicts, and per feature a
plot of the reference's and the window's shares in each bin, drawn as inline SVG.

Nothing is loaded from anywhere: no script, no font, no stylesheet beyond the page's own,
and a Content-Security-Policy that forbids the rest. Every name and label is escaped.
"""

from __future__ import annotations

import html
import math

from mlci.monitor.check import Bars, FeatureCheck
from mlci.present.monitor_markdown import VERDICT_MARK, headline
from mlci.usecases.monitor import MonitorReport

WIDTH, HEIGHT, MARGIN = 640, 220, 40
REFERENCE_COLOUR, CURRENT_COLOUR = "#9aa5b1", "#1f6feb"
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; }
figure { margin: 1.5rem 0; }
.drift { color: #cf222e; } .legend span { margin-right: 1rem; }
"""


def monitor_html(report: MonitorReport) -> str:
    check = report.check
    rows = [*check.features, *([check.prediction] if check.prediction is not None else [])]
    title = html.escape(headline(report))
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{title}</title><style>{STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
        f"<p>Current window: {html.escape(report.current)}. "
        f"Reference: {html.escape(report.reference)}.</p>",
        "<table><tr><th>Feature</th><th>Verdict</th><th>Effect</th><th>Threshold</th>"
        "<th>p-value</th><th>Rows (reference / window)</th></tr>",
    ]
    for feature in rows:
        parts.append(_row(feature, feature is check.prediction))
    parts.append("</table>")
    parts += _performance(report)
    parts.append(
        '<p class="legend">'
        f'<span style="color:{REFERENCE_COLOUR}">&#9632; reference</span>'
        f'<span style="color:{CURRENT_COLOUR}">&#9632; current window</span></p>'
    )
    for feature in rows:
        if feature.bars is not None:
            name = "(prediction)" if feature is check.prediction else feature.name
            parts.append(
                f"<figure><figcaption>{html.escape(name)}</figcaption>"
                f"{bars_svg(feature.bars)}</figure>"
            )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _performance(report: MonitorReport) -> list[str]:
    compared = report.performance
    if compared is None:
        return [f"<p>Performance: {html.escape(report.performance_note)}.</p>"]
    parts = [
        f"<p>Performance on {compared.rows:,} labelled rows, against the deploy-time "
        "evaluation:</p><table><tr><th>Metric</th><th>At deploy</th><th>Now</th>"
        "<th>Change [interval]</th><th>Verdict</th></tr>"
    ]
    for metric in compared.metrics.values():
        marked = ' class="drift"' if metric.verdict == "worse" else ""
        parts.append(
            f"<tr><td>{html.escape(metric.name)}</td><td>{metric.base:.4g}</td>"
            f"<td>{metric.change:.4g}</td><td>{metric.difference:+.4g} "
            f"[{metric.low:+.4g}, {metric.high:+.4g}]</td>"
            f"<td{marked}>{html.escape(metric.verdict)}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _row(feature: FeatureCheck, is_prediction: bool) -> str:
    name = "(prediction)" if is_prediction else feature.name
    effect = "" if math.isnan(feature.effect) else f"{feature.measure} {feature.effect:.3g}"
    p_value = "" if math.isnan(feature.p_value) else f"{feature.p_value:.2g}"
    marked = ' class="drift"' if feature.verdict == "drift" else ""
    return (
        f"<tr><td>{html.escape(name)}</td><td{marked}>{VERDICT_MARK[feature.verdict]}</td>"
        f"<td>{effect}</td><td>{feature.threshold:g}</td><td>{p_value}</td>"
        f"<td>{feature.reference_rows:,} / {feature.current_rows:,}</td></tr>"
    )


def bars_svg(bars: Bars) -> str:
    """Grouped bars, one group per bin: the reference's share, then the window's."""
    count = max(1, len(bars.labels))
    top = max([*bars.reference, *bars.current, 1e-9])
    slot = (WIDTH - 2 * MARGIN) / count
    plot = HEIGHT - 2 * MARGIN
    shapes = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEIGHT - MARGIN}" stroke="#57606a"/>',
    ]
    for index, label in enumerate(bars.labels):
        x = MARGIN + index * slot
        for offset, (share, colour) in enumerate(
            ((bars.reference[index], REFERENCE_COLOUR), (bars.current[index], CURRENT_COLOUR))
        ):
            height = plot * share / top
            shapes.append(
                f'<rect x="{x + slot * (0.1 + 0.4 * offset):.1f}" '
                f'y="{HEIGHT - MARGIN - height:.1f}" width="{slot * 0.38:.1f}" '
                f'height="{height:.1f}" fill="{colour}"><title>{100 * share:.1f}%</title></rect>'
            )
        shapes.append(
            f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - MARGIN + 14}" font-size="9" '
            f'text-anchor="middle">{html.escape(label[:18])}</text>'
        )
    shapes.append("</svg>")
    return "".join(shapes)
