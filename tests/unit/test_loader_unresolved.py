"""Persons without a usable ID: unresolved, scoped to one organisation, resolved only by a full ID."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.model import Person, RelationKind, unresolved_person_key
from graph_service.store.memory import MemoryStore
from tests.unit.loader_support import ORG_A, ORG_B, PERSON_1, base_dir, run_load, write

ROLES = "person_id,org_id,role,title,start_on,end_on,person_name\n"
HOLDINGS = "holder_id,org_id,ratio,subscribed_amount,start_on,end_on,holder_name\n"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(None)


def test_a_name_only_role_holder_is_an_unresolved_person_of_that_organisation(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES + f",{ORG_A},senior_manager,财务负责人,2014-07-02,,孙七\n")
    write(src, "shareholdings.csv", HOLDINGS + f"非公示项,{ORG_A},0.4,,2014-07-02,,孙七\n")
    loaded = run_load(store, src, tmp_path)
    key = unresolved_person_key(ORG_A, "孙七")
    person = store.get_subjects([key])[key]
    assert isinstance(person, Person) and person.unresolved, person
    assert {r.kind for r in store.relations_of(key, as_of=None)} == {
        RelationKind.SENIOR_MANAGER,
        RelationKind.SHAREHOLDER,
    }, "both rows name the same unresolved person"
    roles = loaded.file("roles.csv")
    assert (roles.unresolved_persons, loaded.file("shareholdings.csv").unresolved_persons) == (1, 0), roles


def test_the_same_name_in_two_organisations_is_never_merged(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES + f",{ORG_A},director,,,,孙七\n,{ORG_B},director,,,,孙七\n")
    run_load(store, src, tmp_path)
    keys = {unresolved_person_key(ORG_A, "孙七"), unresolved_person_key(ORG_B, "孙七")}
    assert store.get_subjects(keys).keys() == keys
    assert store.counts()["unresolved_persons"] == 2


def test_a_later_load_with_the_full_id_resolves_the_person_and_keeps_history(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "first")
    write(src, "roles.csv", ROLES + f",{ORG_A},senior_manager,财务负责人,2014-07-02,2020-01-01,孙七\n")
    run_load(store, src, tmp_path)
    later = tmp_path / "later"
    write(later, "roles.csv", ROLES + f"{PERSON_1},{ORG_A},director,董事,2020-01-01,,孙七\n")
    loaded = run_load(store, later, tmp_path)
    key = unresolved_person_key(ORG_A, "孙七")
    assert loaded.rejects == [] and loaded.file("roles.csv").resolved_persons == 1, loaded.rejects
    assert key not in store.get_subjects([key]), "the unresolved node is merged away"
    history = {(r.kind, r.start_on, r.end_on) for r in store.relations_of(PERSON_1, as_of=None)}
    assert history == {
        (RelationKind.SENIOR_MANAGER, dt.date(2014, 7, 2), dt.date(2020, 1, 1)),
        (RelationKind.DIRECTOR, dt.date(2020, 1, 1), None),
    }, history
    assert store.get_subjects([PERSON_1])[PERSON_1].name == "张三", "a stored person keeps its own fields"


def test_a_persons_row_with_org_id_and_full_id_resolves_too(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "first")
    write(src, "shareholdings.csv", HOLDINGS + f"非公示项,{ORG_A},1,,,,孙七\n")
    run_load(store, src, tmp_path)
    from tests.factories import make_id_number

    newcomer = make_id_number(8, birth="19950101")
    later = tmp_path / "later"
    write(later, "persons.csv", f"id_number,name,org_id\n{newcomer},孙七,{ORG_A}\n")
    loaded = run_load(store, later, tmp_path)
    assert loaded.file("persons.csv").resolved_persons == 1, loaded.file("persons.csv")
    [holding] = store.relations_of(ORG_A, as_of=None, direction="in")
    assert (holding.source_id, holding.ratio) == (newcomer, 1.0), holding


def test_a_full_id_for_an_unknown_name_does_not_touch_other_unresolved_persons(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES + f",{ORG_A},director,,,,孙七\n{PERSON_1},{ORG_A},supervisor,,,,张三\n")
    loaded = run_load(store, src, tmp_path)
    key = unresolved_person_key(ORG_A, "孙七")
    assert key in store.get_subjects([key]) and loaded.file("roles.csv").resolved_persons == 0


def test_later_rows_of_the_same_load_follow_a_resolution(store: MemoryStore, tmp_path: Path) -> None:
    src = base_dir(tmp_path / "first")
    write(src, "roles.csv", ROLES + f",{ORG_A},director,,2014-07-02,,孙七\n")
    run_load(store, src, tmp_path)
    later = tmp_path / "later"
    rows = [f"{PERSON_1},{ORG_A},director,,2014-07-02,,孙七", f",{ORG_A},supervisor,,2014-07-02,,孙七"]
    write(later, "roles.csv", ROLES + "\n".join(rows) + "\n")
    run_load(store, later, tmp_path, batch_size=1)
    key = unresolved_person_key(ORG_A, "孙七")
    assert key not in store.get_subjects([key]), "the name-only row must not re-create the merged person"
    assert {r.kind for r in store.relations_of(PERSON_1, as_of=None)} == {
        RelationKind.DIRECTOR,
        RelationKind.SUPERVISOR,
    }
