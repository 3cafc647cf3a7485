"""The Chinese names of lists, credit domains and entry statuses, as departments write them.

Format v1 accepts these beside the English codes (``loaders/formats/v1_entries``). Data, once: a name
maps to exactly one code; several names may map to the same code (生态环境 and 环境保护).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final, TypeVar

from graph_service.domain.model import CreditDomain, EntryStatus, ListKind

E = TypeVar("E", bound=StrEnum)

LIST_NAMES_ZH: Final[Mapping[str, ListKind]] = {
    "黑名单": ListKind.BLACK,
    "红名单": ListKind.RED,
    "重点关注名单": ListKind.WATCH,
    "经营异常名录": ListKind.ABNORMAL,
}

DOMAIN_NAMES_ZH: Final[Mapping[str, CreditDomain]] = {
    "税务": CreditDomain.TAX,
    "安全生产": CreditDomain.WORK_SAFETY,
    "生态环境": CreditDomain.ENVIRONMENT,
    "环境保护": CreditDomain.ENVIRONMENT,
    "食品药品": CreditDomain.FOOD_DRUG,
    "建筑": CreditDomain.CONSTRUCTION,
    "建筑市场": CreditDomain.CONSTRUCTION,
    "公共资源交易": CreditDomain.PUBLIC_RESOURCE_TRADING,
    "法院执行": CreditDomain.COURT_ENFORCEMENT,
    "失信被执行人": CreditDomain.COURT_ENFORCEMENT,
    "金融": CreditDomain.FINANCE,
    "劳动保障": CreditDomain.LABOR,
    "其他": CreditDomain.OTHER,
}

STATUS_NAMES_ZH: Final[Mapping[str, EntryStatus]] = {
    "有效": EntryStatus.ACTIVE,
    "正常": EntryStatus.ACTIVE,
    "异议中": EntryStatus.DISPUTED,
    "已修复": EntryStatus.REPAIRED,
    "已撤销": EntryStatus.REVOKED,
}


def code_of(value: str, codes: type[E], names: Mapping[str, E]) -> E | None:
    """The member of ``codes`` that ``value`` names, by English code or Chinese name; None if neither."""
    try:
        return codes(value)
    except ValueError:
        return names.get(value)


def accepted(codes: type[E], names: Mapping[str, E]) -> str:
    """What a cell may say, for an error message: ``red, black (or 红名单, 黑名单)``."""
    return f"{', '.join(c.value for c in codes)} (or {', '.join(names)})"
