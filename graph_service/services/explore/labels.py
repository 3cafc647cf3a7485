"""Display labels of the explorer (Chinese first, English second): roles, subject kinds, lists."""

from __future__ import annotations

from graph_service.domain.model import ListKind, Relation, RelationKind, SubjectKind

ROLE_LABELS: dict[RelationKind, tuple[str, str]] = {
    RelationKind.LEGAL_REPRESENTATIVE: ("法定代表人", "legal representative"),
    RelationKind.PRINCIPAL: ("主要负责人", "principal"),
    RelationKind.DIRECTOR: ("董事", "director"),
    RelationKind.SUPERVISOR: ("监事", "supervisor"),
    RelationKind.SENIOR_MANAGER: ("高级管理人员", "senior manager"),
    RelationKind.ACTUAL_CONTROLLER: ("实际控制人", "actual controller"),
    RelationKind.SHAREHOLDER: ("股东", "shareholder"),
    RelationKind.PRACTITIONER: ("注册执业人员", "registered practitioner"),
    RelationKind.BRANCH_OF: ("分支机构", "branch of"),
}

KIND_LABELS: dict[SubjectKind, tuple[str, str]] = {
    SubjectKind.ENTERPRISE: ("企业", "enterprise"),
    SubjectKind.SOCIAL_ORG: ("社会组织", "social organisation"),
    SubjectKind.INSTITUTION: ("事业单位", "public institution"),
    SubjectKind.PERSON: ("自然人", "person"),
}

LIST_LABELS: dict[ListKind, tuple[str, str]] = {
    ListKind.BLACK: ("失信黑名单", "black list"),
    ListKind.WATCH: ("重点关注名单", "watch list"),
    ListKind.ABNORMAL: ("经营异常名录", "abnormal operations list"),
    ListKind.RED: ("守信红名单", "red list"),
}

# Which list colours a subject on several lists: the most severe one.
LIST_SEVERITY = (ListKind.BLACK, ListKind.WATCH, ListKind.ABNORMAL, ListKind.RED)


def percent(ratio: float) -> str:
    """``0.6`` -> ``60%``, ``0.125`` -> ``12.5%`` (no trailing zeros)."""
    return f"{ratio * 100:.2f}".rstrip("0").rstrip(".") + "%"


def relation_label(relation: Relation) -> str:
    """The edge label: the role in Chinese, with the ratio for a shareholding (``股东 60%``)."""
    zh, _ = ROLE_LABELS[relation.kind]
    if relation.kind is RelationKind.SHAREHOLDER and relation.ratio is not None:
        return f"{zh} {percent(relation.ratio)}"
    return zh


def relation_label_en(relation: Relation) -> str:
    _, en = ROLE_LABELS[relation.kind]
    if relation.kind is RelationKind.SHAREHOLDER and relation.ratio is not None:
        return f"{en} {percent(relation.ratio)}"
    return en
