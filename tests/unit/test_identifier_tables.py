"""The table-driven check characters agree with python-stdnum, the reference implementation."""

from __future__ import annotations

import random

import pytest
from stdnum.cn import uscc as stdnum_uscc

from graph_service.domain.identifiers import USCC_ALPHABET, org_code_check_char, uscc_check_char

_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _reference_org_code_check_char(body: str) -> str:
    """GB 11714 as written in the standard (the implementation this module had before the tables)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def test_uscc_check_char_is_stdnums_for_random_and_all_digit_bodies() -> None:
    rng = random.Random(17)
    bodies = ["".join(rng.choice(USCC_ALPHABET) for _ in range(17)) for _ in range(20_000)]
    bodies += ["".join(rng.choice("0123456789") for _ in range(17)) for _ in range(5_000)]
    mismatched = [b for b in bodies if uscc_check_char(b) != stdnum_uscc.calc_check_digit(b)]
    assert mismatched == [], mismatched[:5]


def test_org_code_check_char_is_the_standards_for_random_bodies() -> None:
    rng = random.Random(11714)
    bodies = ["".join(rng.choice(_ORG_ALPHABET) for _ in range(8)) for _ in range(20_000)]
    mismatched = [b for b in bodies if org_code_check_char(b) != _reference_org_code_check_char(b)]
    assert mismatched == [], mismatched[:5]


@pytest.mark.parametrize("body", ["1234567", "123456789", "1234567a"])
def test_org_code_check_char_refuses_a_body_that_is_not_eight_code_characters(body: str) -> None:
    with pytest.raises(ValueError):
        org_code_check_char(body)
