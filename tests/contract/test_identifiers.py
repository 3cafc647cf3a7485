"""Identifiers: bad ones are refused when the model is built (stores take models), odd valid ones pass.

The refusal tests touch no backend; they carry both backend marks so that a ``-m memory`` or ``-m neo4j``
run still includes them. The acceptance tests also store the row, on each backend.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from graph_service.domain.identifiers import IdentifierError, check_id_number, check_uscc, is_uscc_shaped
from graph_service.domain.model import ListEntry, Organization, Person, Relation, RelationKind
from graph_service.store.base import GraphStore
from tests.contract.builders import id_number, uscc_with_prefix, with_wrong_id_check, with_wrong_uscc_check
from tests.factories import make_entry, make_id_number, make_org, make_uscc


def _message(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(exc.value)


@pytest.mark.memory
@pytest.mark.neo4j
def test_an_organization_with_a_wrong_uscc_check_character_names_field_and_value() -> None:
    bad = with_wrong_uscc_check(make_uscc(1))

    with pytest.raises(ValidationError) as caught:
        Organization(uscc=bad, name="错码公司")

    assert "uscc" in _message(caught) and bad in _message(caught), _message(caught)
    assert "check character" in _message(caught), _message(caught)


@pytest.mark.memory
@pytest.mark.neo4j
@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("91430923MA4L2B3C1", "18 characters"),
        ("91430923MA4L2B3CIJ", "outside"),
        ("9143O923MA4L2B3C1J", "outside"),
    ],
    ids=["short", "letter-I", "letter-O-in-region"],
)
def test_a_malformed_uscc_is_refused_with_the_reason(bad: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Organization(uscc=bad, name="错码公司")

    assert "uscc" in _message(caught) and bad in _message(caught) and reason in _message(caught), _message(
        caught
    )


@pytest.mark.memory
@pytest.mark.neo4j
def test_a_person_with_a_wrong_id_check_digit_names_field_and_value() -> None:
    bad = with_wrong_id_check(make_id_number(1))

    with pytest.raises(ValidationError) as caught:
        Person(key=bad, name="王五")

    assert "key" in _message(caught) and bad in _message(caught), _message(caught)
    assert "check digit" in _message(caught), _message(caught)


@pytest.mark.memory
@pytest.mark.neo4j
def test_an_id_number_with_an_impossible_birth_date_is_refused() -> None:
    bad = id_number("430923", "19990230")

    with pytest.raises(IdentifierError) as direct:
        check_id_number(bad)
    with pytest.raises(ValidationError) as caught:
        Person(key=bad, name="王五")

    assert "birth date" in str(direct.value), direct.value
    assert "key" in _message(caught) and bad in _message(caught) and "19990230" in _message(caught)


@pytest.mark.memory
@pytest.mark.neo4j
def test_an_id_number_with_an_unknown_region_prefix_passes_with_a_warning() -> None:
    number = id_number("999999", "19800101")

    normalised, warnings = check_id_number(number)
    person = Person(key=number, name="王五")

    assert normalised == number
    assert len(warnings) == 1 and "999999" in warnings[0], warnings
    assert person.region == "999999", person


@pytest.mark.memory
@pytest.mark.neo4j
@pytest.mark.parametrize("prefix", ["N2", "A1", "Y1"])
def test_a_uscc_with_a_letter_registering_authority_is_accepted(prefix: str) -> None:
    code = uscc_with_prefix(prefix)

    normalised, _ = check_uscc(code)
    org = Organization(uscc=code, name="农民专业合作社")

    assert normalised == code and org.uscc == code and org.region == "430923", org


@pytest.mark.memory
@pytest.mark.neo4j
@pytest.mark.parametrize("body", ["44588012", "00000001", "12345678"])
def test_an_institution_uscc_of_seventeen_digits_is_an_organisation_not_a_person(body: str) -> None:
    code = uscc_with_prefix("12", body=body)  # 事业单位: all digits up to the check character
    assert code[:17].isdigit(), code

    org = Organization(uscc=code, name="县疾病预防控制中心")
    holding = Relation(kind=RelationKind.SHAREHOLDER, source_id=code, target_id=make_uscc(9), ratio=0.5)

    assert is_uscc_shaped(code) and org.uscc == code, code
    assert holding.source_id == code, holding
    with pytest.raises(ValidationError):
        Person(key=code, name="错把事业单位当个人")


@pytest.mark.memory
@pytest.mark.neo4j
def test_a_valid_id_number_is_never_taken_for_a_uscc() -> None:
    number = make_id_number(5)

    assert not is_uscc_shaped(number), number
    assert not is_uscc_shaped(number.lower()), number


@pytest.mark.memory
@pytest.mark.neo4j
def test_a_relation_to_a_bad_target_names_the_field_and_value() -> None:
    bad = with_wrong_uscc_check(make_uscc(2))

    with pytest.raises(ValidationError) as caught:
        Relation(kind=RelationKind.DIRECTOR, source_id=make_id_number(1), target_id=bad)

    assert "target_id" in _message(caught) and bad in _message(caught), _message(caught)


@pytest.mark.memory
@pytest.mark.neo4j
def test_an_entry_with_a_bad_responsible_person_names_the_field_and_value() -> None:
    bad = with_wrong_id_check(make_id_number(3))

    with pytest.raises(ValidationError) as caught:
        make_entry("E-1", make_uscc(1), responsible_person_ids=(bad,))

    assert "responsible_person_ids" in _message(caught) and bad in _message(caught), _message(caught)


@pytest.mark.memory
@pytest.mark.neo4j
def test_an_entry_about_a_bad_subject_names_the_field_and_value() -> None:
    bad = with_wrong_uscc_check(make_uscc(1))

    with pytest.raises(ValidationError) as caught:
        ListEntry.model_validate({**make_entry("E-1", make_uscc(1)).model_dump(), "subject_id": bad})

    assert "subject_id" in _message(caught) and bad in _message(caught), _message(caught)


def test_an_organization_with_a_letter_prefixed_uscc_is_stored_and_found(store: GraphStore) -> None:
    coop = Organization(uscc=uscc_with_prefix("N2"), name="测试县农民专业合作社")
    store.upsert_organizations([coop, make_org(1)])

    assert store.get_subjects([coop.uscc]) == {coop.uscc: coop}
    assert [s.key for s in store.search_subjects("N2430923")] == [coop.uscc]


def test_a_person_with_an_unknown_region_prefix_is_stored(store: GraphStore) -> None:
    person = Person(key=id_number("999999", "19800101"), name="王五")

    counts = store.upsert_persons([person])

    assert counts.created == 1, counts
    assert store.get_subjects([person.key]) == {person.key: person}


@pytest.mark.memory
@pytest.mark.neo4j
def test_a_person_keyed_by_a_uscc_is_refused_naming_the_value() -> None:
    code = make_uscc(3)

    with pytest.raises(ValidationError) as caught:
        Person(key=code, name="错把企业当个人")

    assert "not a USCC" in _message(caught) and code in _message(caught), _message(caught)


@pytest.mark.memory
@pytest.mark.neo4j
def test_a_relation_ending_before_it_starts_is_refused_with_both_dates() -> None:
    with pytest.raises(ValidationError) as caught:
        Relation(
            kind=RelationKind.DIRECTOR,
            source_id=make_id_number(1),
            target_id=make_uscc(1),
            start_on="2022-05-01",
            end_on="2021-05-01",
        )

    assert "2021-05-01" in _message(caught) and "2022-05-01" in _message(caught), _message(caught)
