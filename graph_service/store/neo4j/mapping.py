"""The one place that translates between domain models and what the Neo4j statements take and return.

Writes: each model becomes a map of node or relationship properties (``None`` left out, because Neo4j
stores no nulls and a property map with nulls never compares equal to a stored node). Labels and
relationship types come from the allow-lists below, built from the domain enums, never from input text.

Reads: property maps from records become domain models again, validated, with Neo4j temporal values
turned back into ``datetime`` values; the links of a check view come as rows (:data:`RELATION_COLUMNS`)
and are built without validation (:func:`link_from_row` says why), its subjects as rows
(:data:`SUBJECT_COLUMNS`) and its entries as maps, their dates as ISO text (:func:`entry_from_view`).
Nothing outside this package sees a driver record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from neo4j.time import Date, DateTime
from pydantic import BaseModel

from graph_service.domain.model import (
    STORED,
    ListEntry,
    Organization,
    OrgKind,
    OrgStatus,
    Person,
    Relation,
    RelationKind,
    StatusChange,
    Subject,
    unvalidated,
)
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.domain.regions import region_chain, region_level, region_parent

Props = dict[str, Any]

#: Label of each organisation kind (a node has exactly one of them, next to :Subject:Organization).
ORG_KIND_LABELS: dict[OrgKind, str] = {
    OrgKind.ENTERPRISE: "Enterprise",
    OrgKind.SOCIAL_ORG: "SocialOrg",
    OrgKind.INSTITUTION: "Institution",
}
_ORG_KIND_BY_LABEL = {label: kind for kind, label in ORG_KIND_LABELS.items()}

#: Relationship type of each relation kind (RelationKind.neo4j_type); the reverse map reads them back.
RELATION_TYPES: dict[RelationKind, str] = {kind: kind.neo4j_type for kind in RelationKind}
_KIND_BY_TYPE = {rel_type: kind for kind, rel_type in RELATION_TYPES.items()}


def fold(text: str) -> str:
    """Case-folded text for case-insensitive search (the same folding the embedded store uses)."""
    return text.strip().casefold()


# ---- domain -> parameters ---------------------------------------------------------------------------


def organization_props(org: Organization) -> Props:
    return _without_none(
        key=org.key,
        uscc=org.uscc,
        name=org.name,
        region=org.region,
        status=org.status.value,
        established_on=org.established_on,
        industry=org.industry,
        key_folded=fold(org.key),
        name_folded=fold(org.name),
    )


def organization_label(org: Organization) -> str:
    return ORG_KIND_LABELS[org.kind]


def person_props(person: Person) -> Props:
    return _without_none(
        key=person.key,
        id_number=person.id_number,
        name=person.name,
        region=person.region,
        key_folded=fold(person.key),
        name_folded=fold(person.name),
    )


def person_labels(person: Person) -> list[str]:
    return ["Person", "Unresolved"] if person.unresolved else ["Person"]


def relation_props(relation: Relation) -> Props:
    return _without_none(
        key=relation.key,
        start_on=relation.start_on,
        end_on=relation.end_on,
        source=relation.source,
        title=relation.title,
        ratio=relation.ratio,
        subscribed_amount=relation.subscribed_amount,
        qualification=relation.qualification,
        certificate_no=relation.certificate_no,
    )


def relation_row(relation: Relation) -> Props:
    """A relation as the add_missing_relations statement takes it."""
    return {
        "type": RELATION_TYPES[relation.kind],
        "key": relation.key,
        "source_id": relation.source_id,
        "target_id": relation.target_id,
        "props": relation_props(relation),
    }


def entry_props(entry: ListEntry) -> Props:
    return _without_none(
        entry_id=entry.entry_id,
        subject_id=entry.subject_id,
        list=entry.list.value,
        domain=entry.domain.value,
        reason=entry.reason,
        act_on=entry.act_on,
        decided_on=entry.decided_on,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
        initiating_dept=entry.initiating_dept,
        basis=entry.basis,
        behaviour_code=entry.behaviour_code,
        source_region=entry.source_region,
        status=entry.status.value,
        responsible_person_ids=list(entry.responsible_person_ids),
        version=entry.version,
    )


def change_props(change: StatusChange) -> Props:
    """A status change as append_status_change takes it (``from_status`` None = stored without it)."""
    return {
        "from_status": None if change.from_status is None else change.from_status.value,
        "to_status": change.to_status.value,
        "at": change.at,
        "actor": change.actor,
        "reason": change.reason,
    }


def penalty_props(penalty: PenaltyRecord) -> Props:
    return _without_none(key=penalty.key, **penalty.model_dump(mode="python")) | {
        "subject_category": penalty.subject_category.value,
        "penalty_categories": list(penalty.penalty_categories),
    }


def penalty_row(penalty: PenaltyRecord) -> Props:
    """A penalty as the add_missing_penalties statement takes it."""
    return {"key": penalty.key, "props": penalty_props(penalty)}


def link_props(link: PersonalLink) -> Props:
    """A personal link's relationship properties (its ends are the person and the entry)."""
    return _without_none(
        org_id=link.org_id, roles=[role.value for role in link.roles], responsible=link.responsible
    )


