"""Ownership penetration for one subject: extraction layer by layer, then the pure maths of the domain.

Upward (``direction="up"``): who holds the subject, its beneficial owners and actual controller.
Downward (``"down"``): what the subject holds and which companies it controls. The maths and the rules
live in :mod:`graph_service.domain.ownership` and :mod:`graph_service.domain.control`; this module only
reads shareholdings valid on ``as_of`` from the store and names the subjects.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from graph_service.domain.control import (
    ControllerFinding,
    actual_controller,
    beneficial_owners,
    controlled_companies,
)
from graph_service.domain.identifiers import is_uscc_shaped
from graph_service.domain.model import Direction, Relation, RelationKind, Subject
from graph_service.domain.ownership import (
    MAX_LAYERS,
    TOLERANCE,
    Cycle,
    OwnershipDirection,
    Stake,
    effective_stakes,
)
from graph_service.errors import InvalidInput
from graph_service.services.checks.models import SubjectRef
from graph_service.services.checks.related_party import subject_ref
from graph_service.services.explore.subgraph import require_subjects
from graph_service.store.base import GraphStore

_SHAREHOLDER = frozenset({RelationKind.SHAREHOLDER})
# Companies read per extraction: beyond this a group is better studied from an export.
MAX_COMPANIES = 5_000

METHOD = (
    "Effective stake = sum over simple shareholding chains (no company twice, at most max_layers "
    "holdings) of the product of the ratios; a cycle is walked at most once around and reported. "
    "See docs/explorer.md."
)


class StakeView(Stake):
    """A stake with the holder's (or held company's) name and kind."""

    subject: SubjectRef
    controlled: bool | None = Field(default=None, description="Downward: the subject controls this company")
    controlled_via: str | None = Field(default=None, description="Downward: the controlling parent")


class HoldingEdge(BaseModel):
    """One shareholding used in the computation (the page draws the ownership tree from these)."""

    source_id: str
    target_id: str
    ratio: float | None
    start_on: dt.date | None = None
    end_on: dt.date | None = None


class OwnershipView(BaseModel):
    subject: SubjectRef
    as_of: dt.date
    direction: OwnershipDirection
    min_ratio: float
    max_layers: int
    method: str = METHOD
    stakes: list[StakeView] = Field(description="Effective stakes of at least min_ratio, largest first")
    omitted_below_min_ratio: int = 0
    ubo_threshold: float | None = None
    beneficial_owners: list[StakeView] = Field(default_factory=list, description="Upward only")
    actual_controller: ControllerFinding | None = Field(default=None, description="Upward only")
    controller_subjects: list[SubjectRef] = Field(default_factory=list, description="Named controllers")
    cycles: list[Cycle] = Field(default_factory=list, description="Circular shareholdings met on the way")
    relations: list[HoldingEdge] = Field(default_factory=list)
    layer_limit_reached: bool = False
    truncated: bool = False
    data_version: int


def shareholdings(
    store: GraphStore, root_id: str, *, direction: OwnershipDirection, as_of: dt.date, max_layers: int
) -> tuple[list[Relation], bool]:
    """Shareholdings valid on ``as_of`` reached from ``root_id`` layer by layer; True if capped.

    Upward each layer asks for the holders ("in") of the companies found so far; downward for the
    companies held ("out"). Persons hold but are not held, so upward walks stop at them. One layer more
    than ``max_layers`` is read, so the maths can tell that chains go on beyond the limit.
    """
    store_direction: Direction = "in" if direction == "up" else "out"
    found: dict[str, Relation] = {}
    visited = {root_id}
    frontier = [root_id]
    for _ in range(max_layers + 1):
        reached: list[str] = []
        for key in frontier:
            for relation in store.relations_of(
                key, as_of=as_of, kinds=_SHAREHOLDER, direction=store_direction
            ):
                found[relation.key] = relation
                other = relation.source_id if direction == "up" else relation.target_id
                if other not in visited and is_uscc_shaped(other):
                    if len(visited) >= MAX_COMPANIES:
                        return list(found.values()), True
                    visited.add(other)
                    reached.append(other)
        frontier = sorted(reached)
        if not frontier:
            break
    return [found[key] for key in sorted(found)], False


def ownership(
    store: GraphStore,
    subject_id: str,
    *,
    direction: OwnershipDirection,
    as_of: dt.date,
    min_ratio: float,
    max_layers: int,
    ubo_threshold: float,
) -> OwnershipView:
    """Effective stakes around ``subject_id`` on ``as_of``; upward with beneficial owners and controller."""
    if not 0 <= min_ratio <= 1:
        raise InvalidInput.for_field("min_ratio", min_ratio, "must be between 0 and 1")
    if not 1 <= max_layers <= MAX_LAYERS:
        raise InvalidInput.for_field("max_layers", max_layers, f"must be between 1 and {MAX_LAYERS}")
    require_subjects(store, [("subject_id", subject_id)])
    data_version = store.data_version()
    relations, capped = shareholdings(
        store, subject_id, direction=direction, as_of=as_of, max_layers=max_layers
    )
    table = effective_stakes(subject_id, relations, direction=direction, as_of=as_of, max_layers=max_layers)
    finding: ControllerFinding | None = None
    owners: list[Stake] = []
    controlled: dict[str, str] = {}
    if direction == "up":
        owners = beneficial_owners(table, ubo_threshold)
        declared = store.relations_of(
            subject_id, as_of=as_of, kinds=frozenset({RelationKind.ACTUAL_CONTROLLER}), direction="in"
        )
        finding = actual_controller(table, relations, declared, as_of=as_of)
    else:
        controlled = controlled_companies(subject_id, relations, as_of=as_of, max_layers=max_layers)
    shown = [s for s in table.stakes if s.stake >= min_ratio - TOLERANCE]
    named = {subject_id, *(s.subject_id for s in table.stakes)}
    if finding is not None:
        named.update(finding.controller_ids)
    subjects = store.get_subjects(named)

    def view(stake: Stake) -> StakeView:
        via = controlled.get(stake.subject_id)
        return StakeView(
            **stake.model_dump(),
            subject=subject_ref(stake.subject_id, subjects.get(stake.subject_id)),
            controlled=None if direction == "up" else via is not None,
            controlled_via=via,
        )

    return OwnershipView(
        subject=subject_ref(subject_id, subjects.get(subject_id)),
        as_of=as_of,
        direction=direction,
        min_ratio=min_ratio,
        max_layers=max_layers,
        stakes=[view(s) for s in shown],
        omitted_below_min_ratio=len(table.stakes) - len(shown),
        ubo_threshold=ubo_threshold if direction == "up" else None,
        beneficial_owners=[view(s) for s in owners],
        actual_controller=finding,
        controller_subjects=[_ref(k, subjects) for k in (finding.controller_ids if finding else [])],
        cycles=table.cycles,
        relations=[
            HoldingEdge(
                source_id=r.source_id,
                target_id=r.target_id,
                ratio=r.ratio,
                start_on=r.start_on,
                end_on=r.end_on,
            )
            for r in relations
            if r.source_id in named and r.target_id in named
        ],
        layer_limit_reached=table.layer_limit_reached,
        truncated=table.truncated or capped,
        data_version=data_version,
    )


def _ref(key: str, subjects: dict[str, Subject]) -> SubjectRef:
    return subject_ref(key, subjects.get(key))
