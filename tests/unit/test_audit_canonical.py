"""The audit chain's canonical JSON is byte for byte the form every stored chain was hashed with.

:func:`canonical_json` takes orjson for plain values and ``json.dumps`` for the rest; a record hashed by
either must verify with the other, so the two are compared here on every code point, on generated
values, and on each kind of value that must take the ``json.dumps`` path.
"""

from __future__ import annotations

import enum
import json
import random
from typing import Any

import pytest

from graph_service.audit.model import canonical_json, chain_hash


def reference(fields: Any) -> str:
    """The form the chain has always used."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_every_code_point_is_written_alike_in_values_and_keys() -> None:
    # Surrogates cannot be encoded as UTF-8 (the record's bytes), by either.
    points = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    for start in range(0, len(points), 4096):
        chunk = points[start : start + 4096]
        fields = {"value": "".join(chunk), "values": chunk, **{f"k{c}": c for c in chunk[:64]}}
        assert canonical_json(fields) == reference(fields), f"code points from {ord(chunk[0]):#x}"


def _value(rng: random.Random, depth: int) -> Any:
    pick = rng.randrange(9 if depth < 3 else 6)
    if pick == 0:
        return None
    if pick == 1:
        return rng.random() < 0.5
    if pick == 2:
        return rng.choice([0, -1, 1, 2**31, -(2**63), 2**64 - 1, rng.randrange(-(10**12), 10**12)])
    if pick in (3, 4, 5):
        alphabet = 'aZ0 "\\/\n\t\x00\x1f\x7f é中文\u2028\U0001f600'
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
    if pick in (6, 7):
        return {_key(rng): _value(rng, depth + 1) for _ in range(rng.randrange(5))}
    return [_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def _key(rng: random.Random) -> str:
    return "".join(rng.choice("abAB_é中\U0001f600") for _ in range(rng.randrange(1, 5)))


def test_generated_records_are_written_alike() -> None:
    rng = random.Random(20261203)
    for n in range(3000):
        fields = {_key(rng): _value(rng, 0) for _ in range(rng.randrange(1, 14))}
        assert canonical_json(fields) == reference(fields), f"record {n}: {fields!r}"


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@pytest.mark.parametrize(
    "detail",
    [
        {"ratio": 0.5},
        {"big": 1e16, "small": 1e-7, "third": 1 / 3, "whole": 100.0},
        {"nested": [{"x": [2.5]}]},
        {"huge": 2**64},
        {"low": -(2**63) - 1},
        {"colour": Colour.RED, "level": Level.HIGH},
        {"bad": float("nan"), "inf": float("inf")},
    ],
    ids=["float", "float-forms", "nested-float", "int-past-64-bits", "int-below", "subclasses", "nan"],
)
def test_values_orjson_would_write_differently_take_json_dumps(detail: dict[str, Any]) -> None:
    fields = {"action": "load", "seq": 7, "detail": detail}
    assert canonical_json(fields) == reference(fields)


def test_a_non_string_key_is_written_as_json_dumps_writes_it() -> None:
    fields = {"detail": {1: "one", 2: "two"}, "action": "x"}
    assert canonical_json(fields) == reference(fields) == '{"action":"x","detail":{"1":"one","2":"two"}}'


def test_a_record_hashed_before_the_change_still_verifies() -> None:
    # The hash of this record as the chain computed it with json.dumps (pinned when orjson came in).
    fields = {
        "action": "check",
        "at": "2026-12-03T17:00:00Z",
        "client": "县发改委审批系统",
        "data_version": 12,
        "detail": {"as_of": "2026-12-03", "check_id": "0f" * 16, "hits": 1},
        "entry_ids": ["e-1", "e-2"],
        "prev_hash": "0" * 64,
        "request_id": "r-1",
        "role": "approval",
        "scenario": "bidding",
        "seq": 1,
        "subject_id": "91430923MA4L2B3C1J",
        "verdict": "block",
    }
    expected = "38c5a241e2ffe5767f762ec66e97a6071e0074cb62cd886c1868e47a55d951c7"
    assert chain_hash(fields) == expected
