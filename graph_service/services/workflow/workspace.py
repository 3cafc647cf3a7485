"""What the credit office's workspace page reads: entries by filter a page at a time, the queues, and
one entry's allowed actions and feed events.

Filters the store cannot apply (domain, department, region, dates, text) are applied here to the store's
own keyset pages (:meth:`WorkflowPort.list_entries`, by ``entry_id``), so the paging stays keyset paging:
the ``next`` of an answer is the ``after`` of the following request.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from graph_service.domain.feed import FeedEvent
from graph_service.domain.lifecycle import UNREQUESTED, entry_actions
from graph_service.domain.model import CreditDomain, EntryFilter, EntryStatus, ListEntry, ListKind
from graph_service.domain.regions import region_chain
from graph_service.domain.workflow import Dispute, DisputeStatus, RepairApplication, RepairStatus
from graph_service.store.base import GraphStore

_SCAN = 500  # entries read per store page while filtering
FEED_SCAN_LIMIT = 100_000  # feed events read at most to find one entry's (the page says when cut short)


class EntryQuery(BaseModel):
    """The filters of the entries list; None means any."""

    lists: frozenset[ListKind] | None = None
    domains: frozenset[CreditDomain] | None = None
    statuses: frozenset[EntryStatus] | None = None
    department: str | None = Field(default=None, description="Initiating department, exactly")
    region: str | None = Field(
        default=None, description="6-digit region: the entry's source region or within it"
    )
    decided_from: dt.date | None = None
    decided_to: dt.date | None = None
    text: str | None = Field(default=None, description="In the entry id, subject id or name, reason or basis")


class EntryRow(BaseModel):
    entry: ListEntry
    subject_name: str | None
    allowed_actions: list[str] = Field(description="Actions a person may request now (revoke, dispute …)")


class EntryPage(BaseModel):
    entries: list[EntryRow]
    next: str | None = Field(description="Pass as `after` for the next page; None on the last page")


def requestable_actions(entry: ListEntry, today: dt.date) -> list[str]:
    """The actions a person may request on ``entry`` today (the lifecycle's table, less automatic ones)."""
    expired = entry.valid_until is not None and entry.valid_until < today
    return sorted(a.value for a in entry_actions(entry.status, expired=expired) if a not in UNREQUESTED)


def list_entries(
    store: GraphStore, query: EntryQuery, *, today: dt.date, after: str | None = None, limit: int = 50
) -> EntryPage:
    """One page of entries passing ``query``, by ``entry_id`` after ``after``."""
    flt = EntryFilter(lists=query.lists, statuses=query.statuses)
    rows: list[EntryRow] = []
    cursor = after
    while True:
        page = store.list_entries(flt, after=cursor, limit=_SCAN)
        names = _names(store, page)
        for entry in page:
            cursor = entry.entry_id
            if _passes(entry, names.get(entry.subject_id), query):
                rows.append(
                    EntryRow(
                        entry=entry,
                        subject_name=names.get(entry.subject_id),
                        allowed_actions=requestable_actions(entry, today),
                    )
                )
                if len(rows) == limit:
                    return EntryPage(entries=rows, next=cursor)
        if len(page) < _SCAN:
            return EntryPage(entries=rows, next=None)


def _names(store: GraphStore, entries: list[ListEntry]) -> dict[str, str]:
    subjects = store.get_subjects({e.subject_id for e in entries})
    return {key: subject.name for key, subject in subjects.items() if subject.name}


def _passes(entry: ListEntry, name: str | None, q: EntryQuery) -> bool:
    if q.domains is not None and entry.domain not in q.domains:
        return False
    if q.department is not None and entry.initiating_dept != q.department:
        return False
    if q.region is not None and (
        entry.source_region is None or q.region not in region_chain(entry.source_region)
    ):
        return False
    if q.decided_from is not None and entry.decided_on < q.decided_from:
        return False
    if q.decided_to is not None and entry.decided_on > q.decided_to:
        return False
    if q.text:
        needle = q.text.casefold()
        haystack = (entry.entry_id, entry.subject_id, name, entry.reason, entry.basis)
        return any(needle in value.casefold() for value in haystack if value)
    return True


class OpenDispute(BaseModel):
    dispute: Dispute
    entry: ListEntry | None
    days_left: int = Field(description="Days to the verification deadline (negative: overdue)")


class Queues(BaseModel):
    """The credit office's queues: open disputes (nearest deadline first) and pending repairs."""

    disputes: list[OpenDispute]
    repairs: list[RepairApplication]


def queues(store: GraphStore, *, today: dt.date, department: str | None = None) -> Queues:
    """Open disputes and pending repair applications (of entries ``department`` initiated, if given)."""
    disputes = [d for d in store.get_disputes() if d.status is DisputeStatus.OPEN]
    repairs = [r for r in store.get_repairs() if r.status is RepairStatus.PENDING]
    entries = store.get_entries(sorted({d.entry_id for d in disputes} | {r.entry_id for r in repairs}))

    def mine(entry_id: str) -> bool:
        entry = entries.get(entry_id)
        return department is None or (entry is not None and entry.initiating_dept == department)

    open_disputes = [
        OpenDispute(dispute=d, entry=entries.get(d.entry_id), days_left=(d.due_on - today).days)
        for d in disputes
        if mine(d.entry_id)
    ]
    open_disputes.sort(key=lambda o: (o.dispute.due_on, o.dispute.dispute_id))
    return Queues(disputes=open_disputes, repairs=[r for r in repairs if mine(r.entry_id)])


class EntryEvents(BaseModel):
    allowed_actions: list[str]
    events: list[FeedEvent] = Field(description="This entry's feed events, oldest first")
    complete: bool = Field(description="False when the feed was longer than the events read")


def entry_events(store: GraphStore, entry: ListEntry, *, today: dt.date) -> EntryEvents:
    """An entry's allowed actions and its events in the change feed (read in pages, bounded)."""
    found: list[FeedEvent] = []
    after, read = 0, 0
    while read < FEED_SCAN_LIMIT:
        page = store.feed_events(after, 1000)
        if not page.events:
            return EntryEvents(allowed_actions=requestable_actions(entry, today), events=found, complete=True)
        found.extend(e for e in page.events if e.entry.entry_id == entry.entry_id)
        after = page.events[-1].seq
        read += len(page.events)
    return EntryEvents(allowed_actions=requestable_actions(entry, today), events=found, complete=False)