def region_rows(codes: set[str]) -> list[Props]:
    """Every code with all its ancestors, each once, as upsert_regions takes them."""
    chain = sorted({code for region in codes for code in region_chain(region)})
    rows: list[Props] = []
    for code in chain:
        parent = region_parent(code)
        rows.append(
            {
                "code": code,
                "level": region_level(code).value,
                "parent": parent,
                "parent_level": None if parent is None else region_level(parent).value,
            }
        )
    return rows


# ---- records -> domain ------------------------------------------------------------------------------


def subject_from(labels: list[str], props: Mapping[str, Any]) -> Subject:
    """A stored subject: an Organization when the node has the Organization label, else a Person.

    A node with a stored region is built without validation: our upserts wrote it from a validated
    model, whose validators (identifiers aside, skipped for stored rows anyway) only default a missing
    region, and a check reads a dozen subjects. Without a region it is validated, so the default applies.
    """
    region = props.get("region")
    if "Organization" in labels:
        kinds = [_ORG_KIND_BY_LABEL[label] for label in labels if label in _ORG_KIND_BY_LABEL]
        if len(kinds) != 1:  # the upsert statement always leaves exactly one; anything else is corruption
            raise ValueError(f"organisation node {props['key']!r} has kind labels {kinds}, expected one")
        values = {
            "uscc": props["uscc"],
            "name": props["name"],
            "kind": kinds[0],
            "region": region,
            "status": props["status"],
            "established_on": _day(props.get("established_on")),
            "industry": props.get("industry"),
        }
        if region is None:
            return Organization.model_validate(values, context=STORED)
        values["status"] = OrgStatus(values["status"])
        return _built(Organization, values)
    values = {"key": props["key"], "name": props["name"], "region": region}
    if region is None:
        return Person.model_validate(values, context=STORED)
    return _built(Person, values)


#: The subject properties a check view's subject rows carry (``get_check_view*.cypher``), in this order:
#: what :func:`subject_from` reads of an organisation or a person (its kind is a label); the date as ISO text.
SUBJECT_COLUMNS = ("key", "name", "region", "uscc", "status", "industry", "established_on")


def subject_from_row(labels: list[str], row: Sequence[Any]) -> Subject:
    """A subject of a check view: :func:`subject_from` over a row of :data:`SUBJECT_COLUMNS`."""
    return subject_from(labels, dict(zip(SUBJECT_COLUMNS, row, strict=True)))


#: The relation properties a check view's link rows carry (``get_check_view*.cypher``), in this order, after
#: the relationship type, whether it leaves the subject and the neighbour's key; dates as ISO text.
RELATION_COLUMNS = (
    "start_on",
    "end_on",
    "source",
    "title",
    "ratio",
    "subscribed_amount",
    "qualification",
    "certificate_no",
)


def link_from_row(subject_id: str, row: Sequence[Any]) -> tuple[Relation, str]:
    """One link of a check view's level: the relation and the neighbour it reaches from ``subject_id``.

    Built without validation: the row is a relationship our own upserts wrote from a validated
    :class:`Relation` (:func:`relation_props`), read back field by field, and validating it again was
    about half of decoding a check view (~20 µs a link on the benchmark box, against ~5). The values
    are brought to the field types here (dates from ISO text, amounts as float), so the model equals
    the validated one; the contract suite compares every check view with the port's ordinary reads.
    """
    rel_type, outgoing, other, start_on, end_on, source, title, ratio, amount, qualification, cert = row
    values = {
        "kind": _KIND_BY_TYPE[rel_type],
        "source_id": subject_id if outgoing else other,
        "target_id": other if outgoing else subject_id,
        "start_on": None if start_on is None else dt.date.fromisoformat(start_on),
        "end_on": None if end_on is None else dt.date.fromisoformat(end_on),
        "source": source,
        "title": title,
        "ratio": None if ratio is None else float(ratio),
        "subscribed_amount": None if amount is None else float(amount),
        "qualification": qualification,
        "certificate_no": cert,
    }
    return _built(Relation, values), other


