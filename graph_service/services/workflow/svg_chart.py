"""A horizontal bar chart as a standalone SVG document, written by hand (no plotting library).

The viewer's own fonts draw the labels, so Chinese department names render wherever the file is opened
(a browser, WPS, Word), which a rasterised chart would get right only with CJK fonts installed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

_FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
_LABEL_W = 240
_BAR_W = 400
_ROW_H = 28
_TOP = 56
_PAD = 16


def bar_chart(title: str, rows: Sequence[tuple[str, float | None]], *, note: str = "") -> str:
    """Bars of ``rows`` (label, share in [0, 1] or None for "nothing to measure"), one per line.

    Each bar is a ``rect`` with the label and the percentage as text; None draws no bar and "—".
    """
    width = _PAD * 2 + _LABEL_W + _BAR_W + 70
    height = _TOP + _ROW_H * max(1, len(rows)) + _PAD + (20 if note else 0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{_FONT}" font-size="13">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{_PAD}" y="28" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    x0 = _PAD + _LABEL_W
    for i, (label, share) in enumerate(rows):
        y = _TOP + i * _ROW_H
        parts.append(f'<text x="{x0 - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{x0}" y="{y + 4}" width="{_BAR_W}" height="{_ROW_H - 8}" fill="#eeeeee"/>')
        if share is None:
            parts.append(f'<text x="{x0 + _BAR_W + 8}" y="{y + 17}">—</text>')
            continue
        clamped = min(1.0, max(0.0, share))
        colour = "#2e7d32" if clamped >= 0.9 else "#f9a825" if clamped >= 0.6 else "#c62828"
        parts.append(
            f'<rect class="bar" x="{x0}" y="{y + 4}" width="{clamped * _BAR_W:.1f}" '
            f'height="{_ROW_H - 8}" fill="{colour}"><title>{escape(label)}: {clamped:.1%}</title></rect>'
        )
        parts.append(f'<text x="{x0 + _BAR_W + 8}" y="{y + 17}">{clamped:.1%}</text>')
    if not rows:
        parts.append(f'<text x="{x0}" y="{_TOP + 17}">—</text>')
    if note:
        parts.append(
            f'<text x="{_PAD}" y="{height - 10}" font-size="11" fill="#555555">{escape(note)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
