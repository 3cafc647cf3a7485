"""Propagation: whom a list entry reaches, and through what (惩戒落实到人).

Two steps, both pure:

1. :func:`personal_links` — which persons an entry is linked to: every person who held a role in the listed
   organisation **on the act date** (``act_on``, else ``decided_on``), and every person named as directly
   responsible. These links are the persons' credit records; they do not depend on the catalog, so they are
   stored once and a county can change its catalog without recomputing them.
2. :func:`reaches_via_link` / :func:`reaches_of_self` — which catalog measures reach a subject through an
   entry: the listed subject through ``self`` targets, a linked person through a ``role`` target it held
   (with ``direct_only`` demanding direct responsibility) or a ``responsible`` target.

The act-date rule comes from the seeds' wording "对严重失信企业及其法定代表人、主要负责人…实施":
the person who
represented the enterprise when the act happened answers for it — a legal representative appointed after
the act is not reached, one who left after it still is.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from graph_service.domain.identifiers import is_uscc_shaped
from graph_service.domain.measures import Catalog, Measure, MeasureKind, TargetKind
from graph_service.domain.model import CreditDomain, ListEntry, ListKind, Relation, RelationKind

#: Relations that make a person answer for an organisation's entry when a catalog target names them.
PERSON_LINK_KINDS: frozenset[RelationKind] = frozenset(RelationKind) - {RelationKind.BRANCH_OF}


class PersonalLink(BaseModel):
    """A person's credit-record link to an entry: roles held on the act date, and direct responsibility."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    person_id: str
    entry_id: str
    org_id: str | None
    roles: tuple[RelationKind, ...] = ()
    responsible: bool = False

    @property
    def key(self) -> str:
        return f"{self.person_id}|{self.entry_id}"


class Reach(BaseModel):
    """One measure reaching one subject through one entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    measure_id: str
    entry_id: str
    subject_id: str
    via: str  # "self", a role ("legal_representative", ...) or "responsible"
    org_id: str | None = None


def personal_links(entry: ListEntry, relations_on_act_date: Iterable[Relation]) -> list[PersonalLink]:
    """The persons an entry is linked to, given the relations into its subject valid on the act date.

    Relations not valid on ``entry.act_date`` are ignored, so callers may pass a whole history. Persons
    named responsible are linked even without a role. Sorted by person id.
    """
    org_id = entry.subject_id if is_uscc_shaped(entry.subject_id) else None
    roles: dict[str, set[RelationKind]] = defaultdict(set)
    if org_id is not None:
        for relation in relations_on_act_date:
            if (
                relation.target_id == org_id
                and relation.kind in PERSON_LINK_KINDS
                and not is_uscc_shaped(relation.source_id)
                and relation.valid_on(entry.act_date)
            ):
                roles[relation.source_id].add(relation.kind)
    responsible = set(entry.responsible_person_ids) - {entry.subject_id}
    persons = sorted(set(roles) | responsible)
    return [
        PersonalLink(
            person_id=person,
            entry_id=entry.entry_id,
            org_id=org_id,
            roles=tuple(sorted(roles.get(person, ()))),
            responsible=person in responsible,
        )
        for person in persons
    ]


def reaches_of_self(entry: ListEntry, catalog: Catalog) -> list[Reach]:
    """Measures the entry triggers that reach its own subject (``self`` targets)."""
    # Remembered per catalog by what the answer depends on (a check asks it of every live entry it
    # meets, and building the reaches was a sixth of a check): the rule itself is the comprehension.
    key = (entry.entry_id, entry.subject_id, entry.list, entry.domain)
    memo = _memo_of(catalog).self_reaches
    found = memo.get(key)
    if found is None:
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        found = memo[key] = tuple(
            Reach(measure_id=m.id, entry_id=entry.entry_id, subject_id=entry.subject_id, via="self")
            for m in catalog.triggered_by(entry.list, entry.domain)
            if any(t.kind is TargetKind.SELF for t in m.targets)
        )
    return list(found)


_MEMO_LIMIT = 100_000  # answers remembered per catalog and rule before starting again (tens of MB at most)
_SelfKey = tuple[str, str, ListKind, CreditDomain]
_LinkKey = tuple[str, ListKind, CreditDomain, str, str | None, tuple[RelationKind, ...], bool]


class _Memo:
    """One catalog's remembered answers of :func:`reaches_of_self` and :func:`reaches_via_link`."""

    __slots__ = ("self_reaches", "via_link")

    def __init__(self) -> None:
        self.self_reaches: dict[_SelfKey, tuple[Reach, ...]] = {}
        self.via_link: dict[_LinkKey, tuple[Reach, ...]] = {}


# By catalog object id, each with a weak reference to its catalog (as measures._index_of: hashing a
# catalog hashes every measure); an id is only trusted while the weak reference names the same object.
_MEMOS: dict[int, tuple[weakref.ref[Catalog], _Memo]] = {}


def _memo_of(catalog: Catalog) -> _Memo:
    held = _MEMOS.get(id(catalog))
    if held is not None and held[0]() is catalog:
        return held[1]
    memo = _Memo()
    key = id(catalog)
    _MEMOS[key] = (weakref.ref(catalog, lambda _ref: _MEMOS.pop(key, None)), memo)
    return memo


def _via_for_link(measure: Measure, link: PersonalLink) -> str | None:
    """The first target of ``measure`` (in catalog order) that the linked person satisfies."""
    for target in measure.targets:
        if target.kind is TargetKind.ROLE and target.role in link.roles:
            if not target.direct_only or link.responsible:
                return target.via
        elif target.kind is TargetKind.RESPONSIBLE and link.responsible:
            return target.via
    return None


def reaches_via_link(entry: ListEntry, link: PersonalLink, catalog: Catalog) -> list[Reach]:
    """Measures the entry triggers that reach the linked person, each with the target it came through."""
    # Remembered as reaches_of_self is, by everything the answer depends on.
    key = (
        entry.entry_id,
        entry.list,
        entry.domain,
        link.person_id,
        link.org_id,
        link.roles,
        link.responsible,
    )
    memo = _memo_of(catalog).via_link
    found = memo.get(key)
    if found is None:
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        reaches: list[Reach] = []
        for measure in catalog.triggered_by(entry.list, entry.domain):
            via = _via_for_link(measure, link)
            if via is not None:
                reaches.append(
                    Reach(
                        measure_id=measure.id,
                        entry_id=entry.entry_id,
                        subject_id=link.person_id,
                        via=via,
                        org_id=link.org_id,
                    )
                )
        found = memo[key] = tuple(reaches)
    return list(found)


def is_personal_credit_record(link: PersonalLink, entry: ListEntry, catalog: Catalog) -> bool:
    """Whether a link is a personal credit record: a ``record`` measure reaches the person through it."""
    return any(
        catalog.get(r.measure_id).kind is MeasureKind.RECORD for r in reaches_via_link(entry, link, catalog)
    )
