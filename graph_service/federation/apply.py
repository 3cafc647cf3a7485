"""Applying one verified page of a peer's feed to this store: recognition (互认) of its entries.

The page was checked by the client (signature, freshness, replay, cursor order) before it comes here.
This module parses it, decides what can be applied, computes this deployment's personal links of each
entry from its own graph (the persons who held roles in the listed organisation on the act date, as for
a local entry), and hands the page to :meth:`FeedPort.apply_peer_batch`, which stores the applied events
and the peer's cursor in ONE transaction.

Persons a peer names by pseudonym (``~p~<kid>~<hex>``: we are not cleared for their ID numbers, and
the federation shares pseudonym keys) are matched to our own persons by their pseudonyms
(:meth:`GraphPort.persons_by_pseudonym`); the entry then names our person. An unmatched pseudonymous
person is stored under its pseudonymous key.

Events that cannot be applied are skipped, counted by reason, and the cursor still moves past them:
``masked`` — the peer masked ID numbers in them (this deployment is not cleared to receive full ID
numbers from it, and the federation has no pseudonym keys); ``unresolvable`` — they name a subject
neither stored here nor sent with the page (possible only for an old event whose person was merged at
the peer since; a later event carries the current state). Events and records a peer may not send
(:mod:`graph_service.domain.peer_trust`) are refused the same way, counted by refusal and logged with
the event's ``seq``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from graph_service.domain.feed import FeedEvent
from graph_service.domain.model import Organization, Person
from graph_service.domain.peer_batch import PeerBatch, PeerItem
from graph_service.domain.peer_trust import event_refusal, subject_refusal
from graph_service.domain.pseudonyms import is_pseudonymous_key
from graph_service.errors import InvalidInput
from graph_service.services.workflow.links import links_for_entry
from graph_service.store.base import GraphStore

_MASKED_ID = re.compile(r"\d{6}\*{8}\d{3}[\dX]")
_SUBJECT = TypeAdapter(Organization | Person)
log = logging.getLogger(__name__)


@dataclass
class PageOutcome:
    """What one page did here."""

    events: int
    applied: list[str]
    skipped: Counter[str] = field(default_factory=Counter)
    cursor: str = ""
    caught_up: bool = False


def apply_page(
    store: GraphStore,
    page: Mapping[str, Any],
    *,
    peer: str,
    home_region: str,
    expected_cursor: str | None,
    speaks_for: frozenset[str] | None = None,
) -> PageOutcome:
    """Apply a verified page; ``InvalidInput`` (nothing written) if it is not a well-formed feed page.

    ``speaks_for``: the regions the peer may speak for (its own and those it relays); None when the
    peer's region is not configured (then only the region-consistency rule applies).
    """
    raw_events = page.get("events")
    cursor = page.get("next")
    if not isinstance(raw_events, list) or not isinstance(cursor, str):
        raise InvalidInput.for_field("page", str(page)[:200], "is not a feed page (no events or next cursor)")
    skipped: Counter[str] = Counter()
    events: list[FeedEvent] = []
    for i, raw in enumerate(raw_events):
        event = _event(i, raw)
        if event is None:
            skipped["masked"] += 1
            continue
        refusal = event_refusal(event, speaks_for=speaks_for)
        if refusal is not None:
            skipped[refusal.value] += 1
            log.warning(
                "peer %s: event seq %d refused (%s): entry %r, event region %s, entry region %s",
                peer,
                event.seq,
                refusal.value,
                event.entry.entry_id,
                event.source_region,
                event.entry.source_region,
            )
            continue
        events.append(_with_source(event))
    sent = _subjects(page.get("subjects"))
    local = _local_persons(store, events)
    events = [_with_local_persons(event, local) for event in events]
    named = {key for event in events for key in _named(event)}
    stored = store.get_subjects(sorted(named | set(sent)))
    given = {}
    for key, subject in sent.items():
        refused = subject_refusal(subject, home_region=home_region)
        if refused is None:
            given[key] = subject
        elif key not in stored:  # a record of a subject we hold is never used: nothing to refuse
            skipped[refused.value] += 1
            log.warning("peer %s: subject record %s refused (%s)", peer, key, refused.value)
    items: list[PeerItem] = []
    for event in events:
        if any(key not in stored and key not in given for key in _named(event)):
            skipped["unresolvable"] += 1
            continue
        items.append(PeerItem(event=event, links=tuple(links_for_entry(store, event.entry))))
    needed = sorted({key for item in items for key in _named(item.event)} - stored.keys())
    result = store.apply_peer_batch(
        PeerBatch(
            peer=peer,
            expected_cursor=expected_cursor,
            cursor=cursor,
            home_region=home_region,
            subjects=tuple(given[key] for key in needed),
            items=tuple(items),
        )
    )
    identified = [p for p in (given[key] for key in needed) if isinstance(p, Person) and not p.unresolved]
    if identified and store.pseudonymiser is not None:
        # Persons a cleared peer sent with their ID numbers: indexed under the federation's keys, and a
        # pseudonymous person heard earlier from another peer merged into them (written unchanged).
        store.upsert_persons(identified)
    skipped.update({reason.value: n for reason, n in result.skipped.items()})
    return PageOutcome(
        events=len(raw_events),
        applied=result.applied,
        skipped=skipped,
        cursor=cursor,
        caught_up=bool(page.get("caught_up")),
    )


def _event(index: int, raw: Any) -> FeedEvent | None:
    """The event, or None if the peer masked ID numbers in it; ``InvalidInput`` if it is malformed."""
    try:
        return FeedEvent.model_validate(raw)
    except ValidationError as exc:
        if _MASKED_ID.search(str(raw)):
            return None
        raise InvalidInput.for_field(
            f"events[{index}]", str(raw)[:200], f"is not a feed event: {exc}"
        ) from exc


def _subjects(raw: Any) -> dict[str, Organization | Person]:
    """Subject records sent with the page, by key; masked ones (unusable here) are left out."""
    if not isinstance(raw, dict):
        return {}
    found: dict[str, Organization | Person] = {}
    for key, record in raw.items():
        if _MASKED_ID.search(str(key)):
            continue
        try:
            subject = _SUBJECT.validate_python(record)
        except ValidationError as exc:
            raise InvalidInput.for_field(
                f"subjects[{key}]", str(record)[:200], f"is not a subject: {exc}"
            ) from exc
        found[subject.key] = subject
    return found


def _local_persons(store: GraphStore, events: list[FeedEvent]) -> dict[str, str]:
    """The persons stored here whose ID number has a pseudonym the events name: pseudonym -> key."""
    pseudonyms = {key for event in events for key in _named(event) if is_pseudonymous_key(key)}
    return store.persons_by_pseudonym(pseudonyms) if pseudonyms else {}


def _with_local_persons(event: FeedEvent, local: Mapping[str, str]) -> FeedEvent:
    """The event naming our own persons where the peer named them by a pseudonym we match.

    The peer's pseudonymous persons we do not match stay as they are (stored as pseudonymous persons,
    merged into a person with that ID number when one is loaded here: ``GraphPort.upsert_persons``).
    """
    entry = event.entry
    subject_id = local.get(entry.subject_id, entry.subject_id)
    responsible = tuple(local.get(key, key) for key in entry.responsible_person_ids)
    if subject_id == entry.subject_id and responsible == entry.responsible_person_ids:
        return event
    update: dict[str, Any] = {"subject_id": subject_id, "responsible_person_ids": responsible}
    return event.model_copy(update={"entry": entry.model_copy(update=update)})


def _named(event: FeedEvent) -> tuple[str, ...]:
    return (event.entry.subject_id, *event.entry.responsible_person_ids)


def _with_source(event: FeedEvent) -> FeedEvent:
    """The event with the entry's ``source_region`` set: a recognised entry always shows its origin."""
    region = event.source_region or event.entry.source_region
    if region is None:
        raise InvalidInput.for_field("events.source_region", None, "a peer's event must name its region")
    if event.source_region == region and event.entry.source_region == region:
        return event
    entry = event.entry.model_copy(update={"source_region": event.entry.source_region or region})
    return event.model_copy(update={"source_region": region, "entry": entry})
