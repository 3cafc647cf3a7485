"""Durability of the embedded store: journal recovery, snapshots, the writer lock, read-only openers."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from pathlib import Path

import pytest

from graph_service.domain.model import RelationKind
from graph_service.errors import Conflict, NotFound
from graph_service.store.memory import MemoryStore
from graph_service.store.memory.journal import JOURNAL_NAME, SNAPSHOT_NAME, JournalCorrupt
from tests.factories import make_entry, make_org, make_person, make_relation

JOURNAL_LOGGER = "graph_service.store.memory.journal"


def write_three_batches(data_dir: Path) -> list[int]:
    """Three committed batches (orgs, persons, one relation); the journal size after each."""
    sizes: list[int] = []
    with MemoryStore(data_dir) as store:
        store.upsert_organizations([make_org(1), make_org(2)])
        sizes.append(journal_size(data_dir))
        store.upsert_persons([make_person(1)])
        sizes.append(journal_size(data_dir))
        store.upsert_relations(
            [make_relation(RelationKind.LEGAL_REPRESENTATIVE, make_person(1).key, make_org(1).uscc)]
        )
        sizes.append(journal_size(data_dir))
    return sizes


def journal_size(data_dir: Path) -> int:
    return (data_dir / JOURNAL_NAME).stat().st_size


def state_of(store: MemoryStore) -> tuple[dict[str, int], int]:
    return store.counts(), store.data_version()


def test_a_journal_cut_mid_record_recovers_every_earlier_batch_and_logs_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sizes = write_three_batches(tmp_path)
    os.truncate(tmp_path / JOURNAL_NAME, sizes[1] + (sizes[2] - sizes[1]) // 2)

    with caplog.at_level(logging.WARNING, logger=JOURNAL_LOGGER), MemoryStore(tmp_path) as store:
        counts, version = state_of(store)

    assert (version, counts["organizations"], counts["persons"], counts["legal_representative"]) == (
        2,
        2,
        1,
        0,
    )
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("torn last record" in message for message in warnings), warnings


def test_the_writer_cuts_a_torn_tail_so_later_batches_survive_the_next_restart(tmp_path: Path) -> None:
    sizes = write_three_batches(tmp_path)
    os.truncate(tmp_path / JOURNAL_NAME, sizes[2] - 5)

    with MemoryStore(tmp_path) as store:
        assert journal_size(tmp_path) == sizes[1], "the torn record was not cut off"
        store.upsert_organizations([make_org(3)])
    with MemoryStore(tmp_path) as store:
        counts, version = state_of(store)

    assert (version, counts["organizations"], counts["persons"]) == (3, 3, 1), counts


def test_a_complete_last_record_with_a_bad_checksum_refuses_to_open_naming_the_offset(tmp_path: Path) -> None:
    # A complete record (newline and all) was acknowledged to its writer: dropping it would lose a
    # committed batch and hand its feed sequence number out again to the next entry.
    sizes = write_three_batches(tmp_path)
    journal = tmp_path / JOURNAL_NAME
    data = bytearray(journal.read_bytes())
    data[sizes[1]] = ord("f") if data[sizes[1]] != ord("f") else ord("0")  # first checksum digit of record 3
    journal.write_bytes(bytes(data))

    with pytest.raises(JournalCorrupt, match=f"complete record at byte {sizes[1]}"):
        MemoryStore(tmp_path)
    with pytest.raises(JournalCorrupt, match=f"complete record at byte {sizes[1]}"):
        MemoryStore(tmp_path, read_only=True)
    assert journal.read_bytes() == bytes(data), "a refused journal must be left exactly as found"


def test_damage_before_the_last_record_refuses_to_open_rather_than_lose_later_batches(tmp_path: Path) -> None:
    sizes = write_three_batches(tmp_path)
    journal = tmp_path / JOURNAL_NAME
    data = bytearray(journal.read_bytes())
    data[sizes[0] + 20] ^= 0x01  # inside record 2; record 3 follows intact
    journal.write_bytes(bytes(data))

    with pytest.raises(JournalCorrupt, match=f"damaged at byte {sizes[0]}"):
        MemoryStore(tmp_path)


def test_a_second_writer_on_the_same_dir_gets_a_conflict_naming_the_dir_and_the_holder(
    tmp_path: Path,
) -> None:
    with MemoryStore(tmp_path), pytest.raises(Conflict) as caught:
        MemoryStore(tmp_path)

    assert str(tmp_path) in caught.value.detail, caught.value.detail
    assert f"process {os.getpid()}" in caught.value.detail, caught.value.detail


def test_closing_the_writer_releases_the_lock_for_the_next_one(tmp_path: Path) -> None:
    MemoryStore(tmp_path).close()

    with MemoryStore(tmp_path) as store:
        store.upsert_organizations([make_org(1)])
        assert store.data_version() == 1


def test_a_read_only_opener_reads_while_the_writer_holds_the_lock_and_refuses_writes(tmp_path: Path) -> None:
    with MemoryStore(tmp_path) as writer:
        writer.upsert_organizations([make_org(1), make_org(2)])
        with MemoryStore(tmp_path, read_only=True) as reader:
            seen = sorted(reader.get_subjects([make_org(1).uscc, make_org(2).uscc]))
            with pytest.raises(Conflict, match="read-only"):
                reader.upsert_organizations([make_org(3)])
        writer.upsert_organizations([make_org(3)])  # the reader took no lock and left the writer working

    assert seen == sorted([make_org(1).uscc, make_org(2).uscc]), seen


def test_compact_then_restart_yields_the_same_counts_and_data_version(tmp_path: Path) -> None:
    write_three_batches(tmp_path)
    with MemoryStore(tmp_path) as store:
        store.upsert_entries([make_entry("430923-B-2025-0001", make_org(1).uscc)])
        before = state_of(store)
        result = store.compact()

    assert journal_size(tmp_path) == 0, "compact left the journal untruncated"
    assert result.data_version == before[1] == 4, result
    with MemoryStore(tmp_path) as store:
        assert state_of(store) == before
        assert [c.from_status for c in store.entry_history("430923-B-2025-0001")] == [None]


def test_the_journal_keeps_appending_after_compact(tmp_path: Path) -> None:
    write_three_batches(tmp_path)
    with MemoryStore(tmp_path) as store:
        store.compact()
        store.upsert_persons([make_person(2)])
        assert journal_size(tmp_path) > 0, "the batch after compact was not journaled"
    with MemoryStore(tmp_path) as store:
        counts, version = state_of(store)

    assert (version, counts["persons"], counts["organizations"]) == (4, 2, 2), counts


def test_records_already_in_the_snapshot_are_skipped_after_a_compaction_cut_short(tmp_path: Path) -> None:
    """A crash between the snapshot's rename and the journal's truncation leaves both: nothing is doubled."""
    write_three_batches(tmp_path)
    saved = tmp_path / "journal.saved"
    shutil.copy(tmp_path / JOURNAL_NAME, saved)
    with MemoryStore(tmp_path) as store:
        store.compact()
        expected = state_of(store)
    shutil.copy(saved, tmp_path / JOURNAL_NAME)

    with MemoryStore(tmp_path) as store:
        assert state_of(store) == expected


def test_clear_persists_and_the_data_version_still_grows(tmp_path: Path) -> None:
    write_three_batches(tmp_path)
    with MemoryStore(tmp_path) as store:
        store.clear()
    with MemoryStore(tmp_path) as store:
        counts, version = state_of(store)
        store.upsert_organizations([make_org(7)])

    assert (counts["organizations"], counts["persons"], counts["legal_representative"]) == (0, 0, 0), counts
    assert version == 4, "clear must not reset the data version (cached answers would match again)"
    assert (tmp_path / SNAPSHOT_NAME).exists()


def test_a_rejected_batch_leaves_the_journal_untouched(tmp_path: Path) -> None:
    write_three_batches(tmp_path)
    with MemoryStore(tmp_path) as store:
        size = journal_size(tmp_path)
        with pytest.raises(NotFound):
            store.upsert_relations(
                [
                    make_relation(RelationKind.DIRECTOR, make_person(1).key, make_org(2).uscc),
                    make_relation(RelationKind.DIRECTOR, make_person(99).key, make_org(2).uscc),
                ]
            )
        assert (journal_size(tmp_path), store.data_version()) == (size, 3)


def test_an_unchanged_batch_is_not_journaled_and_does_not_advance_the_version(tmp_path: Path) -> None:
    write_three_batches(tmp_path)
    with MemoryStore(tmp_path) as store:
        size = journal_size(tmp_path)
        counts = store.upsert_organizations([make_org(1), make_org(2)])
        assert (counts.unchanged, journal_size(tmp_path), store.data_version()) == (2, size, 3)


def test_entry_history_timestamps_survive_a_restart_exactly(tmp_path: Path) -> None:
    at = dt.datetime(2025, 3, 4, 5, 6, 7, 890, tzinfo=dt.UTC)
    with MemoryStore(tmp_path, clock=lambda: at) as store:
        store.upsert_organizations([make_org(1)])
        store.upsert_entries([make_entry("E-1", make_org(1).uscc)])
    with MemoryStore(tmp_path) as store:
        history = store.entry_history("E-1")

    dept = make_entry("E-1", make_org(1).uscc).initiating_dept
    assert [(c.at, c.actor, c.from_status) for c in history] == [(at, dept, None)], history
