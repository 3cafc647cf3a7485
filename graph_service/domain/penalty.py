"""Administrative penalty records (行政处罚, published under 双公示) kept on the subject they concern.

A penalty is not a list entry: it is a fact investigators look at and that rules such as "no penalty in
the last three years" read. Identity is ``(decision_number, subject_id)`` — one decision document can
penalise several subjects, and the same number is reused by different authorities only with a different
subject in practice. Amounts are kept in 万元 (10,000 yuan) exactly as the 双公示 standard publishes them.

Pure: imports only pydantic, the standard library and sibling domain modules.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from graph_service.domain.identifiers import IdentifierError, check_uscc
from graph_service.domain.model import from_store, subject_key_unless_stored


class PenaltySubjectCategory(StrEnum):
    """行政相对人类别 as the 双公示 data standard names them."""

    LEGAL_PERSON = "legal_person"  # 法人及非法人组织
    NATURAL_PERSON = "natural_person"  # 自然人
    INDIVIDUAL_BUSINESS = "individual_business"  # 个体工商户


class PenaltyRecord(BaseModel):
    """One administrative penalty decision on one subject."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    decision_number: str = Field(
        min_length=1, max_length=200, description="行政处罚决定书文号", examples=["安市监处罚〔2025〕12号"]
    )
    subject_id: str = Field(description="USCC, ID number or unresolved-person key of the penalised subject")
    subject_name: str = Field(min_length=1, max_length=200, description="行政相对人名称")
    subject_category: PenaltySubjectCategory = PenaltySubjectCategory.LEGAL_PERSON
    legal_representative: str | None = Field(default=None, max_length=100, description="法定代表人 (name)")
    violation_type: str | None = Field(default=None, max_length=500, description="违法行为类型")
    violation_facts: str | None = Field(default=None, max_length=5000, description="违法事实")
    legal_basis: str | None = Field(default=None, max_length=2000, description="处罚依据")
    penalty_categories: tuple[str, ...] = Field(default=(), description="处罚类别, e.g. (警告, 罚款)")
    penalty_content: str | None = Field(default=None, max_length=5000, description="处罚内容")
    fine_amount: float | None = Field(default=None, ge=0, description="罚款金额 in 万元")
    confiscated_amount: float | None = Field(
        default=None, ge=0, description="没收违法所得、非法财物金额 in 万元"
    )
    decided_on: dt.date = Field(description="处罚决定日期")
    valid_until: dt.date | None = Field(default=None, description="处罚有效期 (last day the penalty applies)")
    publish_until: dt.date | None = Field(default=None, description="公示截止期 (last day of publication)")
    authority: str = Field(min_length=1, max_length=200, description="处罚机关")
    authority_uscc: str | None = Field(default=None, description="处罚机关统一社会信用代码")
    source_unit: str | None = Field(default=None, max_length=200, description="数据来源单位")
    source: str | None = Field(default=None, description="Data source (file, feed) this record came from")

    _check_subject = field_validator("subject_id")(classmethod(subject_key_unless_stored))

    @field_validator("authority_uscc")
    @classmethod
    def _check_authority_uscc(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or from_store(info):
            return None
        try:
            code, _ = check_uscc(value)
        except IdentifierError as exc:
            raise ValueError(exc.reason) from exc
        return code

    @field_validator("penalty_categories")
    @classmethod
    def _distinct_categories(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))

    @model_validator(mode="after")
    def _dates(self) -> PenaltyRecord:
        if self.valid_until is not None and self.valid_until < self.decided_on:
            raise ValueError(f"valid_until {self.valid_until} is before decided_on {self.decided_on}")
        if self.publish_until is not None and self.publish_until < self.decided_on:
            raise ValueError(f"publish_until {self.publish_until} is before decided_on {self.decided_on}")
        return self

    def published_on(self, day: dt.date) -> bool:
        """Whether the penalty is publicly shown on ``day``: decided by then and not past its 公示截止期.

        行政处罚 is public credit information: "行政许可和行政处罚等信用信息要在行政决定之日起7个工作日内
        …公开，为社会提供“一站式”查询服务" (云浮市实施方案 (十九)).
        """
        return self.decided_on <= day and (self.publish_until is None or self.publish_until >= day)

    def decided_within(self, start: dt.date, end: dt.date) -> bool:
        """Whether the decision date falls in ``[start, end]`` (both days included)."""
        return start <= self.decided_on <= end

    @property
    def key(self) -> str:
        """The identity ``decision_number|subject_id``: upserting the same key updates the record."""
        return f"{self.decision_number}|{self.subject_id}"
