"""A person's check view carries the masked court debtors of their name: what the name search found.

A check of a person with a full ID number reports as *possible matches* the court debtors kept as
published (``~m~<masked ID>~<name>``) whom the person fits. They used to be found by a name search
(``search_subjects(name, limit=50)``) and one ``entries_for`` per candidate after the view (on Neo4j a
round trip each); now they come with the view (:attr:`CheckView.namesakes`), fetched on Neo4j inside the
view's one statement. These tests prove the view's candidates are the ones the old search kept, with the
same entries, on both backends, single and batch, and that the check answers the same; and that more
same-name subjects than the old search's limit no longer hide a debtor (the one intended difference).
"""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.masked_ids import fits, masked_debtor_key, parse_masked_debtor_key
from graph_service.domain.model import EntryStatus, ListEntry, ListKind, Person, Subject
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.checks.models import CheckRequest
from graph_service.services.checks.related_party import entry_brief, run_check
from graph_service.store.base import GraphStore
from tests.factories import make_entry, make_org, make_person, make_unresolved_person

TODAY = dt.date(2025, 6, 1)
NAME = "张三"


def _old_candidates(store: GraphStore, person: Person) -> list[tuple[Subject, list[ListEntry]]]:
    """What ``_possible_matches`` examined before the view carried them: the search, then entries_for."""
    found = []
    for other in store.search_subjects(person.name, limit=50):
        parsed = parse_masked_debtor_key(other.key)
        if parsed is not None and parsed[1] == person.name:
            found.append((other, store.entries_for([other.key])))
    return found


def _old_possible_matches(store: GraphStore, person: Person) -> list[tuple[str, list[str]]]:
    """The old rule's possible matches: (debtor key, live entry ids), by key."""
    assert person.id_number is not None
    matches = []
    for other, entries in _old_candidates(store, person):
        parsed = parse_masked_debtor_key(other.key)
        assert parsed is not None
        live = [
            e.entry_id
            for e in entries
            if e.list in (ListKind.BLACK, ListKind.WATCH, ListKind.ABNORMAL) and e.effective_on(TODAY)
        ]
        if fits(parsed[0], person.id_number) and live:
            matches.append((other.key, live))
    return sorted(matches)


def _view_candidates(store: GraphStore, key: str) -> list[tuple[Subject, list[ListEntry]]]:
    view = store.check_view(key, depth=2, as_of=TODAY, limit_per_node=200)
    return [(n.subject, list(n.entries)) for n in view.namesakes]


def _graph(store: GraphStore) -> dict[str, Person]:
    """Persons named 张三 (two fit one masked number, one of another year), debtors of that name that fit
    or not with live and ended entries, a debtor of another name, and same-named non-debtors."""
    fits_a = make_person(1, birth="19940101", name=NAME)
    fits_b = make_person(3, birth="19940202", name=NAME)
    stranger = make_person(4, birth="19800303", name=NAME)
    other_name = make_person(5, birth="19940101", name="李四")
    unresolved = make_unresolved_person(make_org(1), NAME)
    both = fits_a.key[:10] + "********"  # region and birth year visible: fits_a and fits_b
    only_a = fits_a.key[:10] + "****" + fits_a.key[14:]
    nobody = "110101" + "1970" + "********"  # another region and year
    debtors = {
        "both": Person(key=masked_debtor_key(both, NAME), name=NAME),
        "only_a": Person(key=masked_debtor_key(only_a, NAME), name=NAME),
        "ended": Person(key=masked_debtor_key(fits_a.key[:6] + "*" * 8 + fits_a.key[14:], NAME), name=NAME),
        "nobody": Person(key=masked_debtor_key(nobody, NAME), name=NAME),
        "lisi": Person(key=masked_debtor_key(both, "李四"), name="李四"),
        "bare": Person(key=masked_debtor_key(fits_a.key[:4] + "*" * 14, NAME), name=NAME),  # no entries
    }
    store.upsert_organizations([make_org(1), make_org(2, name=f"{NAME}五金店")])
    store.upsert_persons([fits_a, fits_b, stranger, other_name, unresolved, *debtors.values()])
    store.upsert_entries(
        [
            make_entry("430923-C-0001", debtors["both"].key, valid_from=dt.date(2025, 3, 10)),
            make_entry("430923-C-0002", debtors["only_a"].key, list=ListKind.WATCH),
            make_entry("430923-C-0003", debtors["only_a"].key, status=EntryStatus.REVOKED),
            make_entry("430923-C-0004", debtors["ended"].key, valid_until=dt.date(2025, 1, 1)),
            make_entry("430923-C-0005", debtors["nobody"].key),
            make_entry("430923-C-0006", debtors["lisi"].key),
            make_entry("430923-C-0007", debtors["ended"].key, list=ListKind.RED),
        ]
    )
    return {
        "fits_a": fits_a,
        "fits_b": fits_b,
        "stranger": stranger,
        "other_name": other_name,
        "unresolved": unresolved,
    }


