"""Watch entries derived from repeated minor violations (多次发生轻微失信行为, 武汉市实施方案 四(六)).

"对重点领域发生较重失信行为或多次发生轻微失信行为相关主体列入重点关注名单": the catalog's
:class:`RepeatedPenaltiesRule` says how many administrative penalties within how many months count as
"repeated". This module derives, from one subject's penalties, the watch entries the rule calls for; the
lifecycle (``services/workflow``) initiates them like any other decision.

The derivation is a pure function of the penalties, so a re-load derives the same entries with the same
ids (nothing new is created): windows are found from the earliest penalty on, each window starting at a
penalty and closing ``within_months`` later; a window with at least ``min_penalties`` is one entry
(decided on the day its last counted penalty met the rule, with every penalty of the window as its basis),
and the search resumes after it.

Pure: imports only the standard library and sibling domain modules.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

from graph_service.domain.measures import RepeatedPenaltiesRule
from graph_service.domain.model import ListEntry, ListKind
from graph_service.domain.penalty import PenaltyRecord

BASIS_MAX = 200  # ListEntry.basis


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def penalty_windows(
    rule: RepeatedPenaltiesRule, penalties: Iterable[PenaltyRecord]
) -> list[list[PenaltyRecord]]:
    """The windows of ``penalties`` (one subject's) that meet the rule, oldest first, none overlapping.

    A window starts at a penalty and holds every penalty decided before the same day ``within_months``
    later; it counts when it holds at least ``min_penalties``.
    """
    ordered = sorted(penalties, key=lambda p: (p.decided_on, p.decision_number))
    windows: list[list[PenaltyRecord]] = []
    start = 0
    while start < len(ordered):
        closes = months_after(ordered[start].decided_on, rule.within_months)
        window = [p for p in ordered[start:] if p.decided_on < closes]
        if len(window) >= rule.min_penalties:
            windows.append(window)
            start += len(window)
        else:
            start += 1
    return windows


def watch_entry_id(
    rule: RepeatedPenaltiesRule, subject_id: str, first: PenaltyRecord, region: str | None
) -> str:
    """A stable id for the entry a window starting with ``first`` derives (no ID number appears in it)."""
    digest = hashlib.sha256(f"{rule.id}|{subject_id}|{first.key}".encode()).hexdigest()[:12]
    prefix = f"{region}-W" if region else "W"
    return f"{prefix}-{first.decided_on.year}-{digest}"


def derive_watch_entries(
    rule: RepeatedPenaltiesRule,
    subject_id: str,
    penalties: Sequence[PenaltyRecord],
    *,
    region: str | None,
) -> list[ListEntry]:
    """The watch entries the rule derives from one subject's penalties, oldest first.

    ``region`` is the deciding county's (the home region): the rule is this county's decision, whatever
    authority imposed each penalty.
    """
    entries: list[ListEntry] = []
    for window in penalty_windows(rule, penalties):
        met = window[rule.min_penalties - 1]
        cited = "；".join(f"{p.decision_number}（{p.decided_on.isoformat()}，{p.authority}）" for p in window)
        entries.append(
            ListEntry(
                entry_id=watch_entry_id(rule, subject_id, window[0], region),
                subject_id=subject_id,
                list=ListKind.WATCH,
                domain=rule.domain,
                reason=(
                    f"{rule.name}：{months_label(rule)}内受到{len(window)}次行政处罚：{cited}"
                    f"（{rule.source.document}：{rule.source.clause}）"
                )[:2000],
                act_on=met.decided_on,
                decided_on=met.decided_on,
                valid_until=months_after(met.decided_on, rule.valid_months) - dt.timedelta(days=1),
                initiating_dept=rule.initiating_dept,
                basis=_basis(window),
                source_region=region,
            )
        )
    return entries


def months_label(rule: RepeatedPenaltiesRule) -> str:
    return f"{rule.within_months}个月"


def _basis(window: Sequence[PenaltyRecord]) -> str:
    """The decision numbers, as many as fit the field, then how many more (``…等N件``)."""
    numbers = [p.decision_number for p in window]
    for shown in range(len(numbers), 0, -1):
        text = "；".join(numbers[:shown]) + ("" if shown == len(numbers) else f"等{len(numbers)}件")
        if len(text) <= BASIS_MAX:
            return text
    return f"行政处罚{len(numbers)}件"
