"""A credit report as one printable HTML page (no scripts, styles inline, every value escaped)."""

from __future__ import annotations

from html import escape

from graph_service.services.reports.layout import Layout

_STYLE = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:2em;color:#111}
h1{text-align:center;letter-spacing:.5em}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}
th,td{border:1px solid #999;padding:4px 6px;font-size:12px;vertical-align:top;text-align:left}
th{background:#eee}dl{display:grid;grid-template-columns:10em 1fr;gap:2px 1em}dt{font-weight:bold}
footer{font-size:11px;color:#444;border-top:1px solid #999;padding-top:.5em}
@media print{body{margin:0}}
"""


def render_html(page: Layout) -> str:
    """The report page; the same cells as the PDF."""
    parts = [
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(page.title)} {escape(page.facts[0][1])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(page.title)}</h1><dl>",
        *(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in page.facts),
        "</dl>",
    ]
    for table in page.tables:
        parts.append(f"<h2>{escape(table.title)}</h2>")
        if not table.rows:
            parts.append(f"<p>{escape(table.empty)}</p>")
            continue
        head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
        )
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append(f"<footer>{escape(page.footer)}</footer></body></html>")
    return "".join(parts)
