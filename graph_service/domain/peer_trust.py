"""What a peer may say: it speaks for its own region (and those it relays), never for ours.

Mutual recognition (互认, 安化县实施意见 (四)2; 云浮市实施方案 (十七)) recognises another region's decisions
as *that region's*. A signed page proves who sent it, not that its contents are the sender's to make, so
each event is checked before it is judged (:func:`graph_service.domain.feed.disposition`):

* the entry's own ``source_region`` must be the event's region — an entry dressed as another region's
  decision (say, as ours: it would be stored as a local decision, disputable here and re-published as ours)
  is refused;
* that region must be the peer's own or one it is configured to relay (a province hub);
* subject records a peer sends never create a subject of the receiver's own region: our registry comes
  from our own market-regulation data.
"""

from __future__ import annotations

from enum import StrEnum

from graph_service.domain.feed import FeedEvent
from graph_service.domain.model import Organization, Person


class Refusal(StrEnum):
    """Why a peer's event or record is refused (counted in the sync summary, logged with the seq)."""

    REGION_MISMATCH = "region_mismatch"  # the entry's source_region is not the event's region
    NOT_PEERS_REGION = "not_peers_region"  # a region the peer neither is nor relays
    HOME_SUBJECT = "home_subject"  # a record of a subject in the receiver's own region


def event_refusal(event: FeedEvent, *, speaks_for: frozenset[str] | None) -> Refusal | None:
    """Why ``event`` may not be applied, or None. ``speaks_for`` None: the peer's region is not configured.

    The receiver's own region needs no rule here: :func:`~graph_service.domain.feed.disposition` never
    applies an event of the home region (it is our own decision relayed back).
    """
    region = event.source_region
    if event.entry.source_region is not None and region is not None and event.entry.source_region != region:
        return Refusal.REGION_MISMATCH
    claimed = region or event.entry.source_region
    if speaks_for is not None and claimed not in speaks_for:
        return Refusal.NOT_PEERS_REGION
    return None


def subject_refusal(subject: Organization | Person, *, home_region: str) -> Refusal | None:
    """Why a subject record from a peer may not be stored here, or None."""
    if isinstance(subject, Organization) and subject.region == home_region:
        return Refusal.HOME_SUBJECT
    return None
