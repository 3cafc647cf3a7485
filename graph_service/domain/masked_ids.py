"""Masked resident ID numbers as public lists publish them (``3423011964****3224``): which IDs fit one.

The 失信被执行人 list shows a person's ID number with the birth month and day hidden: the region, the
birth year and the last four characters stay visible. A stored person *fits* such a number when every
visible character is the same in their full number, and, where the row gives them, the sex (the 17th
digit: odd for men) and the age on the publication day agree. Fitting is evidence, never identity: the
loader links a debtor to a person only when exactly one stored person of the same name fits.

Pure: imports only the standard library.
"""

from __future__ import annotations

import datetime as dt
import re

_MASK_CHARS = "*＊×●"
_MASKED_ID = re.compile(r"^[0-9*＊×●]{17}[0-9Xx*＊×●]$")


def is_masked_id(value: str) -> bool:
    """An 18-character ID number with some (not all) characters hidden by ``*``-like marks."""
    text = value.strip()
    hidden = sum(text.count(c) for c in _MASK_CHARS)
    return bool(_MASKED_ID.match(text)) and 0 < hidden < 18


def fits(
    masked: str, number: str, *, sex: str | None = None, age: int | None = None, on: dt.date | None = None
) -> bool:
    """Whether the full ID ``number`` agrees with every visible character of ``masked``, and with ``sex``
    (男/女) and ``age`` on day ``on`` where given (one year of tolerance: the list's age may be rounded)."""
    text, full = masked.strip().upper(), number.strip().upper()
    if len(text) != 18 or len(full) != 18:
        return False
    if any(m not in _MASK_CHARS and m != c for m, c in zip(text, full, strict=True)):
        return False
    if sex in ("男", "女") and full[16].isdigit() and (int(full[16]) % 2 == 1) != (sex == "男"):
        return False
    if age is not None and on is not None:
        try:
            born = dt.date(int(full[6:10]), int(full[10:12]), int(full[12:14]))
        except ValueError:
            return False
        years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        if abs(years - age) > 1:
            return False
    return True


#: Key family of a court debtor known only by a masked published ID and a name (``~m~<masked>~<name>``).
MASKED_DEBTOR_PREFIX = "~m~"


def masked_debtor_key(masked: str, name: str) -> str:
    """The key of a debtor the court list names by ``masked`` ID and ``name`` whom no single stored
    person fits: kept apart (never merged by name), reported as a *possible match* of persons who fit."""
    text = "".join("*" if c in _MASK_CHARS else c for c in masked.strip().upper())
    return f"{MASKED_DEBTOR_PREFIX}{text}~{name.strip()}"


def parse_masked_debtor_key(key: str) -> tuple[str, str] | None:
    """``(masked ID, name)`` of a masked debtor's key, or None if ``key`` is not one."""
    if not key.startswith(MASKED_DEBTOR_PREFIX):
        return None
    masked, sep, name = key[len(MASKED_DEBTOR_PREFIX) :].partition("~")
    if not sep or not name or not is_masked_id(masked):
        return None
    return masked, name
