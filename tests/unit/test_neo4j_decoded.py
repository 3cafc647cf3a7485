"""What a Neo4j store's check views decode again and again: reused only for an equal property map."""

from __future__ import annotations

import threading
from typing import Any

from graph_service.store.neo4j.check_view import Decoders, view_from
from graph_service.store.neo4j.decoded import Decoded
from tests.factories import make_org

ORG = make_org(1)


def _counting() -> tuple[Decoded[dict[str, Any], dict[str, Any]], list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def decode(raw: dict[str, Any]) -> dict[str, Any]:
        calls.append(raw)
        return dict(raw)

    return Decoded(decode, limit=3), calls


def test_an_equal_map_under_the_same_key_is_answered_with_the_object_decoded_before() -> None:
    decoded, calls = _counting()

    first = decoded.get("e1", {"status": "active", "version": 1})
    again = decoded.get("e1", {"status": "active", "version": 1})  # an equal map, not the same one

    assert again is first
    assert len(calls) == 1


def test_a_changed_map_is_decoded_again_and_kept_instead() -> None:
    decoded, calls = _counting()
    decoded.get("e1", {"status": "active", "version": 1})

    changed = decoded.get("e1", {"status": "revoked", "version": 2})
    back = decoded.get("e1", {"status": "active", "version": 1})  # the old map: decoded again too

    assert changed == {"status": "revoked", "version": 2}
    assert back == {"status": "active", "version": 1}
    assert len(calls) == 3


def test_the_same_map_under_another_key_is_decoded_for_that_key() -> None:
    decoded, calls = _counting()
    decoded.get("e1", {"v": 1})
    decoded.get("e2", {"v": 1})

    assert len(calls) == 2


def test_past_its_limit_the_key_decoded_longest_ago_goes_first() -> None:
    decoded, calls = _counting()
    for key in ("a", "b", "c"):
        decoded.get(key, {"k": key})
    decoded.get("a", {"k": "a"})  # answered: a reuse does not make it newer
    decoded.get("d", {"k": "d"})  # over the limit of 3: "a", decoded first, is dropped

    assert len(decoded) == 3
    before = len(calls)
    decoded.get("b", {"k": "b"})
    decoded.get("c", {"k": "c"})
    assert len(calls) == before
    decoded.get("a", {"k": "a"})
    assert len(calls) == before + 1


def test_threads_sharing_one_stay_within_the_limit_and_answer_what_decoding_gives() -> None:
    decoded: Decoded[tuple[int, int], int] = Decoded(lambda raw: raw[0] * 1000 + raw[1], limit=50)
    wrong: list[tuple[int, int, int]] = []

    def work(offset: int) -> None:
        for n in range(5_000):
            key = (n + offset) % 120
            value = decoded.get(key, (key, n % 3))
            if value != key * 1000 + n % 3:
                wrong.append((key, n, value))

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert wrong == []
    assert len(decoded) <= 50


def _entry(status: str, version: int) -> dict[str, Any]:
    return {
        "entry_id": "430923-B-2025-0000001-1",
        "subject_id": ORG.key,
        "list": "black",
        "domain": "construction",
        "act_on": None,
        "decided_on": "2025-09-20",
        "valid_from": "2025-09-20",
        "valid_until": None,
        "initiating_dept": "安化县住房和城乡建设局",
        "status": status,
        "responsible_person_ids": [],
        "version": version,
    }


def _record(entry: dict[str, Any], version: int) -> dict[str, Any]:
    """A depth-0 ``get_check_view`` record: the organisation alone, with one entry on it."""
    row = [ORG.key, ORG.name, ORG.region, ORG.uscc, ORG.status.value, ORG.industry, None]
    return {
        "levels": [],
        "details": [[["Subject", "Organization", "Enterprise"], row, [[None, entry]]]],
        "penalties": [],
        "namesakes": [],
        "data_version": version,
    }


def test_views_sharing_decoders_see_an_entry_changed_between_them() -> None:
    decoders = Decoders()

    before = view_from(_record(_entry("active", 1), 1), ORG.key, 0, 10, decoders)
    same = view_from(_record(_entry("active", 1), 1), ORG.key, 0, 10, decoders)
    after = view_from(_record(_entry("revoked", 2), 2), ORG.key, 0, 10, decoders)

    assert same == before
    assert same.entries_on[ORG.key][0] is before.entries_on[ORG.key][0]  # decoded once
    assert [(e.status.value, e.version) for e in after.entries_on[ORG.key]] == [("revoked", 2)]
    assert after == view_from(_record(_entry("revoked", 2), 2), ORG.key, 0, 10)  # as fresh decoders give
