"""A credit report as PDF, drawn with fpdf2 in a CJK font embedded in the file.

The font is looked for where Linux distributions install WenQuanYi Micro Hei or Noto Sans CJK (CI installs
``fonts-wqy-microhei``); without one the report cannot be drawn, and :class:`ReportFontMissing` says what
to install rather than printing empty boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from graph_service.errors import GraphServiceError
from graph_service.services.reports.layout import Layout, Table

#: Where a CJK font is looked for, in order: (path, index of the face in a .ttc collection).
FONT_CANDIDATES: tuple[tuple[Path, int], ...] = (
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),  # face 2: Simplified Chinese
    (Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"), 2),
)
_FAMILY = "cjk"


class ReportFontMissing(GraphServiceError):
    """No CJK font is installed, so a PDF report cannot be drawn (HTML still can)."""

    status = 503
    title = "PDF reports unavailable"


def find_cjk_font(candidates: Sequence[tuple[Path, int]] = FONT_CANDIDATES) -> tuple[Path, int]:
    """The first installed CJK font; ``ReportFontMissing`` naming the paths tried otherwise."""
    for path, index in candidates:
        if path.is_file():
            return path, index
    tried = ", ".join(str(path) for path, _ in candidates)
    raise ReportFontMissing(
        f"no CJK font for PDF reports: tried {tried}. Install one (Debian/Ubuntu: apt-get install -y "
        "fonts-wqy-microhei) or ask for format=html."
    )


def render_pdf(page: Layout, font: tuple[Path, int] | None = None) -> bytes:
    """The report as PDF bytes (A4 landscape, the same cells as the HTML page)."""
    path, index = font or find_cjk_font()
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(f"{page.title} {page.facts[0][1]}")
    pdf.set_creator("graph_service")
    pdf.add_font(_FAMILY, "", str(path), collection_font_number=index)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(_FAMILY, size=18)
    pdf.cell(0, 12, page.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FAMILY, size=10)
    for label, value in page.facts:
        pdf.cell(40, 6, label)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    for table in page.tables:
        _table(pdf, table)
    pdf.ln(4)
    pdf.set_font(_FAMILY, size=8)
    pdf.multi_cell(0, 5, page.footer, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _table(pdf: FPDF, table: Table) -> None:
    pdf.ln(3)
    pdf.set_font(_FAMILY, size=12)
    pdf.cell(0, 8, table.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FAMILY, size=8)
    if not table.rows:
        pdf.cell(0, 6, table.empty, new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(
        headings_style=FontFace(emphasis=None, fill_color=(230, 230, 230)), line_height=5, text_align="LEFT"
    ) as grid:
        header = grid.row()
        for heading in table.headers:
            header.cell(heading)
        for cells in table.rows:
            row = grid.row()
            for cell in cells:
                row.cell(cell)
