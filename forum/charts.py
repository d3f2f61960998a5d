"""Small SVG charts, written as text: columns over days, and labelled horizontal bars.

The admin page puts them inline (the strict CSP forbids style attributes, so the look comes from
classes that static/css/forum.css styles, for light and dark mode alike; the presentation attributes
are what an SVG shows without that sheet), and `make bench` writes one to a file of its own
(`standalone=True` adds the namespace and a small <style> of its own, since no page surrounds it).

Each chart is an <svg role="img"> named by its <title> and described by its <desc>; the page beside
it holds the same numbers as a table for anyone who wants them exactly.
No charting library: two kinds of chart are a few dozen lines, and a library would bring JavaScript,
inline styles or a dependency tree larger than the forum's own chart needs.
"""

from collections.abc import Callable, Sequence
from itertools import count

from markupsafe import Markup, escape

_ids = count(1)

# The colours an SVG shows where no stylesheet of the forum applies (a bench.svg opened by itself).
_STANDALONE_STYLE = """<style>
.chart-bar { fill: #0b5cad; } .chart-text { fill: #1f2328; } .chart-axis { stroke: #57606a; }
.chart-rule { stroke: #d8dee4; } .chart-background { fill: #ffffff; }
@media (prefers-color-scheme: dark) {
  .chart-bar { fill: #7cb7ff; } .chart-text { fill: #e6e8ea; } .chart-axis { stroke: #a3acb5; }
  .chart-rule { stroke: #363c43; } .chart-background { fill: #1c2024; }
}
</style>"""


def _number(value: float) -> str:
    """A coordinate, short: 12 rather than 12.0, 3.5 rather than 3.5000001."""
    return f"{value:.1f}".removesuffix(".0")


def _open(title: str, desc: str, width: int, height: int, standalone: bool, id_prefix: str | None) -> list[str]:
    prefix = id_prefix or f"chart-{next(_ids)}"
    namespace = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    parts = [f'<svg{namespace} class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-labelledby="{prefix}-title {prefix}-desc" font-size="13" '
             f'font-family="system-ui, sans-serif">',
             f'<title id="{prefix}-title">{escape(title)}</title>',
             f'<desc id="{prefix}-desc">{escape(desc)}</desc>']
    if standalone:
        parts += [_STANDALONE_STYLE,
                  f'<rect class="chart-background" width="{width}" height="{height}" fill="#ffffff"/>']
    return parts


def _nice_ceiling(value: float) -> float:
    """The axis maximum: the smallest of 1, 2, 2.5 or 5 times a power of ten that is at least value."""
    if value <= 0:
        return 1
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - the loop above always returns


def _tick_label(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def columns(points: Sequence[tuple[str, int]], *, title: str, desc: str, label_every: int = 7,
            width: int = 400, standalone: bool = False, id_prefix: str | None = None) -> Markup:
    """A column per point (label, value), in order; every label_every-th label is written under its column.

    The values are counts: the middle grid line is drawn only where it falls on a whole number."""
    height, left, right, top, bottom = 180, 40, 22, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling = _nice_ceiling(max((value for _, value in points), default=0))
    parts = _open(title, desc, width, height, standalone, id_prefix)
    for fraction in (0, 0.5, 1):  # grid lines with their values, at 0, half and the top
        if (ceiling * fraction) != int(ceiling * fraction):
            continue
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line class="chart-rule" x1="{left}" x2="{width - right}" y1="{_number(y)}" '
                     f'y2="{_number(y)}" stroke="#d8dee4"/>')
        parts.append(f'<text class="chart-text" x="{left - 6}" y="{_number(y + 4)}" text-anchor="end" '
                     f'fill="#1f2328">{_tick_label(ceiling * fraction)}</text>')
    slot = plot_w / max(len(points), 1)
    gap = min(2.0, slot * 0.2)
    for index, (label, value) in enumerate(points):
        x = left + index * slot
        bar_h = plot_h * value / ceiling
        if bar_h:
            parts.append(f'<rect class="chart-bar" x="{_number(x + gap / 2)}" y="{_number(top + plot_h - bar_h)}" '
                         f'width="{_number(slot - gap)}" height="{_number(bar_h)}" fill="#0b5cad"/>')
        if index % label_every == 0:
            parts.append(f'<text class="chart-text" x="{_number(x + slot / 2)}" y="{height - 8}" '
                         f'text-anchor="middle" fill="#1f2328">{escape(label)}</text>')
    parts.append(f'<line class="chart-axis" x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
                 f'y2="{top + plot_h}" stroke="#57606a"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(rows: Sequence[tuple[str, float]], *, title: str, desc: str,
         value_label: Callable[[float], str] = _tick_label, ceiling: float | None = None,
         width: int = 400, label_width: int = 150, heading: bool = False, marker: tuple[float, str] | None = None,
         standalone: bool = False, id_prefix: str | None = None) -> Markup:
    """A horizontal bar per row (label, value), top to bottom, its label on the left and its value at its end;
    a label longer than fits in label_width is shortened with an ellipsis (the table beside has it whole).

    heading: the title is written above the bars too (for a chart with no page around it); marker: a
    dashed line across the bars at that value, with its label under it (e.g. a ceiling at 100%)."""
    label_w, value_w, row_h, bottom = label_width, 64, 26, 6
    top = 6 + (28 if heading else 0)
    bottom += 20 if marker else 0
    fits = int(label_width / 8)  # characters of about 8 units at font-size 13
    plot_w = width - label_w - value_w
    height = top + bottom + row_h * max(len(rows), 1)
    ceiling = ceiling or _nice_ceiling(max((value for _, value in rows), default=0))
    parts = _open(title, desc, width, height, standalone, id_prefix)
    if heading:
        parts.append(f'<text class="chart-text" x="8" y="20" font-weight="bold" fill="#1f2328">{escape(title)}</text>')
    for index, (label, value) in enumerate(rows):
        y = top + index * row_h
        bar_w = plot_w * min(value, ceiling) / ceiling
        text = label if len(label) <= fits else label[:fits - 1].rstrip() + "…"
        parts.append(f'<text class="chart-text" x="{label_w - 8}" y="{_number(y + row_h / 2 + 4)}" '
                     f'text-anchor="end" fill="#1f2328">{escape(text)}</text>')
        if bar_w:
            parts.append(f'<rect class="chart-bar" x="{label_w}" y="{_number(y + 4)}" width="{_number(bar_w)}" '
                         f'height="{row_h - 8}" fill="#0b5cad"/>')
        parts.append(f'<text class="chart-text" x="{_number(label_w + bar_w + 6)}" '
                     f'y="{_number(y + row_h / 2 + 4)}" fill="#1f2328">{escape(value_label(value))}</text>')
    parts.append(f'<line class="chart-axis" x1="{label_w}" x2="{label_w}" y1="{top}" y2="{height - bottom}" '
                 f'stroke="#57606a"/>')
    if marker:
        x = _number(label_w + plot_w * min(marker[0], ceiling) / ceiling)
        parts.append(f'<line class="chart-axis" x1="{x}" x2="{x}" y1="{top}" y2="{height - bottom}" '
                     f'stroke="#57606a" stroke-dasharray="4 3"/>')
        parts.append(f'<text class="chart-text" x="{x}" y="{height - 6}" text-anchor="end" '
                     f'fill="#1f2328">{escape(marker[1])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
