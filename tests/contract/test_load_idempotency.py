"""Loading through the store contract, on both backends: a re-load changes nothing, a newer export updates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from graph_service.store.base import GraphStore
from loaders.pipeline import Format, load
from loaders.report import LoadReport

EXAMPLES = Path(__file__).parents[2] / "examples"
SOURCES: tuple[tuple[Path, Format], ...] = (
    (EXAMPLES / "v1", "v1"),
    (EXAMPLES / "court", "court"),
    (EXAMPLES / "penalty", "penalty"),
)


def load_all(store: GraphStore, tmp_path: Path) -> list[LoadReport]:
    return [load(store, path, fmt=fmt, rejects=tmp_path / f"{fmt}.csv") for path, fmt in SOURCES]


def test_loading_the_same_sources_twice_leaves_every_count_unchanged(
    store: GraphStore, tmp_path: Path
) -> None:
    first = load_all(store, tmp_path)
    counts, version = store.counts(), store.data_version()
    second = load_all(store, tmp_path)
    # The court example's masked-ID debtor links to the one stored person it fits; the penalty example keeps
    # its one bad row.
    assert [r.rejected for r in first] == [0, 0, 1], [(f.file, f.rejected) for r in first for f in r.files]
    assert store.counts() == counts, (counts, store.counts())
    assert store.data_version() == version, "an unchanged re-load commits nothing"
    changed = [(f.file, f.created, f.updated) for r in second for f in r.files if f.created or f.updated]
    assert changed == [], changed


def test_a_newer_export_closes_the_ended_relation_and_updates_changed_fields(
    store: GraphStore, tmp_path: Path
) -> None:
    load(store, EXAMPLES / "v1", rejects=tmp_path / "first.csv")
    newer = tmp_path / "newer"
    newer.mkdir()
    (newer / "roles.csv").write_text(
        "person_id,org_id,role,title,start_on,end_on\n"
        "432301198112306014,91430923MA4P8K1D8X,legal_representative,执行董事,2014-07-02,2025-03-01\n",
        encoding="utf-8",
    )
    (newer / "organizations.csv").write_text(
        "uscc,name,status\n91430923MA4P8K1D8X,安化县资江建筑工程有限公司,revoked\n", encoding="utf-8"
    )
    report = load(store, newer, rejects=tmp_path / "newer.csv")
    assert [(f.file, f.updated) for f in report.files] == [("organizations.csv", 1), ("roles.csv", 1)]
    holders = store.role_holders("91430923MA4P8K1D8X", as_of=dt.date(2025, 6, 1))
    assert [h.kind.value for h in holders if h.source_id == "432301198112306014"] == [
        "practitioner",
        "shareholder",
    ], holders
    org = store.get_subjects(["91430923MA4P8K1D8X"])["91430923MA4P8K1D8X"]
    assert org.status.value == "revoked" and org.industry is None, org  # type: ignore[union-attr]
