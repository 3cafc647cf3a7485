"""The embedded store's binary snapshot: a restart from it answers exactly as a journal replay, and any
snapshot that does not match (torn, corrupt, stale, another build) is ignored without losing a batch."""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import zlib
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from graph_service.domain.model import RelationKind
from graph_service.store.memory import MemoryStore
from graph_service.store.memory import snapshot as binary_snapshot
from graph_service.store.memory.journal import JOURNAL_NAME, SNAPSHOT_NAME
from graph_service.store.memory.recovery import load_state
from graph_service.synth import REFERENCE_DATE, generate
from loaders.pipeline import load
from tests.factories import make_org, make_person, make_relation

SNAPSHOT_LOGGER = "graph_service.store.memory"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding a small synthetic registry (subjects, relations, entries, links, tasks, feed)."""
    base = tmp_path_factory.mktemp("binary-snapshot")
    registry = base / "registry"
    generate(registry, orgs=150, seed=7)
    data_dir = base / "loaded"
    with MemoryStore(data_dir) as store:
        report = load(store, registry, rejects=base / "rejects.csv")
        assert report.ok, report.failure
    (data_dir / binary_snapshot.BINARY_SNAPSHOT_NAME).unlink(missing_ok=True)
    return data_dir


@pytest.fixture
def data_dir(loaded: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(loaded, target)
    return target


@pytest.fixture
def always_snapshot(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every clean close of a writer writes the binary snapshot (the test data is below the threshold)."""
    monkeypatch.setattr(binary_snapshot, "REWRITE_AFTER_BYTES", 0)
    yield


def answers(data_dir: Path) -> tuple[object, ...]:
    """Everything a reader can ask, opened read-only: the dump, counts, version, feed, and check views."""
    with MemoryStore(data_dir, read_only=True) as store:
        keys = sorted(subject.key for subject in store.subjects_after(None, 40))
        views = [store.check_view(key, depth=2, as_of=REFERENCE_DATE, limit_per_node=50) for key in keys]
        feed = store.feed_events(0, 10_000)
        return list(store.dump()), store.counts(), store.data_version(), feed, views


def replayed(data_dir: Path, tmp_path: Path) -> tuple[object, ...]:
    """The answers of the same data dir without its binary snapshot (the journal replayed)."""
    copy = tmp_path / "replayed"
    shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns(binary_snapshot.BINARY_SNAPSHOT_NAME))
    return answers(copy)


def uses_snapshot(data_dir: Path) -> bool:
    """Whether opening ``data_dir`` loads its binary snapshot (rather than replaying the journal)."""
    return load_state(data_dir, attempts=1).snapshot_offset is not None


def snapshot_file(data_dir: Path) -> Path:
    return data_dir / binary_snapshot.BINARY_SNAPSHOT_NAME


def test_compact_writes_a_binary_snapshot_and_a_restart_from_it_answers_as_the_journal_replay(
    data_dir: Path, tmp_path: Path
) -> None:
    expected = answers(data_dir)
    with MemoryStore(data_dir) as store:
        result = store.compact()

    assert result.binary_bytes == snapshot_file(data_dir).stat().st_size > 0
    assert uses_snapshot(data_dir)
    with MemoryStore(data_dir, read_only=True) as store:
        assert store.data_version() == expected[2]
    assert answers(data_dir) == expected


def test_a_restart_loads_the_snapshot_and_replays_only_the_journal_tail_after_it(
    data_dir: Path, tmp_path: Path, always_snapshot: None
) -> None:
    with MemoryStore(data_dir):
        pass  # a clean close: the binary snapshot at the journal's end
    at = (data_dir / JOURNAL_NAME).stat().st_size
    kept = tmp_path / "at.snapshot"
    shutil.copy(snapshot_file(data_dir), kept)
    with MemoryStore(data_dir) as store:
        assert store._snapshot_offset == at, "the restart did not use the binary snapshot"
        store.upsert_organizations([make_org(9001)])
        store.upsert_persons([make_person(9001)])
        store.upsert_relations(
            [make_relation(RelationKind.LEGAL_REPRESENTATIVE, make_person(9001).key, make_org(9001).uscc)]
        )
    shutil.copy(kept, snapshot_file(data_dir))  # the snapshot at ``at``: three batches after it

    with MemoryStore(data_dir) as store:
        assert store._snapshot_offset == at, "the restart did not use the binary snapshot"
        assert store.get_subjects([make_org(9001).uscc]), "a batch of the tail is missing"
        assert store.counts()["legal_representative"] >= 1
    assert answers(data_dir) == replayed(data_dir, tmp_path)


