"""Credit reports (信用报告): the record that lets anyone verify a printed report by its number.

"积极推动在行政管理事项中使用信用记录和信用报告等信用产品" (安化县实施意见 二(一)3; 二(二)3 "应查询市场
主体信用记录或要求其提供…信用报告"); "大力推行信用信息查询和信用报告使用" (云浮市实施方案 (二十一)).
A report is issued for one subject as of one date from one data version; its record keeps the number, the
subject, the date, the data version, who issued it and when, and the SHA-256 digest of its content, so a
copy presented later can be checked against what was issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"


class CreditReportRecord(BaseModel):
    """What was issued: enough to verify a report, nothing of its content but the digest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    report_no: str = Field(examples=["CR-20261201-3F9A2C1B7D"])
    subject_id: str = Field(description="As shown on the report (masked for roles that see no ID number)")
    subject_name: str | None = None
    as_of: dt.date
    data_version: int = Field(ge=0)
    digest: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the report's canonical content")
    issued_by: str
    issued_at: dt.datetime
    masked: bool = Field(description="ID numbers were masked for the caller's role")
    format: ReportFormat
    version: int = 1


def content_digest(content: Any) -> str:
    """SHA-256 of the canonical JSON of ``content`` (sorted keys, no spaces): the same content, the same
    digest, whichever backend or process rendered it."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