def relation_from(rel_type: str, source_id: str, target_id: str, props: Mapping[str, Any]) -> Relation:
    """A stored relationship as a Relation; its kind is read back through the allow-list."""
    fields = {name: _native(value) for name, value in props.items() if name != "key"}
    return Relation.model_validate(
        {"kind": _KIND_BY_TYPE[rel_type], "source_id": source_id, "target_id": target_id, **fields},
        context=STORED,
    )


def entry_from(props: Mapping[str, Any]) -> ListEntry:
    fields = {name: _native(value) for name, value in props.items()}
    fields["responsible_person_ids"] = tuple(fields.get("responsible_person_ids", ()))
    return ListEntry.model_validate(fields, context=STORED)


#: The date properties of an entry, which the check view statements send as ISO text (``toString``; null
#: when the entry has none): a driver date object costs more to build than the text to parse.
ENTRY_DATES = ("act_on", "decided_on", "valid_from", "valid_until")


def entry_from_view(props: Mapping[str, Any]) -> ListEntry:
    """An entry of a check view: its properties with :data:`ENTRY_DATES` as ISO text or null.

    A null is a property the node does not have, so it is left out, as ``properties(e)`` leaves it out.
    """
    fields = dict(props)
    for name in ENTRY_DATES:
        value = fields.pop(name, None)
        if value is not None:
            fields[name] = dt.date.fromisoformat(value)
    return entry_from(fields)


def change_from(entry_id: str, props: Mapping[str, Any]) -> StatusChange:
    return StatusChange.model_validate(
        {
            "entry_id": entry_id,
            "from_status": props.get("from_status"),
            "to_status": props["to_status"],
            "at": _native(props["at"]),
            "actor": props["actor"],
            "reason": props.get("reason"),
        },
        context=STORED,
    )


def penalty_from(props: Mapping[str, Any]) -> PenaltyRecord:
    fields = {name: _native(value) for name, value in props.items() if name != "key"}
    fields["penalty_categories"] = tuple(fields.get("penalty_categories", ()))
    return PenaltyRecord.model_validate(fields, context=STORED)


def link_from(person_id: str, entry_id: str, props: Mapping[str, Any]) -> PersonalLink:
    return PersonalLink.model_validate(
        {
            "person_id": person_id,
            "entry_id": entry_id,
            "org_id": props.get("org_id"),
            "roles": tuple(props.get("roles", ())),
            "responsible": props["responsible"],
        },
        context=STORED,
    )


#: A relation kind by its value: a personal link stores its roles' values (:func:`link_props`).
_KIND_BY_VALUE = {kind.value: kind for kind in RelationKind}


def link_from_view(person_id: str, entry_id: str, props: Mapping[str, Any]) -> PersonalLink:
    """A personal link of a check view: :func:`link_from`, built without validation.

    The properties are the ones :func:`link_props` wrote from a validated link; the roles are brought
    back to :class:`RelationKind` as validation would, so the model equals :func:`link_from`'s (a unit
    test compares them). A check view carries ~17 links a check on the 1M graph, and validating each was
    a tenth of a batch's decoding.
    """
    values = {
        "person_id": person_id,
        "entry_id": entry_id,
        "org_id": props.get("org_id"),
        "roles": tuple(_KIND_BY_VALUE[role] for role in props.get("roles", ())),
        "responsible": props["responsible"],
    }
    return _built(PersonalLink, values)


_M = TypeVar("_M", bound=BaseModel)


#: A model from values our upserts wrote from a validated model (the domain's one unvalidated constructor).
_built = unvalidated


def _day(value: Date | str | None) -> dt.date | None:
    """A stored date as read back: a driver date, ISO text (the check view statements), or none."""
    if value is None:
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    native: dt.date = value.to_native()
    return native


def _native(value: Any) -> Any:
    """Neo4j temporal values as ``datetime`` values; anything else unchanged."""
    if isinstance(value, Date | DateTime):
        native: dt.date | dt.datetime = value.to_native()
        return native
    return value


def _without_none(**props: Any) -> Props:
    return {name: value for name, value in props.items() if value is not None}
