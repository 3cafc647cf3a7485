"""双公示 administrative penalty records (行政处罚) -> :class:`PenaltyRecord` on the penalised subject.

Columns are the Chinese headers of the 双公示 publication (CSV or JSON lines with the same keys). Header
matching ignores spaces and full/half-width differences, so ``罚款金额（万元）`` and ``罚款金额(万元)`` are
the same column. The subject is identified by ``行政相对人代码_1(统一社会信用代码)`` (or the
organisation code) for organisations and individual businesses, by ``证件号码`` for natural persons;
amounts stay in 万元 as published. Penalties are records, not list entries: identity is
``(decision number, subject)``, so a re-sent feed updates in place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from graph_service.domain.model import UpsertCounts
from graph_service.domain.penalty import PenaltyRecord, PenaltySubjectCategory
from graph_service.services.workflow.intake import ROW_REFUSALS
from graph_service.services.workflow.repeated import apply_repeated_penalties
from loaders.cells import Cells, Problem
from loaders.csvio import normalise_header
from loaders.formats.public import PublicFile, PublicRow, SubjectRef, identify, record_of
from loaders.report import FileReport
from loaders.run import Parsed, Run

NAME = "行政相对人名称"
CATEGORY = "行政相对人类别"
USCC = "行政相对人代码_1(统一社会信用代码)"
REG_NO = "行政相对人代码_2(工商注册号)"
ORG_CODE = "行政相对人代码_3(组织机构代码)"
TAX_NO = "行政相对人代码_4(税务登记号)"
INSTITUTION_NO = "行政相对人代码_5(事业单位证书号)"
SOCIAL_ORG_NO = "行政相对人代码_6(社会组织登记证号)"
LEGAL_REP = "法定代表人"
LEGAL_REP_ID_TYPE = "法定代表人证件类型"
LEGAL_REP_ID = "法定代表人证件号码"
ID_TYPE = "证件类型"
ID_NUMBER = "证件号码"
DECISION_NO = "行政处罚决定书文号"
VIOLATION_TYPE = "违法行为类型"
FACTS = "违法事实"
BASIS = "处罚依据"
PENALTY_TYPE = "处罚类别"
CONTENT = "处罚内容"
FINE = "罚款金额(万元)"
FINE_YUAN = "罚款金额(元)"  # some exports give yuan; converted to 万元
CONFISCATED = "没收违法所得、没收非法财物的金额(万元)"
LICENCE = "暂扣或吊销证照名称及编号"
DECIDED_ON = "处罚决定日期"
VALID_UNTIL = "处罚有效期"
PUBLISH_UNTIL = "公示截止期"
AUTHORITY = "处罚机关"
AUTHORITY_USCC = "处罚机关统一社会信用代码"
SOURCE_UNIT = "数据来源单位"
SOURCE_UNIT_USCC = "数据来源单位统一社会信用代码"
REMARK = "备注"

_ALIASES = {
    "统一社会信用代码": USCC,
    "行政相对人代码_1": USCC,
    "组织机构代码": ORG_CODE,
    "行政相对人代码_3": ORG_CODE,
    "处罚决定书文号": DECISION_NO,
    "决定书文号": DECISION_NO,
    "罚款金额": FINE,
    "处罚决定日期(日期)": DECIDED_ON,
    "处罚日期": DECIDED_ON,
}

_CATEGORIES = {
    "法人及非法人组织": PenaltySubjectCategory.LEGAL_PERSON,
    "法人": PenaltySubjectCategory.LEGAL_PERSON,
    "非法人组织": PenaltySubjectCategory.LEGAL_PERSON,
    "自然人": PenaltySubjectCategory.NATURAL_PERSON,
    "个体工商户": PenaltySubjectCategory.INDIVIDUAL_BUSINESS,
}
_LIST_SEPARATORS = re.compile(r"[;；,，、/]+")


class PenaltyRecords(PublicFile[PenaltyRecord]):
    """双公示 行政处罚 rows."""

    kind = "penalty"
    required = (NAME, DECISION_NO, DECIDED_ON, AUTHORITY)
    optional = (CATEGORY, USCC, REG_NO, ORG_CODE, TAX_NO, INSTITUTION_NO, SOCIAL_ORG_NO, LEGAL_REP,
                LEGAL_REP_ID_TYPE, LEGAL_REP_ID, ID_TYPE, ID_NUMBER, VIOLATION_TYPE, FACTS, BASIS,
                PENALTY_TYPE, CONTENT, FINE, CONFISCATED, LICENCE, VALID_UNTIL, PUBLISH_UNTIL, AUTHORITY_USCC,
                SOURCE_UNIT, SOURCE_UNIT_USCC, REMARK, FINE_YUAN)  # fmt: skip
    aliases: ClassVar[dict[str, str]] = {
        **{normalise_header(c): c for c in required + optional},
        **{normalise_header(k): v for k, v in _ALIASES.items()},
    }
    model = PenaltyRecord
    name_column = NAME
    key_column = DECISION_NO
    field_columns: ClassVar[dict[str, str]] = {
        "decision_number": DECISION_NO,
        "subject_name": NAME,
        "subject_category": CATEGORY,
        "legal_representative": LEGAL_REP,
        "violation_type": VIOLATION_TYPE,
        "violation_facts": FACTS,
        "legal_basis": BASIS,
        "penalty_categories": PENALTY_TYPE,
        "penalty_content": CONTENT,
        "fine_amount": FINE,
        "confiscated_amount": CONFISCATED,
        "decided_on": DECIDED_ON,
        "valid_until": VALID_UNTIL,
        "publish_until": PUBLISH_UNTIL,
        "authority": AUTHORITY,
        "authority_uscc": AUTHORITY_USCC,
        "source_unit": SOURCE_UNIT,
    }

    def parse(self, cells: Cells) -> PublicRow[PenaltyRecord]:
        for column in self.required:
            cells.required(column)
        category = self._category(cells)
        ref, id_column = self._subject(cells, category)
        if category is None and ref is not None:
            category = _default_category(ref)
        fine = cells.number(FINE)
        if fine is None and FINE not in cells.row and (yuan := cells.number(FINE_YUAN)) is not None:
            fine = yuan / 10_000
        fields: dict[str, Any] = {
            "decision_number": cells.text(DECISION_NO),
            "subject_name": cells.text(NAME),
            "subject_category": category,
            "legal_representative": cells.text(LEGAL_REP),
            "violation_type": cells.text(VIOLATION_TYPE),
            "violation_facts": cells.text(FACTS),
            "legal_basis": cells.text(BASIS),
            "penalty_categories": tuple(_LIST_SEPARATORS.split(cells.text(PENALTY_TYPE) or "")),
            "penalty_content": cells.text(CONTENT),
            "fine_amount": fine,
            "confiscated_amount": cells.number(CONFISCATED),
            "decided_on": cells.date(DECIDED_ON, lenient=True),
            "valid_until": cells.date(VALID_UNTIL, lenient=True),
            "publish_until": cells.date(PUBLISH_UNTIL, lenient=True),
            "authority": cells.text(AUTHORITY),
            "authority_uscc": cells.text(AUTHORITY_USCC),
            "source_unit": cells.text(SOURCE_UNIT),
            "source": self.source,
        }
        return self.finish(cells, ref, id_column, fields)

    @staticmethod
    def _category(cells: Cells) -> PenaltySubjectCategory | None:
        text = cells.text(CATEGORY)
        if text is None:
            return None  # decided by the identifier: an ID number is a natural person
        category = _CATEGORIES.get(text)
        if category is None:
            cells.problem(CATEGORY, f"{CATEGORY} must be one of {', '.join(_CATEGORIES)}")
        return category

    @staticmethod
    def _subject(cells: Cells, category: PenaltySubjectCategory | None) -> tuple[SubjectRef | None, str]:
        """The penalised subject and the column that identified it."""
        if category is PenaltySubjectCategory.NATURAL_PERSON or (
            category is None and USCC not in cells.row and ORG_CODE not in cells.row
        ):
            id_type = cells.text(ID_TYPE)
            if id_type is not None and "身份证" not in id_type:
                cells.problem(ID_TYPE, f"only resident ID numbers (身份证) identify a person, got {id_type}")
                return None, ID_NUMBER
            return identify(cells, ID_NUMBER, person_only=True), ID_NUMBER
        column = USCC if USCC in cells.row or ORG_CODE not in cells.row else ORG_CODE
        return identify(cells, column), column

    def record_key(self, record: PenaltyRecord) -> str:
        return record.key

    def store(self, run: Run, report: FileReport, items: list[Parsed[PublicRow[PenaltyRecord]]]) -> None:
        def write(rows: Sequence[PublicRow[PenaltyRecord]]) -> UpsertCounts:
            return run.store.upsert_penalties([record_of(r) for r in rows])

        written = run.upsert(report, items, write, self.key_column)
        if not run.dry_run:
            self._watch_rule(run, report, written)

    @staticmethod
    def _watch_rule(run: Run, report: FileReport, written: list[Parsed[PublicRow[PenaltyRecord]]]) -> None:
        """Re-evaluate the repeated-penalties watch rule (武汉市 四(六)) for the subjects just penalised,
        each once, reported on its last row of the batch: a warning row per watch entry created or amended,
        and a refusal of the lifecycle (e.g. a derived entry revoked meanwhile) as a warning too."""
        last_row = {record_of(item.value).subject_id: item for item in written}
        for subject_id, item in sorted(last_row.items()):
            decision = item.row.get(DECISION_NO, "")
            try:
                outcomes = apply_repeated_penalties(run.store, run.door, [subject_id], file=report.file)
            except ROW_REFUSALS as exc:
                run.warn(report, item.line, [Problem(DECISION_NO, decision, exc.detail)])
                continue
            for outcome in ("created", "updated"):
                for entry_id in outcomes.by_outcome.get(outcome, []):
                    note = f"watch entry {entry_id} {outcome} by the repeated-penalties rule"
                    run.warn(report, item.line, [Problem(DECISION_NO, decision, note)])


def _default_category(ref: SubjectRef) -> PenaltySubjectCategory:
    """Without 行政相对人类别: an ID number is a natural person, a USCC of kind 92 an individual business."""
    if not ref.is_org:
        return PenaltySubjectCategory.NATURAL_PERSON
    if ref.key is not None and ref.key.startswith("92"):
        return PenaltySubjectCategory.INDIVIDUAL_BUSINESS
    return PenaltySubjectCategory.LEGAL_PERSON
