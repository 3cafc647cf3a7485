"""The printed layout of a credit report, once for both formats: a title block and titled tables of text.

HTML (:mod:`.html`) and PDF (:mod:`.pdf`) draw exactly these cells, so the two never say different things.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.services.explore.labels import KIND_LABELS, LIST_LABELS, ROLE_LABELS
from graph_service.services.reports.content import CreditReport

TITLE = "信用报告"
FOOTER = (
    "本报告依据公共信用信息平台截至报告日期的记录生成。"
    "核验：GET /v1/reports/{report_no}（报告编号、数据版本与内容摘要一致即为真实）。"
)

_COMMITMENT_KINDS = {
    "deferred_materials": "容缺受理承诺",
    "general": "综合性信用承诺",
    "specific": "专项性信用承诺",
}
_COMMITMENT_STATUSES = {
    "pending": "待补齐材料",
    "met": "已履行",
    "breached": "未履行（失信）",
    "in_force": "有效",
}
_ENTRY_STATUSES = {
    "active": "有效",
    "disputed": "异议核实中",
    "repaired": "已修复",
    "revoked": "已撤销",
    "suspended": "暂停",
}


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = "无"


@dataclass(frozen=True)
class Layout:
    title: str
    facts: tuple[tuple[str, str], ...]  # the title block: label, value
    tables: tuple[Table, ...]
    footer: str


def _text(value: object) -> str:
    return "" if value is None else str(value)


def layout(report: CreditReport) -> Layout:
    """Everything printed on ``report``, in order."""
    subject = report.subject
    kind = KIND_LABELS[subject.kind][0] if subject.kind is not None else ""
    facts = (
        ("报告编号", report.report_no),
        ("主体名称", _text(subject.name)),
        ("主体标识", subject.id),
        ("主体类型", kind),
        ("登记状态", _text(report.organization_status)),
        ("报告日期（截至）", report.as_of.isoformat()),
        ("数据版本", str(report.data_version)),
        ("措施清单版本", report.catalog_version),
        ("出具", f"{report.issued_by} · {report.issued_at.isoformat(timespec='seconds')}"),
    )
    tables = (
        Table(
            "一、名单记录",
            ("名单", "领域", "失信行为", "状态", "认定日期", "有效期", "认定部门", "文号"),
            tuple(
                (
                    LIST_LABELS.get(e.list, (e.list.value, ""))[0],
                    e.domain.value,
                    _text(e.behaviour),
                    _ENTRY_STATUSES.get(e.status.value, e.status.value) + ("（执行中）" * e.effective),
                    e.decided_on.isoformat(),
                    f"{_text(e.valid_from)} 至 {_text(e.valid_until) or '长期'}",
                    _text(e.initiating_dept),
                    _text(e.basis),
                )
                for e in report.entries
            ),
        ),
        Table(
            "二、行政处罚",
            ("决定文号", "处罚机关", "决定日期", "处罚类别", "有效期至"),
            tuple(
                (
                    p.decision_number,
                    p.authority,
                    p.decided_on.isoformat(),
                    "、".join(p.categories),
                    _text(p.valid_until),
                )
                for p in report.penalties
            ),
        ),
        Table(
            "三、信用承诺",
            ("编号", "类型", "状态", "承诺内容", "受理部门", "签署日期", "期限"),
            tuple(
                (
                    c.commitment_id,
                    _COMMITMENT_KINDS.get(c.kind.value, c.kind.value),
                    _COMMITMENT_STATUSES.get(c.status.value, c.status.value),
                    c.text,
                    c.department,
                    c.signed_on.isoformat(),
                    _text(c.due_on),
                )
                for c in report.commitments
            ),
        ),
        Table(
            "四、适用的联合奖惩措施及依据",
            ("措施", "状态", "名单记录", "适用途径", "适用场景", "依据"),
            tuple(
                (
                    m.name,
                    "执行中" if m.state == "effective" else "异议核实中暂停",
                    m.entry_id,
                    _via(m.via, m.org_id),
                    "、".join(m.scenarios),
                    m.basis,
                )
                for m in report.measures
            ),
        ),
        Table(
            "五、相关人员及其职务",
            ("职务", "人员", "人员标识", "所在组织", "任职起始"),
            tuple(
                (
                    ROLE_LABELS[p.role][0] + (f"（{p.title}）" if p.title else ""),
                    _text(p.person_name),
                    p.person_id,
                    _text(p.org_name) or p.org_id,
                    _text(p.start_on),
                )
                for p in report.persons
            ),
        ),
    )
    return Layout(TITLE, facts, tables, FOOTER.replace("{report_no}", report.report_no))


def _via(via: str, org_id: str | None) -> str:
    if via == "self":
        return "本主体"
    role = next((zh for kind, (zh, _) in ROLE_LABELS.items() if kind.value == via), None)
    name = role or ("直接责任人" if via == "responsible" else via)
    return f"{name}（{org_id}）" if org_id else name
