"""The load as a whole: file order, file-level failures, dry runs, re-loads, encodings, the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph_service.cli.main import app
from graph_service.domain.model import Relation, UpsertCounts
from graph_service.errors import BackendUnavailable, GraphServiceError, NotFound
from graph_service.store.memory import MemoryStore
from loaders.pipeline import plan
from loaders.report import issue_files
from tests.unit.loader_support import (
    ORG_A,
    ORGS_CSV,
    PERSON_1,
    PERSON_2,
    PERSONS_CSV,
    base_dir,
    run_load,
    write,
)

ROLES = f"person_id,org_id,role\n{PERSON_1},{ORG_A},legal_representative\n"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(None)


def test_files_load_in_reference_order_whatever_their_names_sort_to(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES)
    write(src, "README.txt", "not data")
    loaded = run_load(store, src, tmp_path)
    assert [f.file for f in loaded.report.files] == ["organizations.csv", "persons.csv", "roles.csv"]
    assert loaded.report.notes == ["ignored README.txt: not a format v1 file name"]
    assert loaded.rejects == [], loaded.rejects


def test_a_missing_required_column_fails_the_load_before_anything_is_written(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", f"person_id,org_id\n{PERSON_1},{ORG_A}\n")  # no role column
    loaded = run_load(store, src, tmp_path)
    assert loaded.report.failure == "roles.csv: missing required column(s): role", loaded.report.failure
    assert store.counts()["organizations"] == 0, "organizations.csv must not be written either"


def test_an_undecodable_file_fails_the_load_before_anything_is_written(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", "person_id,org_id,role,title\n" + f"{PERSON_1},{ORG_A},director,董事\n", "gbk")
    loaded = run_load(store, src, tmp_path, encoding="utf-8")
    assert loaded.report.failure is not None and "not valid utf-8" in loaded.report.failure
    assert store.counts()["persons"] == 0


def test_a_gbk_directory_loads_with_auto_detection(store: MemoryStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "organizations.csv", ORGS_CSV, "gbk")
    write(src, "persons.csv", PERSONS_CSV, "utf-8-sig")
    loaded = run_load(store, src, tmp_path)
    assert [(f.file, f.encoding, f.created) for f in loaded.report.files] == [
        ("organizations.csv", "gb18030", 3),
        ("persons.csv", "utf-8", 3),
    ]
    assert store.get_subjects([ORG_A])[ORG_A].name == "安化县甲茶业有限公司"


def test_row_rejects_do_not_stop_the_good_rows(store: MemoryStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, "organizations.csv", f"uscc,name\n{ORG_A},甲\nbad,乙\n{ORG_A[:-1]}X,丙\n")
    loaded = run_load(store, src, tmp_path)
    report = loaded.file("organizations.csv")
    assert (report.read, report.created, report.rejected) == (3, 1, 2), report
    assert loaded.report.ok


def test_a_dry_run_validates_and_checks_references_but_writes_nothing(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES + f"{PERSON_1},{ORG_A[:-1]}0,director\n")
    loaded = run_load(store, src, tmp_path, dry_run=True)
    assert [(f.file, f.valid, f.rejected) for f in loaded.report.files] == [
        ("organizations.csv", 3, 0),
        ("persons.csv", 3, 0),
        ("roles.csv", 1, 1),
    ]
    assert store.counts()["organizations"] == 0 and store.data_version() == 0


def test_loading_the_same_directory_twice_changes_nothing(store: MemoryStore, tmp_path: Path) -> None:
    src = Path(__file__).parents[2] / "examples" / "v1"
    first = run_load(store, src, tmp_path)
    counts, version = store.counts(), store.data_version()
    second = run_load(store, src, tmp_path)
    assert first.rejects == [] and first.warnings == [], (first.rejects, first.warnings)
    assert store.counts() == counts and store.data_version() == version
    assert all(f.created == f.updated == 0 and f.unchanged == f.read for f in second.report.files), [
        (f.file, f.created, f.updated, f.unchanged, f.read) for f in second.report.files
    ]


def test_batches_smaller_than_the_file_give_the_same_result(store: MemoryStore, tmp_path: Path) -> None:
    src = Path(__file__).parents[2] / "examples" / "v1"
    whole = MemoryStore(None)
    run_load(whole, src, tmp_path)
    loaded = run_load(store, src, tmp_path, batch_size=2)
    assert loaded.rejects == [] and store.counts() == whole.counts(), loaded.rejects


def test_the_cli_loads_prints_a_summary_and_exits_zero_despite_rejects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph_service.config import get_settings

    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES + f"{PERSON_1},{ORG_A},boss\n")
    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    rejects = tmp_path / "out" / "rejects.csv"
    try:
        result = CliRunner().invoke(app, ["load", str(src), "--rejects", str(rejects)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "roles.csv" in result.output and "1 rejected rows" in result.output, result.output
    assert "role must be one of" in rejects.read_text(encoding="utf-8-sig")


def test_without_rejects_the_cli_writes_the_issue_files_beside_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph_service.config import get_settings

    src = base_dir(tmp_path / "registry")
    write(src, "roles.csv", ROLES + f"{PERSON_1},{ORG_A},boss\n")
    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["load", str(src)])
    finally:
        get_settings.cache_clear()
    rejects = tmp_path / "registry.rejects.csv"
    assert result.exit_code == 0, result.output
    assert "role must be one of" in rejects.read_text(encoding="utf-8-sig"), sorted(tmp_path.iterdir())
    assert (tmp_path / "registry.rejects.warnings.csv").is_file(), sorted(tmp_path.iterdir())
    assert not (tmp_path / "load-rejects.csv").exists(), "nothing is written to the working directory"


def test_issue_files_are_named_after_the_source_unless_given(tmp_path: Path) -> None:
    court = write(tmp_path / "lists", "court.csv", "x\n")

    assert issue_files(tmp_path / "registry") == (
        tmp_path / "registry.rejects.csv",
        tmp_path / "registry.rejects.warnings.csv",
    )
    assert issue_files(court) == (
        tmp_path / "lists" / "court.rejects.csv",
        tmp_path / "lists" / "court.rejects.warnings.csv",
    )
    assert issue_files(court, tmp_path / "out.csv") == (tmp_path / "out.csv", tmp_path / "out.warnings.csv")


def test_a_public_list_directory_never_loads_the_issue_files_of_an_earlier_load(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    for name in ("court.csv", "court.rejects.csv", "court.rejects.warnings.csv"):
        write(lists, name, "file,line,column,value,reason\n")

    planned, notes = plan(lists, "court")

    assert [p.path.name for p in planned] == ["court.csv"], planned
    assert notes == [
        "ignored court.rejects.csv: the issue file of a load",
        "ignored court.rejects.warnings.csv: the issue file of a load",
    ], notes


def test_a_loaded_store_dumps_domain_records_with_subjects_before_what_refers_to_them(
    store: MemoryStore, tmp_path: Path
) -> None:
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES)
    run_load(store, src, tmp_path)

    records = list(store.dump())

    kinds = [type(r).__name__ for r in records]
    assert kinds == ["Organization"] * 3 + ["Person"] * 3 + ["Relation"], kinds
    relation = records[-1]
    assert isinstance(relation, Relation) and (relation.source_id, relation.target_id) == (PERSON_1, ORG_A), (
        relation
    )


def test_the_cli_exits_one_with_a_clear_message_for_a_missing_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph_service.config import get_settings

    src = tmp_path / "src"
    write(src, "organizations.csv", "uscc,title\nx,y\n")
    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["load", str(src), "--rejects", str(tmp_path / "r.csv")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "organizations.csv: missing required column(s): name" in result.output, result.output


class _RefusingStore(MemoryStore):
    """The real embedded store, refusing relations of one person the way a concurrent delete would."""

    def __init__(self, refused: str, error: type[GraphServiceError]) -> None:
        super().__init__(None)
        self.refused = refused
        self.error = error

    def upsert_relations(self, rows: Sequence[Relation]) -> UpsertCounts:
        if any(r.source_id == self.refused for r in rows):
            raise self.error(f"subject {self.refused} is not stored")
        return super().upsert_relations(rows)


def test_a_batch_the_store_refuses_is_retried_row_by_row_and_only_the_refused_row_rejected(
    tmp_path: Path,
) -> None:
    store = _RefusingStore(PERSON_2, NotFound)
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES + f"{PERSON_2},{ORG_A},director\n")
    loaded = run_load(store, src, tmp_path)
    assert loaded.file("roles.csv").created == 1, loaded.file("roles.csv")
    assert [(r["line"], r["reason"]) for r in loaded.rejects] == [("3", f"subject {PERSON_2} is not stored")]


def test_an_unavailable_store_fails_the_load_instead_of_rejecting_rows(tmp_path: Path) -> None:
    store = _RefusingStore(PERSON_1, BackendUnavailable)
    src = base_dir(tmp_path / "src")
    write(src, "roles.csv", ROLES)
    with pytest.raises(BackendUnavailable):
        run_load(store, src, tmp_path)
