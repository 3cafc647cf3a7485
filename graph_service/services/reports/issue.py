"""Issuing and verifying credit reports (信用报告): number, digest, the stored record.

"积极推动在行政管理事项中使用信用记录和信用报告等信用产品" (安化县实施意见 二(一)3), "应查询市场主体信用
记录或要求其提供…信用报告" (安化县 二(二)3), "大力推行信用信息查询和信用报告使用" (云浮市实施方案
(二十一)). A report is built once (:func:`~.content.build_report`), masked for the caller's role when it must
be, digested over its canonical JSON, recorded (:meth:`RecordsPort.save_report`), and only then rendered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from graph_service.domain.measures import Catalog
from graph_service.domain.reports import CreditReportRecord, ReportFormat, content_digest
from graph_service.errors import NotFound
from graph_service.services.masking import mask_payload
from graph_service.services.reports.content import CreditReport, build_report
from graph_service.services.reports.html import render_html
from graph_service.services.reports.layout import layout
from graph_service.services.reports.pdf import find_cjk_font, render_pdf
from graph_service.store.base import GraphStore


@dataclass(frozen=True)
class IssuedReport:
    """A report as issued: its content, its stored record, and the rendered document.

    ``subject_key`` is the subject's key unmasked, for the audit log (the content and record may be masked).
    """

    subject_key: str
    content: CreditReport
    record: CreditReportRecord
    document: bytes
    media_type: str


def report_number(now: dt.datetime) -> str:
    """A new report number: ``CR-<issue day>-<10 random hex digits>`` (unguessable, sortable by day)."""
    return f"CR-{now:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"


def issue_report(
    store: GraphStore,
    catalog: Catalog,
    subject_id: str,
    *,
    as_of: dt.date,
    fmt: ReportFormat,
    issued_by: str,
    now: dt.datetime,
    mask_ids: bool,
) -> IssuedReport:
    """Build, mask (``mask_ids``: no full ID number anywhere in it), digest, record and render a report.

    ``NotFound`` if the subject is not stored; ``ReportFontMissing`` (before anything is recorded) if a PDF
    is asked for and no CJK font is installed.
    """
    font = find_cjk_font() if fmt is ReportFormat.PDF else None
    report = build_report(
        store,
        catalog,
        subject_id,
        as_of=as_of,
        report_no=report_number(now),
        issued_by=issued_by,
        issued_at=now,
    )
    subject_key = report.subject.id
    content = report.model_dump(mode="json")
    if mask_ids:
        content = mask_payload(content)
        report = CreditReport.model_validate(content)
    record = CreditReportRecord(
        report_no=report.report_no,
        subject_id=report.subject.id,
        subject_name=report.subject.name,
        as_of=as_of,
        data_version=report.data_version,
        digest=content_digest(content),
        issued_by=issued_by,
        issued_at=now,
        masked=mask_ids,
        format=fmt,
    )
    store.save_report(record)
    page = layout(report)
    if fmt is ReportFormat.PDF:
        return IssuedReport(subject_key, report, record, render_pdf(page, font), "application/pdf")
    html = render_html(page).encode("utf-8")
    return IssuedReport(subject_key, report, record, html, "text/html; charset=utf-8")


def verify_report(store: GraphStore, report_no: str) -> CreditReportRecord:
    """The record of an issued report; ``NotFound`` if no report was issued under ``report_no``."""
    record = store.get_report(report_no)
    if record is None:
        raise NotFound(f"report_no: no credit report {report_no!r} was issued here; check the number")
    return record
