"""The court list as courts publish it: a published file as the complete current list of its courts.

最高人民法院《关于公布失信被执行人名单信息的若干规定》: a debtor is listed for a term (two years in
general) and removed from the published list when the obligation is performed, the term ends or the
listing is corrected. A court's published list is therefore a snapshot: a debtor of that court who is no
longer on it has been removed. :func:`delist_absent` ends those entries through the lifecycle (a
revocation with reason "removed from the published list": version + 1, history, tasks lifted, the feed
event), exactly as a revocation through the API would; only when asked (``--snapshot``), since a partial
export must never end anything.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from graph_service.domain.lifecycle import EntryAction
from graph_service.domain.model import CreditDomain, EntryFilter, EntryStatus, ListEntry, ListKind
from graph_service.services.workflow.intake import ROW_REFUSALS, LoadDoor
from graph_service.services.workflow.steps import step
from graph_service.store.base import GraphStore

DELISTED_REASON = "removed from the published list"
_ENDABLE = frozenset({EntryStatus.ACTIVE, EntryStatus.DISPUTED, EntryStatus.SUSPENDED})
_PAGE = 500


@dataclass
class Delisting:
    """What a snapshot ended (entry ids) and what it could not end (entry id -> the lifecycle's refusal)."""

    ended: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def court_entries(store: GraphStore, courts: Collection[str]) -> list[ListEntry]:
    """The live (active, disputed or suspended) court-enforcement black entries these courts listed."""
    flt = EntryFilter(lists=frozenset({ListKind.BLACK}), statuses=_ENDABLE)
    found: list[ListEntry] = []
    after: str | None = None
    while True:
        page = store.list_entries(flt, after=after, limit=_PAGE)
        found += [
            e for e in page if e.domain is CreditDomain.COURT_ENFORCEMENT and e.initiating_dept in courts
        ]
        if len(page) < _PAGE:
            return found
        after = page[-1].entry_id


def delist_absent(
    store: GraphStore, door: LoadDoor, courts: Collection[str], published: Collection[str], *, file: str
) -> Delisting:
    """End every live entry of ``courts`` whose id is not in ``published`` (the file's entry ids).

    Each is revoked by the loading operator for its court with reason "removed from the published
    list" (the load's warnings name the file). An entry the lifecycle will not revoke here (decided in
    another region: its end arrives by that region's feed) is reported in ``refused``, never forced.
    """
    result = Delisting()
    for entry in court_entries(store, courts):
        if entry.entry_id in published:
            continue
        try:
            step(
                store,
                entry,
                EntryAction.REVOKE,
                actor=f"{door.operator} / {entry.initiating_dept}",
                now=door.now,
                reason=DELISTED_REASON,
                policy=door.policy,
            )
        except ROW_REFUSALS as exc:
            result.refused[entry.entry_id] = exc.detail
            continue
        result.ended.append(entry.entry_id)
    return result
