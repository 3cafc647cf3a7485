"""A store's whole content as domain records, in an order it can be rebuilt in (a public dump).

A record is a domain model (subject, relation, entry, status change, penalty, personal link, workflow
record, delivery, feed event) or one of the small bookkeeping records below. Subjects come before the
relations between them, entries before their history, links and feed events; a reader that rebuilds a
graph from the dump (the Neo4j bulk import) never meets a reference to something not yet read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from graph_service.domain.feed import FeedEvent
from graph_service.domain.model import ListEntry, Relation, StatusChange, Subject
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.webhooks import Delivery
from graph_service.domain.workflow import Dispute, RepairApplication, Task


@dataclass(frozen=True, slots=True)
class PersonMerge:
    """The unresolved person ``from_key`` was resolved to ``into_key`` at ``at``."""

    from_key: str
    into_key: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class PeerCursor:
    """How far the store has applied the feed of ``peer``."""

    peer: str
    cursor: str


@dataclass(frozen=True, slots=True)
class PushPosition:
    """How far push target ``target`` acknowledged this store's feed."""

    target: str
    seq: int


@dataclass(frozen=True, slots=True)
class FeedStartsAfter:
    """The feed's numbering continues after ``seq``: the events up to it are gone (a cleared store)."""

    seq: int


StoredRecord = (
    Subject
    | Relation
    | ListEntry
    | StatusChange
    | PenaltyRecord
    | PersonalLink
    | PersonMerge
    | Task
    | Dispute
    | RepairApplication
    | Delivery
    | FeedEvent
    | PeerCursor
    | PushPosition
    | FeedStartsAfter
)


class Dumpable(Protocol):
    """A store that can hand out its whole content (the embedded store does)."""

    def dump(self) -> Iterator[StoredRecord]:
        """Every stored record, in dependency order; the store's lock is held until the iterator ends."""
        ...
