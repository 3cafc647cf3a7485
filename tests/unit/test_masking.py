"""Masking of ID numbers in answers, by role."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_service.domain.identifiers import mask_id_numbers_in_text
from graph_service.domain.pseudonyms import is_pseudonymous_key
from graph_service.services.masking import mask_payload, masks_ids
from tests.factories import make_id_number, make_uscc

ID = make_id_number(11)
OTHER_ID = make_id_number(12)
USCC = make_uscc(5)


def masked(id_number: str) -> str:
    return id_number[:6] + "*" * 8 + id_number[14:]


@pytest.mark.parametrize("role", ["public", "approval", "initiator", "implementer", "peer"])
def test_every_role_but_investigator_and_admin_gets_masked_ids(role: str) -> None:
    assert masks_ids(role) is True, role


@pytest.mark.parametrize("role", ["investigator", "admin"])
def test_investigators_and_admins_see_full_ids(role: str) -> None:
    assert masks_ids(role) is False, role


def test_id_numbers_are_masked_at_any_depth_in_values_and_keys() -> None:
    payload = {
        "subject": {"id": ID, "name": "张三"},
        "paths": [{"nodes": [USCC, ID], "text": f"{USCC} -legal_representative-> {ID}"}],
        "by_id": {ID: {"hits": 2}},
        "count": 3,
        "ok": True,
        "missing": None,
    }

    result = mask_payload(payload)

    assert result == {
        "subject": {"id": masked(ID), "name": "张三"},
        "paths": [{"nodes": [USCC, masked(ID)], "text": f"{USCC} -legal_representative-> {masked(ID)}"}],
        "by_id": {masked(ID): {"hits": 2}},
        "count": 3,
        "ok": True,
        "missing": None,
    }, result
    assert ID not in repr(result)


def test_uscc_and_unresolved_person_keys_are_left_alone() -> None:
    unresolved = f"~{USCC}~李四"

    result = mask_payload({"org": USCC, "person": unresolved, "ids": (USCC,)})

    assert result == {"org": USCC, "person": unresolved, "ids": [USCC]}, result


def test_an_id_number_ending_in_x_is_masked() -> None:
    id_with_x = next(make_id_number(n) for n in range(1000) if make_id_number(n).endswith("X"))

    assert mask_payload([id_with_x]) == [masked(id_with_x)]


def test_masking_leaves_the_input_unchanged() -> None:
    payload = {"ids": [ID], ID: "x"}

    mask_payload(payload)

    assert payload == {"ids": [ID], ID: "x"}


def test_keys_that_collide_after_masking_are_both_kept() -> None:
    # Same place and last four characters, different birth dates: equal once masked.
    first = make_id_number(7, birth="19800101")
    second = next(
        other
        for day in range(1, 29)
        if masked(other := make_id_number(7, birth=f"199001{day:02d}")) == masked(first)
    )

    result = mask_payload({first: 1, second: 2})

    assert result == {masked(first): 1, masked(first) + "#2": 2}, result


# ---- the inlined walk answers as the plain recursive walk does ------------------------------------------


def _reference_mask(obj: Any) -> Any:
    """The walk as first written (one call per value, isinstance tests): what mask_payload must equal."""
    if isinstance(obj, str):
        if len(obj) < 18 or is_pseudonymous_key(obj):
            return obj
        return mask_id_numbers_in_text(obj)
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            new_key = _reference_mask(key) if isinstance(key, str) else key
            if new_key in out:
                n = 2
                while f"{new_key}#{n}" in out:
                    n += 1
                new_key = f"{new_key}#{n}"
            out[new_key] = _reference_mask(value)
        return out
    if isinstance(obj, list | tuple):
        return [_reference_mask(item) for item in obj]
    return obj


class _Text(str):
    """A str subclass (as an Enum's value or a library's string type may be)."""


_IDS = [make_id_number(n) for n in (1, 2, 3)]
_TEXTS = st.sampled_from(
    [
        "",
        "张三",
        USCC,
        f"~{USCC}~李四",
        ID,
        ID.lower(),
        ID[:6] + " " + ID[6:14] + "-" + ID[14:],
        "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in ID),  # full-width digits
        f"身份证{ID}号",
        f"{USCC} -legal_representative-> {ID}",
        masked(ID),
        "~p~k1~" + "4" * 64,
        "1" * 18,
        "12" + "3" * 40 + ID + "x" * 30,  # longer than the remembered length
        *_IDS,
    ]
)
_SCALARS = st.one_of(
    _TEXTS,
    _TEXTS.map(_Text),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
_PAYLOADS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.one_of(_TEXTS, st.integers()), inner, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(_PAYLOADS)
def test_mask_payload_masks_exactly_as_the_plain_recursive_walk(payload: Any) -> None:
    expected = _reference_mask(payload)

    first, again = mask_payload(payload), mask_payload(payload)  # the second answers from the memo

    assert first == expected, (payload, first)
    assert again == expected, (payload, again)
    assert repr(first) == repr(expected)  # same types too (lists for tuples, the same key order)


def test_a_masked_answer_is_a_copy_even_with_nothing_to_mask() -> None:
    payload = {"ids": [USCC], "n": {"k": "v"}}

    result = mask_payload(payload)

    assert result == payload, result
    assert result is not payload and result["ids"] is not payload["ids"], result
