"""Parsing one batch ahead of the writes changes nothing a load reports, and fails as a load did."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.store.memory import MemoryStore
from loaders.parsing import Chunk, parsed_ahead
from tests.factories import make_uscc
from tests.unit.loader_support import ORG_A, ORG_B, PERSON_1, PERSON_2, base_dir, run_load, write

ROLES = "person_id,org_id,role,title,start_on,end_on,person_name\n"


def _source(tmp_path: Path) -> Path:
    """Roles whose rows are rejected while parsing (bad role, bad date) and while writing (an unknown
    organisation), and warned about, interleaved across batches of two."""
    src = base_dir(tmp_path / "src")
    rows = [
        f"{PERSON_1},{ORG_A},legal_representative,,2016-03-18,,",
        f"{PERSON_1},{ORG_B},no_such_role,,2016-03-18,,",
        f"{PERSON_2},{make_uscc(77)},director,,2016-03-18,,",
        f"{PERSON_2},{ORG_A},director,,2016-13-40,,",
        f"{PERSON_2},{ORG_B},director,,2017-01-01,,",
        f"{PERSON_1},{make_uscc(78)},supervisor,,2018-01-01,,",
        f"{PERSON_2},{ORG_B},supervisor,,2018-01-01,2017-01-01,",
        f"{PERSON_1},{ORG_B},supervisor,,2019-01-01,,张三",
    ]
    write(src, "roles.csv", ROLES + "\n".join(rows) + "\n")
    return src


Issues = tuple[list[tuple[str, int, int, int, int]], list[dict[str, str]], list[dict[str, str]]]


def _issues(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch, *, ahead: bool) -> Issues:
    with monkeypatch.context() as patch:
        patch.setattr(MemoryStore, "reads_block", property(lambda self: ahead))
        loaded = run_load(MemoryStore(None), _source(tmp_path / name), tmp_path / name, batch_size=2)
    report = [(f.file, f.read, f.rejected, f.warnings, f.created) for f in loaded.report.files]
    return report, loaded.rejects, loaded.warnings


def test_rejects_and_warnings_come_in_the_same_order_when_parsed_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline = _issues(tmp_path, "inline", monkeypatch, ahead=False)
    ahead = _issues(tmp_path, "ahead", monkeypatch, ahead=True)

    assert ahead == inline
    lines = [r["line"] for r in inline[1]]
    assert lines == ["3", "4", "5", "7", "8"], inline[1]  # parse and write rejects, interleaved


def _numbered(n: int, fail_at: int | None = None) -> Iterator[Chunk]:
    for i in range(n):
        if i == fail_at:
            raise ValueError(f"bad chunk {i}")
        yield Chunk(read=i)


def _parse_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "load-parse-ahead"]


def test_chunks_parsed_ahead_arrive_in_order() -> None:
    with parsed_ahead(_numbered(7)) as chunks:
        assert [c.read for c in chunks] == list(range(7))
    assert _parse_threads() == []


def test_a_parse_failure_is_raised_to_the_loading_thread_after_the_chunks_before_it() -> None:
    seen: list[int] = []
    with pytest.raises(ValueError, match="bad chunk 3"), parsed_ahead(_numbered(7, fail_at=3)) as chunks:
        seen.extend(c.read for c in chunks)
    assert seen == [0, 1, 2]
    assert _parse_threads() == []


def test_leaving_early_stops_the_parsing_thread() -> None:
    with pytest.raises(RuntimeError), parsed_ahead(_numbered(1_000)) as chunks:
        next(chunks)
        raise RuntimeError("the write failed")
    assert _parse_threads() == []
