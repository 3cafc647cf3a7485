"""The table-driven check characters agree with python-stdnum, the reference implementation."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

from graph_service.domain.identifiers import (
    USCC_ALPHABET,
    _birth_place_known,
    _county_spans,
    org_code_check_char,
    uscc_check_char,
)

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


def _loc_prefixes() -> list[str]:
    """Every 6-digit place code in python-stdnum's table (provinces, then their 4-digit suffixes)."""
    table = Path(stdnum_ric.__file__).with_name("loc.dat").read_text(encoding="utf-8")
    prefixes: list[str] = []
    province = ""
    for line in table.splitlines():
        if line[:2].isdigit():
            province = line[:2]
        elif line.startswith("  ") and line[2:6].isdigit():
            prefixes.append(province + line[2:6])
    return prefixes


def _reference_birth_place_known(prefix: str, year: int) -> bool:
    try:
        stdnum_ric.get_birth_place(f"{prefix}{year:04d}01010000")
    except ValidationError:
        return False
    except KeyError:
        return False  # a known province with an unknown county: python-stdnum raises; to us it is unknown
    return True


def test_birth_place_check_is_stdnums_for_every_place_code_around_its_years() -> None:
    prefixes = _loc_prefixes()
    assert len(prefixes) > 3_000
    rng = random.Random(11643)
    prefixes += [f"{rng.randrange(1_000_000):06d}" for _ in range(500)]
    mismatched = []
    for prefix in prefixes:
        found = _county_spans(prefix) or ()
        years = {int(y) + d for span in found for y in span if y for d in (-1, 0, 1)}
        for year in sorted(years | {1900, 1990, 2024}):
            if _birth_place_known(prefix, year) != _reference_birth_place_known(prefix, year):
                mismatched.append((prefix, year))
    assert mismatched == [], mismatched[:5]
