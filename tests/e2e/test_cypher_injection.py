"""Cypher fragments in every text field are data: stored verbatim, read back equal, nothing else touched.

Each payload goes through every free-text field of the rows a store takes (names, titles, reasons,
departments, sources, unresolved-person keys, entry ids as far as their pattern allows) and through the
API's text inputs (search text, subject ids). Both backends run it; the Neo4j one is the point (values
travel only as ``$parameters``), the memory one keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from graph_service.domain.model import ListEntry, RelationKind
from graph_service.store.base import GraphStore
from tests.api.security_support import HEADERS, open_api, seed
from tests.contract.conftest import neo4j_store, store
from tests.factories import make_entry, make_org, make_relation, make_unresolved_person

__all__ = ["neo4j_store", "store"]

PAYLOADS = [
    "x'}) DETACH DELETE n //",
    '" OR 1=1 //',
    "$(rm -rf /)",
    "`Subject`",
    "x}) MATCH (m) DETACH DELETE m RETURN 1 //",
    "'; CALL dbms.components() YIELD name RETURN name //",
    "\\u0027}) DELETE n //",
    "{name: $password}",
    "n.name = '' OR true",
]
START = dt.date(2020, 1, 1)


def _entry_id(n: int, payload: str) -> str:
    # The entry id pattern allows word characters and - . : only; keep what of the payload fits.
    kept = re.sub(r"[^\w\-.:]", "-", payload).strip("-") or "x"
    return f"E:{n}:{kept}"[:100]


def test_cypher_fragments_in_every_text_field_are_stored_verbatim_and_change_nothing_else(
    store: GraphStore,
) -> None:
    seed(store)
    before = store.counts()
    orgs = [make_org(100 + n, name=payload, industry=payload[:100]) for n, payload in enumerate(PAYLOADS)]
    persons = [make_unresolved_person(org, payload) for org, payload in zip(orgs, PAYLOADS, strict=True)]
    relations = [
        make_relation(
            RelationKind.PRACTITIONER,
            person.key,
            org.uscc,
            START,
            title=payload[:100],
            source=payload,
            qualification=payload[:100],
            certificate_no=payload[:100],
        )
        for org, person, payload in zip(orgs, persons, PAYLOADS, strict=True)
    ]
    entries = [
        make_entry(
            _entry_id(n, payload),
            org.uscc,
            reason=payload,
            initiating_dept=payload,
            basis=payload[:200],
        )
        for n, (org, payload) in enumerate(zip(orgs, PAYLOADS, strict=True))
    ]
    store.upsert_organizations(orgs)
    store.upsert_persons(persons)
    store.upsert_relations(relations)
    store.upsert_entries(entries)

    after = store.counts()
    added = {"organizations": len(orgs), "unresolved_persons": len(persons), "entries": len(entries)}
    for name, count in added.items():
        assert after[name] == before[name] + count, (name, before, after)
    assert sum(after.values()) > sum(before.values()), (before, after)

    subjects = store.get_subjects([o.uscc for o in orgs] + [p.key for p in persons])
    for org in orgs:
        assert subjects[org.uscc] == org, (subjects.get(org.uscc), org)
    for person in persons:
        assert subjects[person.key].name == person.name, (subjects.get(person.key), person)
    stored: dict[str, ListEntry] = store.get_entries([e.entry_id for e in entries])
    for entry in entries:
        got = stored[entry.entry_id]
        assert (got.reason, got.initiating_dept, got.basis) == (
            entry.reason,
            entry.initiating_dept,
            entry.basis,
        )
    for relation, org in zip(relations, orgs, strict=True):
        (got_relation,) = store.relations_of(
            org.uscc, as_of=None, kinds=frozenset({RelationKind.PRACTITIONER})
        )
        assert (got_relation.title, got_relation.source, got_relation.certificate_no) == (
            relation.title,
            relation.source,
            relation.certificate_no,
        )
    for payload, org in zip(PAYLOADS, orgs, strict=True):
        found = {s.key for s in store.search_subjects(payload, limit=50)}
        assert org.uscc in found, (payload, found)
    assert store.counts() == after, "reading and searching changed the store"


def test_cypher_fragments_sent_to_the_api_are_refused_or_searched_as_text(
    store: GraphStore, tmp_path: Path
) -> None:
    seed(store)
    before = store.counts()
    version = store.data_version()
    with open_api(tmp_path, store=store) as api:
        for payload in PAYLOADS:
            search = api.client.get(
                "/v1/graph/search", params={"q": payload}, headers=HEADERS["investigator"]
            )
            assert search.status_code == 200, (payload, search.text)
            assert search.json()["subjects"] == [], (payload, search.json())
            for method, url, kw in [
                ("POST", "/v1/checks", {"json": {"subject_id": payload, "scenario": "bidding"}}),
                ("GET", "/v1/subjects/x", {"params": {"as_of": payload}}),
                ("GET", "/v1/graph/paths", {"params": {"from": payload, "to": payload}}),
                ("GET", "/v1/audit", {"params": {"client": payload, "action": payload}}),
            ]:
                role = "admin" if url == "/v1/audit" else "investigator"
                response = api.client.request(method, url, headers=HEADERS[role], **kw)
                assert response.status_code in (200, 404, 422), (payload, url, response.text)
            subject = api.client.get(f"/v1/graph/subjects/{payload}", headers=HEADERS["investigator"])
            assert subject.status_code in (404, 422), (payload, subject.text)
    assert store.counts() == before, (before, store.counts())
    assert store.data_version() == version
