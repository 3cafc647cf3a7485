"""The change feed of the Neo4j backend: recording, reading, and applying a peer's page.

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
from graph_service.domain import peer_batch
from graph_service.domain.feed import FeedEvent, Revision
from graph_service.domain.model import STORED, Organization, Person
from graph_service.domain.peer_batch import PeerApplied, PeerBatch
from graph_service.store import contract
from graph_service.store.feed_port import FeedPort, FeedSlice
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


def read_push_position(tx: ManagedTransaction, target: str) -> int:
    record = tx.run(query("get_push_position"), target=target).single()
    return 0 if record is None or record["seq"] is None else int(record["seq"])


def write_push_position(tx: ManagedTransaction, target: str, seq: int) -> None:
    tx.run(query("set_push_position"), target=target, seq=seq).consume()
    writes.bump_data_version(tx)


def revisions(tx: ManagedTransaction, entry_ids: Sequence[str]) -> dict[str, Revision]:
    found: dict[str, Revision] = {}
    for chunk in chunks(entry_ids):
        for record in tx.run(query("get_feed_revisions"), entry_ids=list(chunk)):
            found[record["entry_id"]] = Revision(int(record["version"]), int(record["origin_seq"]))
    return found


def apply_peer_batch(tx: ManagedTransaction, batch: PeerBatch, now: dt.datetime) -> PeerApplied:
    """One page of a peer's feed: see :meth:`FeedPort.apply_peer_batch`. Read, plan in the domain, write."""
    stored_cursor = tx.run(query("lock_peer_cursor"), peer=batch.peer).single(strict=True)["cursor"]
    contract.require_cursor(batch.peer, stored_cursor, batch.expected_cursor)
    ids = batch.entry_ids
    named = batch.named_subjects
    planned = peer_batch.plan_peer_batch(
        batch,
        stored=reads.entries_by_id(tx, ids),
        revisions=revisions(tx, ids),
        stored_subjects=set(named) - writes.missing_keys(tx, "find_missing_subjects", named),
        now=now,
    )
    orgs = [subject for subject in planned.subjects if isinstance(subject, Organization)]
    persons = [subject for subject in planned.subjects if isinstance(subject, Person)]
    if orgs:
        writes.upsert_organizations(tx, orgs)
    if persons:
        writes.upsert_persons(tx, persons)
    # One upsert per entry: the first version a new entry had in the page gets its first status change.
    firsts = {a.entry.entry_id: a.entry for a in planned.entries if a.created}  # once per entry
    lasts = {a.entry.entry_id: a.entry for a in planned.entries}
    folded = [Folded(firsts.get(entry_id, entry), entry) for entry_id, entry in lasts.items()]
    writes.run_upsert(tx, "upsert_entries", writes.entry_payload(folded), now=now)
    for applied in planned.entries:
        if applied.change is not None and not applied.created:
            props = mapping.change_props(applied.change)
            tx.run(query("append_status_change"), entry_id=applied.entry.entry_id, change=props).consume()
    if planned.links:
        links.replace_links(tx, {entry_id: list(found) for entry_id, found in planned.links.items()})
    append(tx, list(planned.events))
    tx.run(query("set_peer_cursor"), peer=batch.peer, cursor=batch.cursor).consume()
    writes.bump_data_version(tx)
    return planned.result


def write_pseudonyms(tx: ManagedTransaction, pairs: Mapping[str, str]) -> None:
    """Index ``pseudonym -> person key`` pairs, in chunks."""
    rows = [{"value": value, "person": person} for value, person in sorted(pairs.items())]
    for chunk in chunks(rows):
        tx.run(query("upsert_pseudonyms"), rows=chunk).consume()


def read_persons_by_pseudonym(tx: ManagedTransaction, values: Sequence[str]) -> dict[str, str]:
    """The stored persons among the pseudonyms ``values``: pseudonym -> person key."""
    result = tx.run(query("get_persons_by_pseudonym"), values=list(values))
    return {record["value"]: record["person"] for record in result}


class Neo4jFeed(FeedPort):
    """The feed methods of :class:`~graph_service.store.neo4j.store.Neo4jStore` (mixed in)."""

    if TYPE_CHECKING:
        _db: Connection
        _clock: Callable[[], dt.datetime]

    def _index_pseudonyms(self, pairs: Mapping[str, str]) -> None:
        self._db.write(write_pseudonyms, pairs)

    def _persons_by_pseudonym(self, pseudonyms: Sequence[str]) -> dict[str, str]:
        return self._db.read(read_persons_by_pseudonym, pseudonyms)

    def _feed_events(self, after: int, limit: int) -> FeedSlice:
        return self._db.read(read_events, after, limit)

    def peer_cursor(self, peer: str) -> str | None:
        return self._db.read(read_cursor, peer)

    def push_position(self, target: str) -> int:
        return self._db.read(read_push_position, target)

    def _set_push_position(self, target: str, seq: int) -> None:
        self._db.write(write_push_position, target, seq)

    def apply_peer_batch(self, batch: PeerBatch) -> PeerApplied:
        return self._db.write(apply_peer_batch, batch, self._clock())
