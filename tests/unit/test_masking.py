"""Masking of ID numbers in answers, by role."""

from __future__ import annotations

import pytest

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
