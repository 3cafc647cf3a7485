"""Beneficial owners (受益所有人) and the actual controller (实际控制人), over effective stakes.

Rules, each written once here:

* **Beneficial owner**: a natural person whose effective stake (see :mod:`graph_service.domain.ownership`)
  is at or above the threshold (25 % by default, ``Settings.ubo_threshold``). Exactly 25 % counts.
* **Actual controller**, in this order:
  1. a declared ``actual_controller`` relation into the subject, valid on the date (several = joint
     control, all named);
  2. else the top of the *majority chain*: the nearest holder with more than 50 % effective stake in the
     subject, then the nearest holder with more than 50 % in that holder, and so on. Control passes
     along majorities, not products: ``P`` 51 % of ``A``, ``A`` 51 % of ``T`` makes ``P`` the controller
     of ``T`` although ``P``'s effective stake is 26 %;
  3. else none is identified, and the largest holders are given as candidates.
* **Controlled companies** (downward): a company in which the subject, or a company it controls, holds
  more than 50 % effective stake.

Exactly 50 % is not a majority. Two different holders that each seem to hold a majority at the same
distance (only possible with inconsistent ratios) identify nobody: both are given as candidates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from graph_service.domain.model import Relation, RelationKind
from graph_service.domain.ownership import TOLERANCE, Stake, StakeTable, effective_stakes

MAJORITY = 0.5
CANDIDATES = 3

ControlBasis = Literal["declared", "majority_stake", "none"]


class ControllerFinding(BaseModel):
    """Who controls the subject, on which basis, and the majority chain behind it."""

    basis: ControlBasis = Field(examples=["majority_stake"])
    controller_ids: list[str] = Field(description="Empty when none is identified; several for joint control")
    ownership_chain: list[str] = Field(
        default_factory=list,
        description="Majority chain upwards from the subject's nearest majority holder (computed always)",
    )
    stake: float | None = Field(default=None, description="Effective stake of a single controller")
    candidates: list[Stake] = Field(default_factory=list, description="Largest holders when none is found")
    note: str


def is_majority(stake: float) -> bool:
    return stake - MAJORITY > TOLERANCE


def beneficial_owners(table: StakeTable, threshold: float) -> list[Stake]:
    """Natural persons holding at least ``threshold`` of the subject, largest first."""
    if table.direction != "up":
        raise ValueError("beneficial owners are read from an upward stake table")
    return [s for s in table.stakes if s.is_person and s.stake >= threshold - TOLERANCE]


def majority_chain(
    table: StakeTable, relations: Sequence[Relation], *, as_of: dt.date | None
) -> tuple[list[str], list[Stake]]:
    """The majority chain above ``table.root_id`` and, if it stops on a tie, the tied holders."""
    chain: list[str] = []
    seen = {table.root_id}
    current = table
    while True:
        majority = [s for s in current.stakes if is_majority(s.stake) and s.subject_id not in seen]
        if not majority:
            return chain, []
        nearest_layer = min(s.layer for s in majority)
        nearest = [s for s in majority if s.layer == nearest_layer]
        if len(nearest) > 1:
            return chain, nearest
        holder = nearest[0]
        chain.append(holder.subject_id)
        seen.add(holder.subject_id)
        if holder.is_person:
            return chain, []
        current = effective_stakes(
            holder.subject_id, relations, direction="up", as_of=as_of, max_layers=table.max_layers
        )


def actual_controller(
    table: StakeTable,
    relations: Sequence[Relation],
    declared: Iterable[Relation],
    *,
    as_of: dt.date,
) -> ControllerFinding:
    """The actual controller of ``table.root_id`` on ``as_of`` by the module's rules.

    ``relations`` are the shareholdings the table was computed from; ``declared`` the relations into the
    subject (only valid ``actual_controller`` ones are used).
    """
    if table.direction != "up":
        raise ValueError("the actual controller is read from an upward stake table")
    root = table.root_id
    chain, tied = majority_chain(table, relations, as_of=as_of)
    declared_ids = sorted(
        {
            r.source_id
            for r in declared
            if r.kind is RelationKind.ACTUAL_CONTROLLER and r.target_id == root and r.valid_on(as_of)
        }
    )
    if declared_ids:
        single = table.stake_of(declared_ids[0]) if len(declared_ids) == 1 else None
        return ControllerFinding(
            basis="declared",
            controller_ids=declared_ids,
            ownership_chain=chain,
            stake=single.stake if single else None,
            note="Declared actual controller (实际控制人) relation valid on the date.",
        )
    if chain:
        top = table.stake_of(chain[-1])
        return ControllerFinding(
            basis="majority_stake",
            controller_ids=[chain[-1]],
            ownership_chain=chain,
            stake=top.stake if top else None,
            note="Top of the chain of holders with more than 50 % effective stake (控股链顶端).",
        )
    candidates = tied if tied else table.stakes[:CANDIDATES]
    return ControllerFinding(
        basis="none",
        controller_ids=[],
        candidates=candidates,
        note=(
            "None identified (未识别实际控制人): no declared actual controller and no holder with more than "
            "50 % effective stake; the largest holders are listed as candidates."
        ),
    )


def controlled_companies(
    root_id: str, relations: Sequence[Relation], *, as_of: dt.date | None, max_layers: int
) -> dict[str, str]:
    """Companies controlled by ``root_id`` (directly or through companies it controls) -> controlling parent.

    ``relations`` must hold the shareholdings downwards from ``root_id`` (what it and the companies below
    it hold).
    """
    controlled: dict[str, str] = {}
    queue = [root_id]
    while queue:
        parent = queue.pop(0)
        table = effective_stakes(parent, relations, direction="down", as_of=as_of, max_layers=max_layers)
        for stake in table.stakes:
            key = stake.subject_id
            if is_majority(stake.stake) and key != root_id and key not in controlled:
                controlled[key] = parent
                queue.append(key)
    return controlled