def test_the_view_carries_exactly_the_debtors_the_name_search_found(store: GraphStore) -> None:
    persons = _graph(store)

    for label, person in persons.items():
        view = _view_candidates(store, person.key)
        if person.id_number is None:
            assert view == [], label  # an unresolved person has no possible matches to read
        else:
            assert view == _old_candidates(store, person), label
    assert len(_view_candidates(store, persons["fits_a"].key)) == 5  # every 张三 debtor, fits or not


def test_the_view_of_an_organisation_or_an_unknown_subject_has_no_namesakes(store: GraphStore) -> None:
    _graph(store)

    for key in (make_org(2).key, make_org(9).key, make_person(9, name=NAME).key):
        assert _view_candidates(store, key) == [], key


def test_check_views_carry_the_same_namesakes_as_each_single_view(store: GraphStore) -> None:
    persons = _graph(store)
    keys = [p.key for p in persons.values()] + [make_org(1).key, make_person(9).key]

    for depth in (0, 2, 5):
        views = store.check_views(keys, depth=depth, as_of=TODAY, limit_per_node=200)
        single = [store.check_view(k, depth=depth, as_of=TODAY, limit_per_node=200) for k in keys]
        assert views == single, depth
        assert [v.namesakes for v in views] == [s.namesakes for s in single]


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
def test_the_possible_matches_are_what_the_old_search_gave(store: GraphStore, batch: bool) -> None:
    persons = _graph(store)
    catalog = default_catalog()

    for label, person in persons.items():
        request = CheckRequest(subject_id=person.key, scenario="bidding", as_of=TODAY)
        view = None
        if batch:
            [view] = store.check_views([person.key], depth=2, as_of=TODAY, limit_per_node=200)
        result = run_check(store, catalog, request, as_of=TODAY, fan_out_limit=200, view=view)
        got = [(m.subject_id, [e.entry_id for e in m.entries]) for m in result.possible_matches]
        expected = [] if person.id_number is None else _old_possible_matches(store, person)
        assert got == expected, label
        if expected:
            assert result.verdict == "review", label
    fits_a = persons["fits_a"]
    assert [key for key, _ in _old_possible_matches(store, fits_a)] == sorted(
        [
            masked_debtor_key(fits_a.key[:10] + "********", NAME),
            masked_debtor_key(fits_a.key[:10] + "****" + fits_a.key[14:], NAME),
        ]
    )
    entries = {
        e.entry_id: e for e in store.entries_for([masked_debtor_key(fits_a.key[:10] + "********", NAME)])
    }
    [match] = [
        m
        for m in run_check(
            store,
            catalog,
            CheckRequest(subject_id=fits_a.key, scenario="bidding", as_of=TODAY),
            as_of=TODAY,
            fan_out_limit=200,
        ).possible_matches
        if m.subject_id.endswith("********~" + NAME)
    ]
    assert match.entries == [entry_brief(entries["430923-C-0001"])]


def test_more_same_name_subjects_than_the_old_search_limit_no_longer_hide_a_debtor(store: GraphStore) -> None:
    """The old search examined its first 50 hits by key; masked keys (``~m~``) sort after every USCC and
    ID number, so 50 organisations whose name holds the person's name hid every debtor of that name."""
    person = make_person(1, birth="19940101", name=NAME)
    debtor = Person(key=masked_debtor_key(person.key[:10] + "********", NAME), name=NAME)
    store.upsert_organizations([make_org(n, name=f"{NAME}商店{n}") for n in range(1, 61)])
    store.upsert_persons([person, debtor])
    store.upsert_entries([make_entry("430923-C-0100", debtor.key)])

    assert _old_candidates(store, person) == []  # the old rule missed it
    assert [s.key for s, _ in _view_candidates(store, person.key)] == [debtor.key]
    request = CheckRequest(subject_id=person.key, scenario="bidding", as_of=TODAY)
    result = run_check(store, default_catalog(), request, as_of=TODAY, fan_out_limit=200)
    assert [m.subject_id for m in result.possible_matches] == [debtor.key]
    assert result.verdict == "review"
