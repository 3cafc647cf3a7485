"""The neo4j-admin import files: typed headers, the Neo4j store's property maps, refusals when they drift."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from graph_service.domain.model import EntryStatus, RelationKind, StatusChange
from graph_service.domain.propagation import PersonalLink
from graph_service.store.neo4j import mapping
from graph_service.store.neo4j.import_files import ARRAY_DELIMITER, ImportFileError, ImportFiles
from tests.factories import make_entry, make_org, make_person, make_relation, make_unresolved_person

AT = dt.datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=dt.UTC)


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write_graph(directory: Path) -> tuple[ImportFiles, list[str]]:
    files = ImportFiles(directory)
    org, person = make_org(1, established_on=dt.date(2020, 5, 6)), make_person(1)
    files.add_subject(org)
    files.add_subject(person)
    files.add_subject(make_unresolved_person(org, "张三"))
    files.add_relation(
        make_relation(RelationKind.SHAREHOLDER, person.key, org.uscc, dt.date(2021, 1, 1), ratio=0.25)
    )
    files.add_entry(make_entry("E-1", org.uscc, responsible_person_ids=(person.key,)))
    files.add_entry(make_entry("E-2", person.key))
    files.add_change(
        StatusChange(entry_id="E-1", from_status=None, to_status=EntryStatus.ACTIVE, at=AT, actor="税务局")
    )
    files.add_link(
        PersonalLink(person_id=person.key, entry_id="E-1", org_id=org.uscc, roles=(), responsible=True)
    )
    return files, files.close(data_version=7, feed_seq=0)


def test_subjects_carry_the_store_labels_and_exactly_the_mapping_properties(tmp_path: Path) -> None:
    files, args = _write_graph(tmp_path)

    header, org_row = _rows(tmp_path / "organizations.csv")[:2]
    assert header[:2] == ["key:ID(Subject)", ":LABEL"] and "established_on:date" in header, header
    assert org_row[1].split(ARRAY_DELIMITER) == ["Subject", "Organization", "Enterprise"], org_row
    stored = {name.split(":")[0]: value for name, value in zip(header[2:], org_row[2:], strict=True) if value}
    expected = mapping.organization_props(make_org(1, established_on=dt.date(2020, 5, 6)))
    assert stored == {k: str(v) for k, v in expected.items() if k != "key"}, (stored, expected)
    persons = _rows(tmp_path / "persons.csv")[1:]
    assert [p[1].split(ARRAY_DELIMITER) for p in persons] == [
        ["Subject", "Person"],
        ["Subject", "Person", "Unresolved"],
    ]
    # The unresolved person has no region (no ID number to read it from): two REGISTERED_IN links.
    assert files.counts["registered_in"] == 2 and files.counts["regions"] >= 1, files.counts
    assert f"--relationships=PERSONAL_LINK={tmp_path / 'personal_links.csv'}" in args, args


def test_values_are_typed_and_empty_lists_are_left_for_restoring(tmp_path: Path) -> None:
    _write_graph(tmp_path)

    relation = dict(zip(*_rows(tmp_path / "relations.csv")[:2], strict=True))
    assert relation["ratio:double"] == "0.25" and relation["start_on:date"] == "2021-01-01", relation
    assert relation[":TYPE"] == "SHAREHOLDER", relation
    entries = [
        dict(zip(_rows(tmp_path / "entries.csv")[0], row, strict=True))
        for row in _rows(tmp_path / "entries.csv")[1:]
    ]
    assert [e["responsible_person_ids:string[]"] for e in entries] == [make_person(1).key, ""], entries
    change = dict(zip(*_rows(tmp_path / "status_changes.csv")[:2], strict=True))
    assert change["at:datetime"] == "2026-01-02T03:04:05.600000Z" and change["seq:long"] == "1", change
    assert change["from_status"] == "" and change["to_status"] == "active", change
    meta = _rows(tmp_path / "meta.csv")
    assert meta[1] == ["data_version", "Meta", "7"], meta


def test_a_property_the_layout_does_not_know_stops_the_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        mapping, "person_props", lambda person: {"key": person.key, "name": person.name, "nickname": "x"}
    )
    files = ImportFiles(tmp_path)

    with pytest.raises(ImportFileError, match="nickname"):
        files.add_subject(make_person(1))


def test_a_value_holding_the_array_delimiter_or_a_naive_time_is_refused(tmp_path: Path) -> None:
    files = ImportFiles(tmp_path)

    with pytest.raises(ImportFileError, match="U\\+001F"):
        files.add_subject(make_org(1, name=f"bad{ARRAY_DELIMITER}name"))
    naive = StatusChange(
        entry_id="E-1", from_status=None, to_status=EntryStatus.ACTIVE, at=AT.replace(tzinfo=None), actor="x"
    )
    with pytest.raises(ImportFileError, match="'at'"):
        files.add_change(naive)
