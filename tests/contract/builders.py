"""Builders the contract suite needs beyond ``tests/factories.py``: odd identifiers and small graphs.

Identifiers are computed with their real check characters, never typed in, so a test that expects a
rejection fails for the reason it names and no other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from graph_service.domain.identifiers import org_code_check_char
from graph_service.domain.model import Organization, Person, Relation, RelationKind
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.store.base import GraphStore
from tests.factories import make_org, make_person, make_relation

LEGAL_REP = RelationKind.LEGAL_REPRESENTATIVE
DIRECTOR = RelationKind.DIRECTOR
SHAREHOLDER = RelationKind.SHAREHOLDER


def uscc_with_prefix(prefix: str, body: str = "MA000001", region: str = "430923") -> str:
    """A valid USCC whose first two characters (authority, organisation type) are ``prefix``."""
    code17 = f"{prefix}{region}{body}{org_code_check_char(body)}"
    return code17 + stdnum_uscc.calc_check_digit(code17)


def id_number(region: str, birth: str, sequence: int = 1) -> str:
    """An ID number with a correct check digit for any region and birth string, even impossible ones."""
    number17 = f"{region}{birth}{sequence:03d}"
    # stdnum's calc_check_digit expects the check position present and ignores it.
    return number17 + ric.calc_check_digit(number17 + "0")


def with_wrong_uscc_check(code: str) -> str:
    """The same USCC with a different (so wrong) last character from the USCC alphabet."""
    return code[:17] + ("0" if code[17] != "0" else "1")


def with_wrong_id_check(number: str) -> str:
    """The same ID number with a different (so wrong) check digit."""
    return number[:17] + ("0" if number[17] != "0" else "1")


def orgs(*numbers: int) -> list[Organization]:
    return [make_org(n) for n in numbers]


def persons(*numbers: int) -> list[Person]:
    return [make_person(n) for n in numbers]


def seed(
    store: GraphStore,
    *,
    org_numbers: Sequence[int] = (),
    person_numbers: Sequence[int] = (),
    relations: Sequence[Relation] = (),
) -> None:
    """Store organisations ``make_org(n)``, persons ``make_person(n)`` and then relations among them."""
    if org_numbers:
        store.upsert_organizations(orgs(*org_numbers))
    if person_numbers:
        store.upsert_persons(persons(*person_numbers))
    if relations:
        store.upsert_relations(relations)


def rel(
    kind: RelationKind,
    source: Organization | Person,
    target: Organization,
    start_on: dt.date | None = None,
    end_on: dt.date | None = None,
    **kw: object,
) -> Relation:
    """A relation between two built subjects (by their keys)."""
    return make_relation(kind, source.key, target.key, start_on, end_on=end_on, **kw)


def make_penalty(decision_number: str, subject: Organization | Person, **kw: object) -> PenaltyRecord:
    """A fine decided on 2023-06-01 by the county market regulator on ``subject``; ``kw`` overrides."""
    fields: dict[str, object] = {
        "decision_number": decision_number,
        "subject_id": subject.key,
        "subject_name": subject.name,
        "decided_on": dt.date(2023, 6, 1),
        "authority": "测试县市场监督管理局",
        "penalty_categories": ("罚款",),
        "fine_amount": 2.5,
    }
    fields.update(kw)
    return PenaltyRecord.model_validate(fields)


def make_link(
    person: Person,
    entry_id: str,
    org: Organization | None = None,
    *roles: RelationKind,
    responsible: bool = False,
) -> PersonalLink:
    """A person's credit-record link to an entry, with the roles held in ``org`` on the act date."""
    return PersonalLink(
        person_id=person.key,
        entry_id=entry_id,
        org_id=org.key if org is not None else None,
        roles=roles,
        responsible=responsible,
    )
