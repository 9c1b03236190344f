"""Charts drawn on the server as SVG: no script, no chart service, text a screen reader can read.

Each chart is an ``<svg role="img">`` with a title and a description, colours set as
attributes (the Content-Security-Policy allows no inline style), and every bar labelled with
its number; the pages show the same numbers in a table beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

COLOURS = {"deny": "#b3261e", "indeterminate": "#8a5a00", "allow": "#1a7f37", "not_applicable": "#57606a"}
TEXT = "#1f2328"


def bar_chart(rows: Sequence[tuple[str, int]], *, title: str, chart_id: str, width: int = 720) -> Markup:
    """Horizontal bars, one per row (label, count), longest first as given."""
    bar_h, gap, label_w = 22, 8, 300
    height = max(1, len(rows)) * (bar_h + gap) + 10
    top = max((n for _, n in rows), default=0) or 1
    usable = width - label_w - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
             f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
             f'<title id="{chart_id}-t">{escape(title)}</title>',
             f'<desc id="{chart_id}-d">{escape("; ".join(f"{k}: {n}" for k, n in rows) or "ingen data")}</desc>']
    for i, (name, count) in enumerate(rows):
        y = 5 + i * (bar_h + gap)
        w = max(2, round(usable * count / top))
        shown = name if len(name) <= 44 else name[:43] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13" fill="{TEXT}">'
                     f"{escape(shown)}</text>")
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{COLOURS["deny"]}" rx="2"/>')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 16}" font-size="13" fill="{TEXT}">{count}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def buckets(start: dt.date, end: dt.date) -> list[dt.date]:
    """One bucket a day from start to end (at most 62; longer spans are taken a week at a time)."""
    days = (end - start).days + 1
    step = 1 if days <= 62 else 7
    return [start + dt.timedelta(days=d) for d in range(0, days, step)]


def timeline_chart(series: Sequence[tuple[str, Mapping[str, int]]], *, title: str, chart_id: str,
                   labels: Mapping[str, str], width: int = 720) -> Markup:
    """Stacked columns over time: series is [(bucket label, {decision: count})] in order."""
    height, left, bottom, top_pad = 240, 40, 40, 10
    plot_h = height - bottom - top_pad
    n = max(1, len(series))
    col_w = (width - left - 10) / n
    top = max((sum(c.values()) for _, c in series), default=0) or 1
    desc = "; ".join(f"{name}: " + ", ".join(f"{labels.get(k, k)} {v}" for k, v in c.items() if v)
                     for name, c in series if sum(c.values())) or "ingen avgjørelser i perioden"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
             f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
             f'<title id="{chart_id}-t">{escape(title)}</title>', f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 10}" y2="{top_pad + plot_h}" '
             f'stroke="{TEXT}" stroke-width="1"/>',
             f'<text x="{left - 6}" y="{top_pad + 10}" text-anchor="end" font-size="12" fill="{TEXT}">{top}</text>',
             f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" font-size="12" fill="{TEXT}">0</text>']
    every = max(1, n // 8)
    for i, (name, counts) in enumerate(series):
        x = left + i * col_w + 1
        y = float(top_pad + plot_h)
        for key in ("deny", "indeterminate", "allow", "not_applicable"):
            value = counts.get(key, 0)
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(1.0, col_w - 2):.1f}" height="{h:.1f}" '
                         f'fill="{COLOURS[key]}"><title>{escape(name)}: {escape(labels.get(key, key))} {value}'
                         "</title></rect>")
        if i % every == 0:
            parts.append(f'<text x="{x + col_w / 2:.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                         f'font-size="11" fill="{TEXT}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = ["COLOURS", "bar_chart", "buckets", "timeline_chart"]
