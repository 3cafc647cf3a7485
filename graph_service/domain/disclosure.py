"""Public disclosure (一站式查询): which entries the public may see, and how a person is shown.

Red and black lists are published with the organisation's name and USCC as the index:
"以统一社会信用代码为索引，…通过门户网站、“信用武汉”网站及时公开披露失信信息" (武汉市实施方案);
"红黑名单在“信用安化”公示的同时，应同步推送到“信用湖南”网站公示" and "为社会提供“一站式”查询服务"
(安化县实施意见). Only what is in force is shown: a watch list is not a public list, and nothing
disputed (measures suspended while verified), repaired (信用修复: "保障信用修复信息同步屏蔽", 武汉市实施方案),
revoked or expired is published. A person's ID number is shown masked (个人信息保护: least disclosure).
"""

from __future__ import annotations

import datetime as dt

from graph_service.domain.identifiers import mask_id_numbers_in_text
from graph_service.domain.model import EntryFilter, EntryStatus, ListEntry, ListKind

# 经营异常名录 is published too: "将企业经营异常名录、失信黑名单等信息及时…进行公示" (安化县 二(三)3).
PUBLIC_LISTS = frozenset({ListKind.RED, ListKind.BLACK, ListKind.ABNORMAL})


def public_filter(today: dt.date, lists: frozenset[ListKind] = PUBLIC_LISTS) -> EntryFilter:
    """The entries published on ``today``: active, within validity, on a public list among ``lists``."""
    return EntryFilter(
        lists=lists & PUBLIC_LISTS, statuses=frozenset({EntryStatus.ACTIVE}), in_validity_on=today
    )


def is_disclosed(entry: ListEntry, today: dt.date) -> bool:
    """Whether ``entry`` is published on ``today`` (the same rule as :func:`public_filter`)."""
    return entry.list in PUBLIC_LISTS and entry.effective_on(today)


def public_key(key: str) -> str:
    """A subject key as published: USCCs as they are, ID numbers masked (also inside unresolved keys)."""
    return mask_id_numbers_in_text(key)
