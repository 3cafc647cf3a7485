"""Ownership penetration (股权穿透): effective stakes along shareholding chains, cycles included.

Method — simple paths. The effective stake of a holder ``H`` in a company ``T`` is the sum, over every
*simple* chain of shareholdings ``H -> X1 -> … -> T`` (no company visited twice), of the product of the
ratios along the chain, for chains of at most ``max_layers`` holdings (10 by default). A diamond
(``H`` holds ``A`` and ``B``, both hold ``T``) therefore adds its two chains; a cycle (``A`` holds ``B``,
``B`` holds ``A``) is walked at most once around, because a chain stops where it would re-enter a company
it has already passed, so no holding is counted twice. Chains that would close a cycle are reported as
:class:`Cycle` instead.

Why not the matrix method (``(I - A)^-1``, "integrated ownership")? It sums over all *walks*, so each
trip around a cycle adds again (a geometric series): ``A`` 50 % of ``B`` and ``B`` 50 % of ``A`` credits
``A``'s holders with 1 / (1 - 0.25) = 4/3 of what the chains show. That is a valid economic reading, but
the beneficial-owner rules (受益所有人信息管理办法: "直接或者间接拥有超过25%股权") are applied to
ownership chains an investigator can list and check, and a number that no single chain explains cannot be
put in a case file. Simple paths give exactly the sum of the chains shown, never more than the matrix
method, and equal it when there is no cycle.

Pure: imports only pydantic, the standard library and sibling domain modules. Parallel shareholding
relations between the same holder and company that are valid together are added (separate subscriptions),
capped at 100 %. A relation without a ratio keeps the holder in the answer, but its chains add nothing to
the stake and are counted in ``paths_with_unknown_ratio``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from graph_service.domain.identifiers import is_uscc_shaped
from graph_service.domain.model import Relation, RelationKind

OwnershipDirection = Literal["up", "down"]

MAX_LAYERS = 10
DEFAULT_MAX_PATHS = 50_000
# Float products of registry ratios (0.1 * 0.25 …) miss exact thresholds by ~1e-17; a boundary stake must
# still count, so comparisons allow this much.
TOLERANCE = 1e-9
KEPT_PATHS = 5


class StakePath(BaseModel):
    """One chain of holdings, listed from the analysed subject outwards."""

    subject_ids: list[str] = Field(
        description="The analysed subject first, the holder (or held company) last"
    )
    ratios: list[float | None] = Field(description="Ratio of each holding along the chain, in the same order")
    stake: float | None = Field(description="Product of the ratios; null if one of them is unknown")


class Stake(BaseModel):
    """A holder's effective stake in the subject (``up``), or the subject's in a company (``down``)."""

    subject_id: str
    is_person: bool
    layer: int = Field(ge=1, description="Holdings on the shortest chain (1 = direct)")
    direct_ratio: float | None = Field(default=None, description="The direct holding, if there is one")
    stake: float = Field(ge=0, description="Sum over simple chains of the product of ratios")
    path_count: int = Field(ge=1)
    paths_with_unknown_ratio: int = 0
    top_paths: list[StakePath] = Field(default_factory=list, description="The largest chains, at most 5")


class Cycle(BaseModel):
    """A circular shareholding: each subject holds the next, the last holds the first (smallest id first)."""

    subject_ids: list[str]


class StakeTable(BaseModel):
    """Every subject reached from ``root_id`` along shareholdings, with its effective stake."""

    root_id: str
    direction: OwnershipDirection
    max_layers: int
    stakes: list[Stake] = Field(description="Largest stake first, then by id")
    cycles: list[Cycle] = Field(default_factory=list)
    layer_limit_reached: bool = Field(default=False, description="Some chain went on beyond max_layers")
    truncated: bool = Field(default=False, description="The chain budget ran out; stakes are lower bounds")

    def stake_of(self, subject_id: str) -> Stake | None:
        return next((s for s in self.stakes if s.subject_id == subject_id), None)


def holding_ratios(
    relations: Iterable[Relation], as_of: dt.date | None
) -> dict[tuple[str, str], float | None]:
    """One ratio per ``(holder, held)`` from the shareholding relations valid on ``as_of`` (None = all).

    Parallel relations valid together are added, capped at 1; the pair's ratio is None only if none of
    them states a ratio. Relations of other kinds are ignored.
    """
    known: dict[tuple[str, str], float] = {}
    pairs: set[tuple[str, str]] = set()
    for relation in relations:
        if relation.kind is not RelationKind.SHAREHOLDER:
            continue
        if as_of is not None and not relation.valid_on(as_of):
            continue
        pair = (relation.source_id, relation.target_id)
        pairs.add(pair)
        if relation.ratio is not None:
            known[pair] = min(1.0, known.get(pair, 0.0) + relation.ratio)
    return {pair: known.get(pair) for pair in sorted(pairs)}


@dataclass
class _Acc:
    layer: int
    stake: float = 0.0
    count: int = 0
    unknown: int = 0
    paths: list[StakePath] = field(default_factory=list)

    def add(self, path: StakePath) -> None:
        self.count += 1
        if path.stake is None:
            self.unknown += 1
        else:
            self.stake += path.stake
        self.paths.append(path)
        if len(self.paths) > 4 * KEPT_PATHS:  # keep memory flat on dense groups
            self.paths = _largest(self.paths)


def _largest(paths: list[StakePath]) -> list[StakePath]:
    ordered = sorted(paths, key=lambda p: (-(p.stake if p.stake is not None else -1.0), len(p.subject_ids)))
    return ordered[:KEPT_PATHS]


def effective_stakes(
    root_id: str,
    relations: Iterable[Relation],
    *,
    direction: OwnershipDirection,
    as_of: dt.date | None,
    max_layers: int = MAX_LAYERS,
    max_paths: int = DEFAULT_MAX_PATHS,
) -> StakeTable:
    """Effective stakes by simple chains from ``root_id``: its holders (``up``) or holdings (``down``).

    ``relations`` may hold more than the chains from ``root_id`` need (what the caller extracted);
    only shareholdings valid on ``as_of`` count. At most ``max_paths`` chains are followed, after which
    the table is flagged ``truncated`` and every stake is a lower bound.
    """
    if not 1 <= max_layers <= MAX_LAYERS:
        raise ValueError(f"max_layers must be between 1 and {MAX_LAYERS}, got {max_layers}")
    ratios = holding_ratios(relations, as_of)
    step: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    for (holder, held), ratio in ratios.items():
        if direction == "up":
            step[held].append((holder, ratio))
        else:
            step[holder].append((held, ratio))

    acc: dict[str, _Acc] = {}
    cycles: set[tuple[str, ...]] = set()
    state = {"paths": 0, "truncated": False, "layer_limit": False}
    path: list[str] = [root_id]
    chain: list[float | None] = []

    def walk(product: float | None) -> None:
        node = path[-1]
        for nxt, ratio in step.get(node, ()):
            if nxt in path:
                cycles.add(_cycle(path[path.index(nxt) :], direction))
                continue
            if len(chain) >= max_layers:
                state["layer_limit"] = True
                return
            if state["paths"] >= max_paths:
                state["truncated"] = True
                return
            state["paths"] += 1
            stake = None if product is None or ratio is None else product * ratio
            path.append(nxt)
            chain.append(ratio)
            found = acc.setdefault(nxt, _Acc(layer=len(chain)))
            found.layer = min(found.layer, len(chain))
            found.add(StakePath(subject_ids=list(path), ratios=list(chain), stake=stake))
            walk(stake)
            path.pop()
            chain.pop()

    walk(1.0)
    stakes = [
        Stake(
            subject_id=key,
            is_person=not is_uscc_shaped(key),
            layer=a.layer,
            direct_ratio=_direct(ratios, root_id, key, direction),
            stake=a.stake,
            path_count=a.count,
            paths_with_unknown_ratio=a.unknown,
            top_paths=_largest(a.paths),
        )
        for key, a in acc.items()
    ]
    stakes.sort(key=lambda s: (-s.stake, s.subject_id))
    return StakeTable(
        root_id=root_id,
        direction=direction,
        max_layers=max_layers,
        stakes=stakes,
        cycles=[Cycle(subject_ids=list(c)) for c in sorted(cycles)],
        layer_limit_reached=bool(state["layer_limit"]),
        truncated=bool(state["truncated"]),
    )


def _direct(
    ratios: dict[tuple[str, str], float | None], root_id: str, other: str, direction: OwnershipDirection
) -> float | None:
    pair = (other, root_id) if direction == "up" else (root_id, other)
    return ratios.get(pair)


def _cycle(walked: list[str], direction: OwnershipDirection) -> tuple[str, ...]:
    """The nodes of a closed chain in holding order (holder before held), rotated to start at the least id.

    Walking ``up`` visits held before holder, so the walk is reversed; ``down`` walks in holding order.
    """
    order = list(reversed(walked)) if direction == "up" else list(walked)
    start = order.index(min(order))
    return tuple(order[start:] + order[:start])
