"""Small horizontal bar charts as SVG text, made on the server (no browser, no script, nothing from elsewhere).

Every piece of text (a title, a judge's code or name) is escaped before it enters the SVG; numbers are formatted
here. Colours and sizes are presentation attributes (no style attribute: the pages' Content-Security-Policy allows
no inline styles). The chart scales with its container through its viewBox, so it fits a 360 px phone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

POSITIVE = "#2563eb"
NEGATIVE = "#d97706"
AXIS = "#6b7280"
TEXT = "#111827"
ROW = 24
TOP = 30
LABEL = 110
VALUE = 56


def _text(value: str) -> str:
    return escape(value, quote=True)


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    low: float | None = None,
    high: float | None = None,
    shown: Callable[[float], str] = lambda v: f"{v:+.2f}",
    width: int = 360,
    empty: str = "—",
) -> str:
    """One bar a label, from 0 towards its value; the scale runs from `low` to `high` (by default from the data,
    symmetric around 0 when any value is below it). A value of None (cannot be computed) shows `empty`."""
    values = [v for _, v in bars if v is not None and math.isfinite(v)]
    top = max([abs(v) for v in values], default=1.0) or 1.0
    lo = low if low is not None else (-top if any(v < 0 for v in values) else 0.0)
    hi = high if high is not None else top
    if hi <= lo:
        hi = lo + 1.0
    plot = width - LABEL - VALUE
    height = TOP + ROW * max(1, len(bars)) + 8

    def x(v: float) -> float:
        return LABEL + (min(max(v, lo), hi) - lo) / (hi - lo) * plot

    zero = x(0.0) if lo <= 0.0 <= hi else x(lo)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{_text(title)}" class="chart">',
        f"<title>{_text(title)}</title>",
        f'<text x="4" y="18" font-size="14" font-weight="bold" fill="{TEXT}">{_text(title)}</text>',
        f'<line x1="{zero:.1f}" y1="{TOP - 4}" x2="{zero:.1f}" y2="{height - 6}" stroke="{AXIS}" stroke-width="1"/>',
    ]
    for i, (label, value) in enumerate(bars):
        y = TOP + i * ROW
        short = label if len(label) <= 14 else label[:13] + "…"
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + 15}" font-size="12" text-anchor="end" fill="{TEXT}">{_text(short)}</text>'
        )
        if value is None or not math.isfinite(value):
            parts.append(f'<text x="{zero + 4:.1f}" y="{y + 15}" font-size="12" fill="{AXIS}">{_text(empty)}</text>')
            continue
        end = x(value)
        left, right = min(zero, end), max(zero, end)
        colour = POSITIVE if value >= 0 else NEGATIVE
        parts.append(
            f'<rect x="{left:.1f}" y="{y + 4}" width="{max(right - left, 1.0):.1f}" height="{ROW - 8}" '
            f'fill="{colour}"><title>{_text(label)}: {_text(shown(value))}</title></rect>'
        )
        parts.append(
            f'<text x="{width - 4}" y="{y + 15}" font-size="12" text-anchor="end" fill="{TEXT}">'
            f"{_text(shown(value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
