"""Personal credit-record links: ``(:Person)-[:PERSONAL_LINK {org_id, roles, responsible}]->(:ListEntry)``.

A link says that a person answers for an entry (held a role in the listed organisation on the act date, or
is named as directly responsible). The links are computed by the domain (graph_service.domain.propagation)
and stored here as given; transaction functions for writing, reading and moving them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from neo4j import ManagedTransaction

from cypher import query
from graph_service.domain.model import Relation, UpsertCounts
from graph_service.domain.propagation import PersonalLink
from graph_service.store.neo4j import mapping
from graph_service.store.neo4j.batches import CHUNK_KEYS, CHUNK_ROWS, Folded, chunks, fold_batch
from graph_service.store.neo4j.mapping import Props
from graph_service.store.neo4j.writes import finish, missing_keys, raise_missing, run_upsert


def replace_links(
    tx: ManagedTransaction, links_by_entry: Mapping[str, Sequence[PersonalLink]]
) -> UpsertCounts:
    """Make each named entry's links exactly the given ones; a removed stale link counts as ``updated``.

    Each link names the entry it is given for (the port checked it).
    """
    wanted: dict[str, str] = {}
    for entry_id, links in links_by_entry.items():
        wanted.setdefault(entry_id, "entry_id")
        for link in links:
            wanted.setdefault(link.person_id, "person_id")
    entry_ids = list(links_by_entry)
    person_ids = list(dict.fromkeys(link.person_id for links in links_by_entry.values() for link in links))
    raise_missing(wanted, _missing_link_ends(tx, entry_ids, person_ids), "entries or persons")
    return finish(tx, write_links(tx, links_by_entry, stale_of=entry_ids))


def write_links(
    tx: ManagedTransaction,
    links_by_entry: Mapping[str, Sequence[PersonalLink]],
    *,
    stale_of: Sequence[str],
) -> UpsertCounts:
    """Write the given links and remove the other links of the entries ``stale_of`` (their ends checked).

    The counts of :func:`replace_links`; the caller advances the data version. An entry created in the
    same transaction can be left out of ``stale_of``: no link to a new node can be stale.
    """
    folded, repeats = fold_batch(
        [link for links in links_by_entry.values() for link in links], lambda link: link.key
    )
    counts = run_upsert(tx, "upsert_personal_links", link_payload(folded)) + repeats
    given = [
        {"entry_id": entry_id, "person_ids": [link.person_id for link in links_by_entry[entry_id]]}
        for entry_id in stale_of
    ]
    for chunk in chunks(given):
        record = tx.run(query("delete_stale_personal_links"), entries=list(chunk)).single(strict=True)
        counts.updated += int(record["removed"])
    return counts


def move_links(tx: ManagedTransaction, from_key: str, person_key: str) -> None:
    """Give ``person_key`` the links of ``from_key`` (resolving a person); the old ones go with its node.

    A link to an entry the person is already linked to is merged: roles united, responsible if either was.
    """
    own = {link.entry_id: link for link in person_links(tx, [person_key])}
    merged: list[PersonalLink] = []
    for link in sorted(person_links(tx, [from_key]), key=lambda link: link.entry_id):
        existing = own.get(link.entry_id)
        if existing is None:
            merged.append(link.model_copy(update={"person_id": person_key}))
        else:
            roles = tuple(sorted(set(existing.roles) | set(link.roles)))
            merged.append(
                existing.model_copy(
                    update={"roles": roles, "responsible": existing.responsible or link.responsible}
                )
            )
    run_upsert(tx, "upsert_personal_links", link_payload([Folded(link, link) for link in merged]))


def person_links(tx: ManagedTransaction, keys: Sequence[str]) -> list[PersonalLink]:
    return _links(tx, "get_person_links", keys)


def entry_links(tx: ManagedTransaction, entry_ids: Sequence[str]) -> list[PersonalLink]:
    return _links(tx, "get_entry_links", entry_ids)


def relations_into(tx: ManagedTransaction, keys: Sequence[str]) -> dict[str, list[Relation]]:
    """Every stored relation into each of ``keys``, whole history, by target (what the links of entries
    on those subjects are computed from): one statement per chunk of keys, not one per subject."""
    found: dict[str, list[Relation]] = {}
    for chunk in chunks(keys, CHUNK_KEYS):
        for record in tx.run(query("get_incoming_relations_of"), keys=list(chunk)):
            target: str = record["target_id"]
            relation = mapping.relation_from(record["type"], record["source_id"], target, record["props"])
            found.setdefault(target, []).append(relation)
    return found


def link_payload(folded: Sequence[Folded[PersonalLink]]) -> list[Props]:
    return [
        {
            "entry_id": pair.last.entry_id,
            "person_id": pair.last.person_id,
            "check": pair.first_if_different(mapping.link_props),
            "props": mapping.link_props(pair.last),
        }
        for pair in folded
    ]


def _missing_link_ends(tx: ManagedTransaction, entry_ids: list[str], person_ids: list[str]) -> set[str]:
    """The entries and persons among the given ones that are not stored.

    Both checks in one statement when both lists fit one chunk (a replace per workflow step names one
    entry: a round trip saved per step of a load); longer lists are checked a chunk at a time.
    """
    if not entry_ids and not person_ids:
        return set()
    if len(entry_ids) <= CHUNK_ROWS and len(person_ids) <= CHUNK_ROWS:
        record = tx.run(query("find_missing_link_ends"), entry_ids=entry_ids, person_ids=person_ids).single(
            strict=True
        )
        return set(record["missing"])
    return missing_keys(tx, "find_missing_entries", entry_ids) | missing_keys(
        tx, "find_missing_persons", person_ids
    )


def _links(tx: ManagedTransaction, statement: str, keys: Sequence[str]) -> list[PersonalLink]:
    found: dict[str, PersonalLink] = {}
    for chunk in chunks(keys):
        for record in tx.run(query(statement), keys=list(chunk)):
            link = mapping.link_from(record["person_id"], record["entry_id"], record["props"])
            found[link.key] = link
    return list(found.values())
