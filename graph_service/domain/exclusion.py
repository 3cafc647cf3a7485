"""Red and black exclude each other: a subject is never a 守信 example and a 严重失信 subject at once.

The red list rewards 诚实守信 subjects, the black list punishes 严重失信 ones; the county's lists are
managed as one system "规范各领域信用红黑名单的认定、发布、奖惩、修复和退出" (武汉市实施方案), and a
subject in a black listing has a bad credit record, so it cannot be a red-list example meanwhile.
The rule, written once:

* a red entry is refused while its subject has a black entry in force (:func:`blocking_black`);
* a black entry taking effect suspends the subject's active red entries (:func:`reds_to_suspend`);
* when the last black entry in force ends, the suspended red entries are reinstated
  (:func:`reds_to_reinstate`).

"In force" is live (active or disputed: a dispute suspends the measures, not the decision) and within its
validity on the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from graph_service.domain.model import EntryStatus, ListEntry, ListKind

_IN_FORCE = frozenset({EntryStatus.ACTIVE, EntryStatus.DISPUTED})


def black_in_force(entry: ListEntry, day: dt.date) -> bool:
    """A black entry whose decision stands on ``day``: live and within its validity."""
    return entry.list is ListKind.BLACK and entry.status in _IN_FORCE and entry.in_validity(day)


def blocking_black(candidate: ListEntry, others: Iterable[ListEntry], day: dt.date) -> ListEntry | None:
    """The black entry (lowest id) that refuses red entry ``candidate`` on ``day``, or None."""
    if candidate.list is not ListKind.RED:
        return None
    found = sorted(
        (e for e in others if e.subject_id == candidate.subject_id and black_in_force(e, day)),
        key=lambda e: e.entry_id,
    )
    return found[0] if found else None


def reds_to_suspend(black: ListEntry, others: Iterable[ListEntry], day: dt.date) -> list[ListEntry]:
    """The subject's red entries in effect on ``day`` that ``black`` suspends when in force, by id.

    An expired red entry has nothing left to suspend.
    """
    if not black_in_force(black, day):
        return []
    return sorted(
        (
            e
            for e in others
            if e.subject_id == black.subject_id and e.list is ListKind.RED and e.effective_on(day)
        ),
        key=lambda e: e.entry_id,
    )


def reds_to_reinstate(ended: ListEntry, others: Iterable[ListEntry], day: dt.date) -> list[ListEntry]:
    """The subject's suspended red entries to reinstate once black entry ``ended`` no longer stands.

    None while another black entry of the subject is still in force on ``day``.
    """
    if ended.list is not ListKind.BLACK or black_in_force(ended, day):
        return []
    rest = [e for e in others if e.subject_id == ended.subject_id and e.entry_id != ended.entry_id]
    if any(black_in_force(e, day) for e in rest):
        return []
    return sorted(
        (e for e in rest if e.list is ListKind.RED and e.status is EntryStatus.SUSPENDED),
        key=lambda e: e.entry_id,
    )