@pytest.mark.parametrize("damage", ["torn", "flipped_body_byte", "flipped_header_byte", "empty"])
def test_a_damaged_snapshot_is_ignored_and_the_journal_replayed(
    data_dir: Path, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    expected = answers(data_dir)
    with MemoryStore(data_dir) as store:
        store.compact()
    path = snapshot_file(data_dir)
    data = bytearray(path.read_bytes())
    if damage == "torn":
        data = data[: len(data) // 2]
    elif damage == "flipped_body_byte":
        data[-100] ^= 0x40
    elif damage == "flipped_header_byte":
        data[len(binary_snapshot.MAGIC) + 12] ^= 0x01
    else:
        data = bytearray()
    path.write_bytes(bytes(data))

    assert not uses_snapshot(data_dir)
    with caplog.at_level(logging.WARNING, logger=SNAPSHOT_LOGGER):
        assert answers(data_dir) == expected
    assert any("binary snapshot" in r.getMessage() for r in caplog.records), caplog.records


def test_a_snapshot_of_another_build_is_ignored(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expected = answers(data_dir)
    with MemoryStore(data_dir) as store:
        store.compact()
    monkeypatch.setattr(binary_snapshot, "code_fingerprint", lambda: "another build")

    with caplog.at_level(logging.WARNING, logger=SNAPSHOT_LOGGER):
        assert answers(data_dir) == expected
    assert any("another build" in r.getMessage() for r in caplog.records), caplog.records


def test_a_snapshot_whose_journal_changed_is_ignored(
    data_dir: Path, tmp_path: Path, always_snapshot: None, caplog: pytest.LogCaptureFixture
) -> None:
    with MemoryStore(data_dir) as store:
        store.upsert_organizations([make_org(9002)])  # the close writes the snapshot after this batch
    # the journal replaced by the one of before that batch (a restored backup): the snapshot is ahead
    before = tmp_path / "before"
    shutil.copytree(data_dir, before)
    journal = (data_dir / JOURNAL_NAME).read_bytes()
    last_start = journal.rindex(b"\n", 0, len(journal) - 1) + 1
    (data_dir / JOURNAL_NAME).write_bytes(journal[:last_start])

    with caplog.at_level(logging.WARNING, logger=SNAPSHOT_LOGGER), MemoryStore(data_dir, read_only=True) as s:
        assert not s.get_subjects([make_org(9002).uscc]), "the snapshot was used with another journal"
    assert any("no longer what it followed" in r.getMessage() for r in caplog.records), caplog.records


def test_a_compaction_after_the_snapshot_makes_it_stale_until_rewritten(
    data_dir: Path, tmp_path: Path
) -> None:
    with MemoryStore(data_dir) as store:
        store.compact()
    kept = tmp_path / "old.snapshot"
    shutil.copy(snapshot_file(data_dir), kept)
    with MemoryStore(data_dir) as store:
        store.upsert_organizations([make_org(9003)])
        store.compact()
    shutil.copy(kept, snapshot_file(data_dir))  # as if the crash came before the new one was renamed in

    with MemoryStore(data_dir, read_only=True) as store:
        assert store.get_subjects([make_org(9003).uscc]), "the stale snapshot was used"


def test_clear_deletes_the_snapshot(data_dir: Path) -> None:
    with MemoryStore(data_dir) as store:
        store.compact()
        store.clear()
        assert not snapshot_file(data_dir).exists()
    with MemoryStore(data_dir, read_only=True) as store:
        assert store.counts()["organizations"] == 0


def test_a_data_dir_without_a_snapshot_opens_as_before(data_dir: Path, tmp_path: Path) -> None:
    assert not snapshot_file(data_dir).exists()
    assert not (data_dir / SNAPSHOT_NAME).exists()
    with MemoryStore(data_dir, read_only=True) as store:
        assert store.counts()["organizations"] == 150


def test_a_small_journal_is_not_snapshotted_on_close(tmp_path: Path) -> None:
    with MemoryStore(tmp_path) as store:
        store.upsert_organizations([make_org(1)])
    assert not snapshot_file(tmp_path).exists()


def test_a_snapshot_naming_a_foreign_callable_is_refused(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = answers(data_dir)
    with MemoryStore(data_dir) as store:
        store.compact()
    path = snapshot_file(data_dir)
    data = path.read_bytes()
    start = len(binary_snapshot.MAGIC) + 8
    header_size = int.from_bytes(data[len(binary_snapshot.MAGIC) : len(binary_snapshot.MAGIC) + 4], "big")
    header = data[start : start + header_size]
    body = pickle.dumps(_Evil())  # unpickling it would call os.system
    fields = orjson.loads(header) | {"body_size": len(body), "body_crc": zlib.crc32(body)}
    new_header = orjson.dumps(fields)
    path.write_bytes(
        binary_snapshot.MAGIC
        + len(new_header).to_bytes(4, "big")
        + zlib.crc32(new_header).to_bytes(4, "big")
        + new_header
        + body
    )

    with caplog.at_level(logging.WARNING, logger=SNAPSHOT_LOGGER):
        assert answers(data_dir) == expected
    assert any("which no state holds" in r.getMessage() for r in caplog.records), caplog.records


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo pwned",))
