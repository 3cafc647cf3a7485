"""The pure rules: catalog, propagation to persons, verdicts and the green channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pytest

from graph_service.domain.measures import Catalog, Scenario
from graph_service.domain.model import CreditDomain, EntryStatus, ListKind, RelationKind
from graph_service.domain.propagation import (
    PersonalLink,
    is_personal_credit_record,
    personal_links,
    reaches_of_self,
    reaches_via_link,
)
from graph_service.domain.verdict import Verdict, decide, green_channel, years_before
from graph_service.errors import InvalidInput
from graph_service.services.checks.catalog import default_catalog, load_catalog
from tests.factories import make_entry, make_org, make_person, make_relation

ORG = make_org(1)
LEGAL_REP = make_person(1)
SUCCESSOR = make_person(2)
DIRECTOR = make_person(3)
PRACTITIONER = make_person(4)
SHAREHOLDER = make_person(5)
CONTROLLER = make_person(6)
ACT = dt.date(2023, 11, 1)  # before make_entry's decided_on 2024-01-10


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def _link(entry_roles: list[RelationKind], responsible: bool = False) -> PersonalLink:
    return PersonalLink(
        person_id=LEGAL_REP.key,
        entry_id="E1",
        org_id=ORG.uscc,
        roles=tuple(entry_roles),
        responsible=responsible,
    )


def _measures(entry_kw: Mapping[str, object], link: PersonalLink, catalog: Catalog) -> dict[str, str]:
    entry = make_entry("E1", ORG.uscc, act_on=ACT, **entry_kw)
    return {r.measure_id: r.via for r in reaches_via_link(entry, link, catalog)}


def test_default_catalog_has_every_measure_of_the_issue_with_a_cited_clause(catalog: Catalog) -> None:
    ids = {m.id for m in catalog.measures}
    expected = {
        "market_ban",
        "restrict_public_resources",
        "restrict_fiscal_funds",
        "strict_license_review",
        "restrict_financing",
        "restrict_franchise",
        "revoke_honors",
        "restrict_high_consumption",
        "risk_pricing",
        "watch_review",
        "personal_credit_record",
    }
    assert expected <= ids, expected - ids
    assert all(m.source.clause and m.source.document for m in catalog.measures)
    assert any(m.kind.value == "incentive" for m in catalog.measures)


def test_catalog_file_with_unknown_scenario_is_rejected_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text(
        "version: x\nmeasures:\n  - id: a\n    name: A\n    mandatory: true\n    trigger: {lists: [black]}\n"
        "    targets: [{kind: self}]\n    scenarios: [parking]\n    source: {document: d, clause: c}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as err:
        load_catalog(bad)
    assert "measures.0.scenarios" in err.value.detail, err.value.detail


def test_missing_catalog_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        load_catalog(tmp_path / "absent.yaml")
    assert "GRAPH_SERVICE_MEASURES_FILE" in err.value.detail


@pytest.mark.parametrize(
    ("measure", "scenarios"),
    [
        ("market_ban", {"administrative_license", "bidding", "public_procurement"}),
        ("restrict_public_resources", {"bidding", "public_procurement"}),
        ("restrict_fiscal_funds", {"fiscal_funds"}),
        ("strict_license_review", {"administrative_license"}),
        ("restrict_financing", {"financial_market"}),
        ("restrict_franchise", {"franchise"}),
        ("revoke_honors", {"honors"}),
        ("restrict_high_consumption", {"high_consumption"}),
        ("risk_pricing", {"financial_market"}),
        ("watch_review", {s.value for s in Scenario}),
        ("personal_credit_record", set()),
        ("fewer_inspections", {"inspection"}),
        ("intensified_inspection", {"inspection"}),
        (
            "trustworthy_individual_support",
            {"education", "employment", "social_security", "household_registration"},
        ),
    ],
)
def test_each_catalog_row_governs_the_scenarios_of_the_issue(
    catalog: Catalog, measure: str, scenarios: set[str]
) -> None:
    assert {s.value for s in catalog.get(measure).scenarios} == scenarios


def test_black_entry_reaches_the_subject_itself_with_every_self_measure(catalog: Catalog) -> None:
    entry = make_entry("E1", ORG.uscc)
    ids = {r.measure_id for r in reaches_of_self(entry, catalog)}
    assert ids == {
        "market_ban",
        "restrict_public_resources",
        "restrict_fiscal_funds",
        "strict_license_review",
        "restrict_financing",
        "restrict_franchise",
        "revoke_honors",
        "risk_pricing",
        "intensified_inspection",
    }


def test_high_consumption_needs_a_court_enforcement_entry(catalog: Catalog) -> None:
    tax = {r.measure_id for r in reaches_of_self(make_entry("E1", ORG.uscc), catalog)}
    court = {
        r.measure_id
        for r in reaches_of_self(make_entry("E2", ORG.uscc, domain=CreditDomain.COURT_ENFORCEMENT), catalog)
    }
    assert "restrict_high_consumption" not in tax
    assert "restrict_high_consumption" in court


def test_legal_representative_on_the_act_date_is_linked_and_successor_is_not() -> None:
    entry = make_entry("E1", ORG.uscc, act_on=ACT, decided_on=dt.date(2024, 6, 1))
    relations = [
        make_relation(
            RelationKind.LEGAL_REPRESENTATIVE,
            LEGAL_REP.key,
            ORG.uscc,
            dt.date(2020, 1, 1),
            end_on=dt.date(2024, 4, 1),
        ),
        make_relation(RelationKind.LEGAL_REPRESENTATIVE, SUCCESSOR.key, ORG.uscc, dt.date(2024, 4, 1)),
    ]
    links = personal_links(entry, relations)
    expected = [(LEGAL_REP.key, (RelationKind.LEGAL_REPRESENTATIVE,))]
    assert [(link.person_id, link.roles) for link in links] == expected


def test_representative_appointed_on_the_act_date_is_linked_one_who_left_that_day_is_not() -> None:
    entry = make_entry("E1", ORG.uscc, act_on=ACT)
    relations = [
        make_relation(
            RelationKind.LEGAL_REPRESENTATIVE, LEGAL_REP.key, ORG.uscc, dt.date(2020, 1, 1), end_on=ACT
        ),
        make_relation(RelationKind.LEGAL_REPRESENTATIVE, SUCCESSOR.key, ORG.uscc, ACT),
    ]
    assert [link.person_id for link in personal_links(entry, relations)] == [SUCCESSOR.key]


def test_act_date_defaults_to_the_decision_date() -> None:
    entry = make_entry("E1", ORG.uscc, decided_on=dt.date(2024, 6, 1))
    relations = [make_relation(RelationKind.PRINCIPAL, DIRECTOR.key, ORG.uscc, dt.date(2024, 5, 1))]
    assert [link.person_id for link in personal_links(entry, relations)] == [DIRECTOR.key]


def test_directly_responsible_person_without_a_role_is_linked_as_responsible() -> None:
    entry = make_entry("E1", ORG.uscc, responsible_person_ids=(SHAREHOLDER.key,))
    links = personal_links(entry, [])
    assert links == [
        PersonalLink(person_id=SHAREHOLDER.key, entry_id="E1", org_id=ORG.uscc, roles=(), responsible=True)
    ]


def test_organisation_shareholders_and_branches_are_not_personal_links() -> None:
    parent = make_org(2)
    entry = make_entry("E1", ORG.uscc)
    relations = [
        make_relation(RelationKind.SHAREHOLDER, parent.uscc, ORG.uscc, ratio=0.6),
        make_relation(RelationKind.BRANCH_OF, parent.uscc, ORG.uscc),
    ]
    assert personal_links(entry, relations) == []


def test_market_ban_reaches_legal_representative_and_principal(catalog: Catalog) -> None:
    assert (
        _measures({}, _link([RelationKind.LEGAL_REPRESENTATIVE]), catalog)["market_ban"]
        == "legal_representative"
    )
    assert _measures({}, _link([RelationKind.PRINCIPAL]), catalog)["market_ban"] == "principal"


def test_market_ban_reaches_a_practitioner_only_with_direct_responsibility(catalog: Catalog) -> None:
    assert "market_ban" not in _measures({}, _link([RelationKind.PRACTITIONER]), catalog)
    assert (
        _measures({}, _link([RelationKind.PRACTITIONER], responsible=True), catalog)["market_ban"]
        == "practitioner"
    )


def test_revoke_honors_reaches_senior_manager_and_directors_or_shareholders_only_when_responsible(
    catalog: Catalog,
) -> None:
    assert _measures({}, _link([RelationKind.SENIOR_MANAGER]), catalog)["revoke_honors"] == "senior_manager"
    assert "revoke_honors" not in _measures({}, _link([RelationKind.DIRECTOR]), catalog)
    assert "revoke_honors" not in _measures({}, _link([RelationKind.SHAREHOLDER]), catalog)
    assert _measures({}, _link([RelationKind.DIRECTOR], True), catalog)["revoke_honors"] == "director"
    assert _measures({}, _link([RelationKind.SHAREHOLDER], True), catalog)["revoke_honors"] == "shareholder"


def test_a_supervisor_without_responsibility_is_reached_by_nothing(catalog: Catalog) -> None:
    assert _measures({}, _link([RelationKind.SUPERVISOR]), catalog) == {}


def test_high_consumption_reaches_actual_controller_and_any_responsible_person(catalog: Catalog) -> None:
    court = {"domain": CreditDomain.COURT_ENFORCEMENT}
    assert (
        _measures(court, _link([RelationKind.ACTUAL_CONTROLLER]), catalog)["restrict_high_consumption"]
        == "actual_controller"
    )
    assert (
        _measures(court, _link([], responsible=True), catalog)["restrict_high_consumption"] == "responsible"
    )
    assert "restrict_high_consumption" not in _measures({}, _link([RelationKind.ACTUAL_CONTROLLER]), catalog)


def test_personal_credit_record_is_kept_for_legal_rep_principal_and_responsible(catalog: Catalog) -> None:
    entry = make_entry("E1", ORG.uscc)
    assert is_personal_credit_record(_link([RelationKind.LEGAL_REPRESENTATIVE]), entry, catalog)
    assert is_personal_credit_record(_link([RelationKind.PRINCIPAL]), entry, catalog)
    assert is_personal_credit_record(_link([], responsible=True), entry, catalog)
    assert not is_personal_credit_record(_link([RelationKind.DIRECTOR]), entry, catalog)


def test_watch_entry_triggers_only_the_recommended_review(catalog: Catalog) -> None:
    entry = make_entry("E1", ORG.uscc, list=ListKind.WATCH)
    assert [r.measure_id for r in reaches_of_self(entry, catalog)] == ["watch_review"]
    assert _measures({"list": ListKind.WATCH}, _link([RelationKind.LEGAL_REPRESENTATIVE]), catalog) == {}


def test_mandatory_measure_for_the_scenario_blocks(catalog: Catalog) -> None:
    reaches = reaches_of_self(make_entry("E1", ORG.uscc), catalog)
    assert decide(reaches, Scenario.BIDDING, catalog, has_hits=False) is Verdict.BLOCK
    assert decide(reaches, Scenario.FISCAL_FUNDS, catalog, has_hits=False) is Verdict.BLOCK


def test_only_a_recommended_measure_for_the_scenario_gives_review(catalog: Catalog) -> None:
    watch = reaches_of_self(make_entry("E1", ORG.uscc, list=ListKind.WATCH), catalog)
    assert decide(watch, Scenario.BIDDING, catalog, has_hits=False) is Verdict.REVIEW


def test_a_person_reached_only_through_market_ban_passes_high_consumption(catalog: Catalog) -> None:
    reaches = reaches_via_link(
        make_entry("E1", ORG.uscc), _link([RelationKind.LEGAL_REPRESENTATIVE]), catalog
    )
    assert decide(reaches, Scenario.BIDDING, catalog, has_hits=False) is Verdict.BLOCK
    assert decide(reaches, Scenario.HIGH_CONSUMPTION, catalog, has_hits=False) is Verdict.PASS


def test_hits_alone_give_review_and_nothing_gives_pass(catalog: Catalog) -> None:
    assert decide([], Scenario.HONORS, catalog, has_hits=True) is Verdict.REVIEW
    assert decide([], Scenario.HONORS, catalog, has_hits=False) is Verdict.PASS


def test_incentives_never_change_the_verdict(catalog: Catalog) -> None:
    red = reaches_of_self(make_entry("E1", ORG.uscc, list=ListKind.RED), catalog)
    assert red, "red entries trigger incentives"
    assert decide(red, Scenario.ADMINISTRATIVE_LICENSE, catalog, has_hits=False) is Verdict.PASS


AS_OF = dt.date(2026, 11, 23)


def test_green_channel_for_an_effective_red_entry_even_if_young() -> None:
    red = make_entry("R1", ORG.uscc, list=ListKind.RED, decided_on=dt.date(2026, 1, 1))
    assert green_channel(
        Verdict.PASS, as_of=AS_OF, own_entries=[red], is_person=False, established_on=dt.date(2025, 1, 1)
    )


def test_green_channel_needs_pass() -> None:
    red = make_entry("R1", ORG.uscc, list=ListKind.RED, decided_on=dt.date(2026, 1, 1))
    assert not green_channel(
        Verdict.REVIEW, as_of=AS_OF, own_entries=[red], is_person=False, established_on=None
    )


def test_green_channel_for_three_clean_years_starts_exactly_three_years_after_establishment() -> None:
    boundary = years_before(AS_OF, 3)
    assert green_channel(Verdict.PASS, as_of=AS_OF, own_entries=[], is_person=False, established_on=boundary)
    assert not green_channel(
        Verdict.PASS,
        as_of=AS_OF,
        own_entries=[],
        is_person=False,
        established_on=boundary + dt.timedelta(days=1),
    )


def test_a_repaired_black_entry_within_three_years_denies_the_green_channel_but_a_revoked_one_does_not() -> (
    None
):
    old = dt.date(2010, 1, 1)
    repaired = make_entry(
        "B1",
        ORG.uscc,
        status=EntryStatus.REPAIRED,
        decided_on=dt.date(2024, 1, 1),
        valid_until=dt.date(2025, 1, 1),
    )
    revoked = repaired.model_copy(update={"status": EntryStatus.REVOKED})
    assert not green_channel(
        Verdict.PASS, as_of=AS_OF, own_entries=[repaired], is_person=False, established_on=old
    )
    assert green_channel(
        Verdict.PASS, as_of=AS_OF, own_entries=[revoked], is_person=False, established_on=old
    )


def test_a_black_entry_that_ended_the_day_before_the_window_does_not_count() -> None:
    window_start = years_before(AS_OF, 3)
    ended = make_entry(
        "B1", ORG.uscc, decided_on=dt.date(2020, 1, 1), valid_until=window_start - dt.timedelta(days=1)
    )
    touching = ended.model_copy(update={"valid_until": window_start})
    old = dt.date(2010, 1, 1)
    assert green_channel(Verdict.PASS, as_of=AS_OF, own_entries=[ended], is_person=False, established_on=old)
    assert not green_channel(
        Verdict.PASS, as_of=AS_OF, own_entries=[touching], is_person=False, established_on=old
    )


def test_organisation_without_an_establishment_date_gets_no_clean_record_green_channel() -> None:
    assert not green_channel(Verdict.PASS, as_of=AS_OF, own_entries=[], is_person=False, established_on=None)
