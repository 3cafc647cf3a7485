"""``graph-service load --format ftm``: FtM entities through the format v1 validation, rejects naming the
entity, its property and the value; the whole-store ``graph-service export --format ftm`` command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graph_service.cli.main import app
from graph_service.domain.model import EntryStatus, ListKind, RelationKind, unresolved_person_key
from graph_service.store.memory import MemoryStore
from tests.unit.loader_support import ORG_A, ORG_B, PERSON_1, PERSON_2, run_load, write


def _entity(entity_id: str, schema: str, **properties: Any) -> str:
    values = {k: v if isinstance(v, list) else [v] for k, v in properties.items()}
    return json.dumps({"id": entity_id, "schema": schema, "properties": values}, ensure_ascii=False)


def _file(tmp_path: Path, *lines: str) -> Path:
    write(tmp_path / "in", "peer.ftm.json", "\n".join(lines) + "\n")
    return tmp_path / "in"


COMPANY = _entity("co-a", "Company", name="安化县甲茶业有限公司", registrationNumber=ORG_A)
ORG = _entity("co-b", "Organization", name="安化县乙协会", registrationNumber=ORG_B, legalForm="social_org")
PERSON = _entity("p-1", "Person", name="张三", idNumber=PERSON_1)
GHOST = _entity("p-ghost", "Person", name="赵六")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(None)


def test_registry_and_sanction_entities_load_as_rows(store: MemoryStore, tmp_path: Path) -> None:
    source = _file(
        tmp_path,
        COMPANY,
        ORG,
        PERSON,
        GHOST,
        _entity(
            "d-1",
            "Directorship",
            director="p-1",
            organization="co-a",
            role="法定代表人",
            startDate="2020-01-01",
        ),
        _entity("d-2", "Directorship", director="p-ghost", organization="co-a", role="supervisor"),
        _entity("o-1", "Ownership", owner="co-b", asset="co-a", percentage="51.5", startDate="2020-01-01"),
        _entity(
            "s-1",
            "Sanction",
            entity=["co-a", "p-1"],
            recordId="430923-B-2025-0009",
            program="black/tax",
            status="active",
            authority="安化县税务局",
            listingDate="2025-01-15",
            endDate="2028-01-14",
            reason="虚开发票",
        ),
        _entity("a-1", "Address", full="安化县东坪镇"),
    )

    loaded = run_load(store, source, tmp_path, fmt="ftm")

    assert loaded.report.failure is None and loaded.rejects == [], (loaded.report.failure, loaded.rejects)
    assert any("1 Address" in note for note in loaded.report.notes), loaded.report.notes
    ghost = unresolved_person_key(ORG_A, "赵六")
    assert store.get_subjects([ORG_A, ORG_B, PERSON_1, ghost]).keys() == {ORG_A, ORG_B, PERSON_1, ghost}
    kinds = {(r.kind, r.source_id, r.ratio) for r in store.relations_of(ORG_A, as_of=None, direction="in")}
    assert kinds == {
        (RelationKind.LEGAL_REPRESENTATIVE, PERSON_1, None),
        (RelationKind.SUPERVISOR, ghost, None),
        (RelationKind.SHAREHOLDER, ORG_B, 0.515),
    }, kinds
    (entry,) = store.entries_for([ORG_A])
    assert (entry.entry_id, entry.list, entry.status, entry.responsible_person_ids) == (
        "430923-B-2025-0009", ListKind.BLACK, EntryStatus.ACTIVE, (PERSON_1,)
    ), entry  # fmt: skip


def test_a_bad_entity_is_a_reject_naming_the_entity_its_property_and_value(
    store: MemoryStore, tmp_path: Path
) -> None:
    source = _file(
        tmp_path,
        COMPANY,
        PERSON,
        _entity("p-bad", "Person", name="李四", birthDate="not a date"),
        _entity("p-bad-id", "Person", name="王五", idNumber="430923199501011234"),
        _entity("d-bad", "Directorship", director="p-1", organization="co-a", role="chairman of the board"),
        _entity("o-bad", "Ownership", owner="p-1", asset="co-missing", percentage="20"),
        _entity(
            "s-bad",
            "Sanction",
            entity="co-a",
            recordId="X-1",
            program="EU financial sanctions",
            listingDate="2025-01-15",
            authority="安化县税务局",
        ),
        "{not json",
    )

    loaded = run_load(store, source, tmp_path, fmt="ftm")

    by_entity = {r["reason"].split(":")[0]: r for r in loaded.rejects}
    assert set(by_entity) == {
        "Person p-bad", "Person p-bad-id", "Directorship d-bad", "Ownership o-bad", "Sanction s-bad",
        "not a JSON object",
    }, loaded.rejects  # fmt: skip
    assert (by_entity["Person p-bad"]["column"], by_entity["Person p-bad"]["value"]) == (
        "birthDate", "not a date"
    )  # fmt: skip
    assert (by_entity["Person p-bad-id"]["column"], by_entity["Person p-bad-id"]["value"]) == (
        "idNumber", "430923199501011234"
    ), by_entity["Person p-bad-id"]  # fmt: skip
    assert (by_entity["Directorship d-bad"]["column"], by_entity["Directorship d-bad"]["value"]) == (
        "role", "chairman of the board"
    )  # fmt: skip
    assert by_entity["Ownership o-bad"]["column"] == "asset", by_entity["Ownership o-bad"]
    assert by_entity["Sanction s-bad"]["column"] == "program", by_entity["Sanction s-bad"]
    assert store.get_subjects([ORG_A, PERSON_1]).keys() == {ORG_A, PERSON_1}
    assert store.get_subjects([PERSON_2]) == {}


def test_the_export_command_writes_the_store_and_load_reads_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _file(
        tmp_path,
        COMPANY,
        PERSON,
        _entity("d-1", "Directorship", director="p-1", organization="co-a", role="legal_representative"),
    )
    origin = tmp_path / "origin"
    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(origin))
    runner = CliRunner()
    loaded = runner.invoke(app, ["load", str(source), "--format", "ftm"])
    assert loaded.exit_code == 0, loaded.output

    out = tmp_path / "all.ftm.json"
    result = runner.invoke(app, ["export", "--format", "ftm", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "wrote 3 entities" in result.output, result.output
    schemas = sorted(json.loads(line)["schema"] for line in out.read_text(encoding="utf-8").splitlines())
    assert schemas == ["Company", "Directorship", "Person"], schemas
    audit = (origin / "audit.jsonl").read_text(encoding="utf-8")
    assert '"graph.export"' in audit, audit[-500:]
