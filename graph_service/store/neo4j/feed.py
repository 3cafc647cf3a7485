"""The change feed of the Neo4j backend (issue 8): recording, reading, and applying a peer's page.

Events are ``(:FeedEvent {seq, origin_seq, entry_id, version, doc})`` nodes, ``doc`` holding the event as
JSON; the sequence is one ``(:Meta {name: 'feed_seq'})`` counter locked by the appending transaction (see
``append_feed_events.cypher``). Recording is :func:`~.feed_record.recorded`, wrapped around the entry
upsert in each write path (bulk upsert, workflow transition, person merge), inside that write's
transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.feed import FeedEvent, PendingEvent, Revision, status_change_here
from graph_service.domain.model import STORED, ListEntry, Organization, Person, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.errors import InvalidInput
from graph_service.store.feed_port import (
    BatchJudge,
    FeedPort,
    FeedSlice,
    PeerApplied,
    PeerBatch,
    require_cursor,
    require_feed_range,
)
from graph_service.store.neo4j import links, mapping, reads, writes
from graph_service.store.neo4j.batches import Folded, chunks
from graph_service.store.neo4j.feed_record import append

if TYPE_CHECKING:
    from graph_service.store.neo4j.connection import Connection


def read_events(tx: ManagedTransaction, after: int, limit: int) -> FeedSlice:
    head = int(tx.run(query("get_feed_head")).single(strict=True)["head"])
    result = tx.run(query("get_feed_events"), after=after, limit=limit)
    events = [
        FeedEvent.model_validate(
            {**json.loads(record["doc"]), "seq": record["seq"], "origin_seq": record["origin_seq"]},
            context=STORED,
        )
        for record in result
    ]
    return FeedSlice(events=events, head=max([head, *(event.seq for event in events)]))


def read_cursor(tx: ManagedTransaction, peer: str) -> str | None:
    record = tx.run(query("get_peer_cursor"), peer=peer).single()
    return None if record is None else record["cursor"]


def revisions(tx: ManagedTransaction, entry_ids: Sequence[str]) -> dict[str, Revision]:
    found: dict[str, Revision] = {}
    for chunk in chunks(entry_ids):
        for record in tx.run(query("get_feed_revisions"), entry_ids=list(chunk)):
            found[record["entry_id"]] = Revision(int(record["version"]), int(record["origin_seq"]))
    return found


def apply_peer_batch(tx: ManagedTransaction, batch: PeerBatch, now: dt.datetime) -> PeerApplied:
    """One page of a peer's feed: see :meth:`FeedPort.apply_peer_batch`. Checks come before writes."""
    stored_cursor = tx.run(query("lock_peer_cursor"), peer=batch.peer).single(strict=True)["cursor"]
    require_cursor(batch.peer, stored_cursor, batch.expected_cursor)
    ids = list(dict.fromkeys(item.event.entry.entry_id for item in batch.items))
    judge = BatchJudge(reads.entries_by_id(tx, ids), revisions(tx, ids), batch.home_region)
    given = {subject.key: subject for subject in batch.subjects}
    named = [
        key
        for item in batch.items
        for key in (
            item.event.entry.subject_id,
            *item.event.entry.responsible_person_ids,
            *(link.person_id for link in item.links),
        )
    ]
    missing = writes.missing_keys(tx, "find_missing_subjects", list(dict.fromkeys(named)))
    known = set(named) - missing
    create: dict[str, Organization | Person] = {}
    firsts: dict[str, ListEntry] = {}
    lasts: dict[str, ListEntry] = {}
    final_links: dict[str, tuple[PersonalLink, ...]] = {}
    history: list[StatusChange] = []
    events: list[PendingEvent] = []
    for item in batch.items:
        incoming = item.event
        entry = incoming.entry
        before = judge.current(entry.entry_id)
        if not judge.judge(incoming):
            continue
        _require_named(entry, item.links, known, create, given)
        region = incoming.source_region or batch.home_region
        change = status_change_here(entry.entry_id, before, incoming, region)
        if before is None:  # the upsert writes the first status change of a new entry
            change = StatusChange(
                entry_id=entry.entry_id,
                from_status=None,
                to_status=entry.status,
                at=now,
                actor=entry.initiating_dept,
            )
            firsts.setdefault(entry.entry_id, entry)
        elif change is not None:
            history.append(change)
        lasts[entry.entry_id] = entry
        final_links[entry.entry_id] = item.links
        events.append(
            PendingEvent(
                event=incoming.event,
                entry=entry,
                source_region=region,
                origin_seq=incoming.origin_seq,
                at=now,
                change=change,
            )
        )
    orgs = [subject for subject in create.values() if isinstance(subject, Organization)]
    persons = [subject for subject in create.values() if isinstance(subject, Person)]
    if orgs:
        writes.upsert_organizations(tx, orgs)
    if persons:
        writes.upsert_persons(tx, persons)
    folded = [Folded(firsts.get(entry_id, entry), entry) for entry_id, entry in lasts.items()]
    writes.run_upsert(tx, "upsert_entries", writes.entry_payload(folded), now=now)
    for change in history:
        props = mapping.change_props(change)
        tx.run(query("append_status_change"), entry_id=change.entry_id, change=props).consume()
    if final_links:
        links.replace_links(tx, {entry_id: list(found) for entry_id, found in final_links.items()})
    append(tx, events)
    tx.run(query("set_peer_cursor"), peer=batch.peer, cursor=batch.cursor).consume()
    writes.bump_data_version(tx)
    return judge.result([event.entry.entry_id for event in events])


def _require_named(
    entry: ListEntry,
    item_links: tuple[PersonalLink, ...],
    known: set[str],
    create: dict[str, Organization | Person],
    given: Mapping[str, Organization | Person],
) -> None:
    """Make sure every subject an applied entry names is stored or will be created; else ``NotFound``."""
    for i, link in enumerate(item_links):
        if link.entry_id != entry.entry_id:
            raise InvalidInput.for_field(
                f"items.links[{i}].entry_id", link.entry_id, f"must be {entry.entry_id!r}"
            )
    wanted = {entry.subject_id: "subject_id"}
    wanted.update((key, "responsible_person_ids") for key in entry.responsible_person_ids)
    wanted.update((link.person_id, "links.person_id") for link in item_links)
    absent: set[str] = set()
    for key in wanted:
        if key in known or key in create:
            continue
        if key in given:
            create[key] = given[key]
        else:
            absent.add(key)
    writes.raise_missing(wanted, absent, f"subjects of peer entry {entry.entry_id!r}")


class Neo4jFeed(FeedPort):
    """The feed methods of :class:`~graph_service.store.neo4j.store.Neo4jStore` (mixed in)."""

    if TYPE_CHECKING:
        _db: Connection
        _clock: Callable[[], dt.datetime]

    def feed_events(self, after: int, limit: int) -> FeedSlice:
        require_feed_range(after, limit)
        return self._db.read(read_events, after, limit)

    def peer_cursor(self, peer: str) -> str | None:
        return self._db.read(read_cursor, peer)

    def apply_peer_batch(self, batch: PeerBatch) -> PeerApplied:
        return self._db.write(apply_peer_batch, batch, self._clock())
