"""Charts as server-drawn SVG: no JavaScript. Each chart stands beside its table, which is the
accessible form of the same numbers; the SVG is an image with a title (role="img")."""

from __future__ import annotations

from markupsafe import Markup, escape

from .tables import Table

WIDTH = 640
LABEL_WIDTH = 200
BAR_HEIGHT = 22
GAP = 6


def _number(value) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


def bars(table: Table, value_column: int = 1) -> Markup:
    """Horizontal bars: one per row, the label from column 0, the length from `value_column`."""
    rows = [r for r in table.rows if isinstance(r[value_column], int | float)]
    if not rows:
        return Markup("")
    top = max(r[value_column] for r in rows) or 1
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    span = WIDTH - LABEL_WIDTH - 60
    title_id = f"chart-{table.key}"
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{title_id}" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="{title_id}">{escape(str(table.title))}</title>']
    for index, row in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = max(1.0, span * row[value_column] / top) if row[value_column] else 0
        name = str(row[0])
        short = name if len(name) <= 18 else name[:17] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" class="chart__label">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" class="chart__bar"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 16}" class="chart__value">{escape(_number(row[value_column]))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def months(table: Table) -> Markup:
    """Columns per month: received (column 1) and closed (column 2) side by side."""
    rows = table.rows
    if not rows:
        return Markup("")
    height, base, left = 240, 200, 36
    top = max([max(r[1], r[2]) for r in rows] + [1])
    slot = (WIDTH - left - 10) / len(rows)
    bar = max(2.0, slot / 2 - 3)
    title_id = f"chart-{table.key}"
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{title_id}" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="{title_id}">{escape(str(table.title))}</title>',
             f'<line x1="{left}" y1="{base}" x2="{WIDTH - 10}" y2="{base}" class="chart__axis"/>',
             f'<text x="{left - 4}" y="14" text-anchor="end" class="chart__value">{top}</text>']
    for index, (month, received, closed) in enumerate(rows):
        x = left + index * slot + 2
        for offset, value, kind in ((0, received, "received"), (bar + 1, closed, "closed")):
            h = (base - 20) * value / top
            parts.append(f'<rect x="{x + offset:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'class="chart__bar chart__bar--{kind}"/>')
        if len(rows) <= 13 or index % 3 == 0:
            parts.append(f'<text x="{x + bar:.1f}" y="{base + 16}" text-anchor="middle" '
                         f'class="chart__label">{escape(month[2:])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def chart_for(table: Table) -> Markup:
    if table.chart == "bars":
        return bars(table, value_column=table.chart_value)
    if table.chart == "months":
        return months(table)
    return Markup("")
