"""Sane windows for what callers type: ids, and the dates of decisions, feedback and checks.

Pure rules without a clock: where the window depends on the day, the caller passes ``today``. Each check
returns the value or raises :class:`BoundsError` (an ``InvalidInput``: 422) naming the field, the value
and the window.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

from graph_service.errors import InvalidInput

#: Ids a caller chooses (``entry_id``) or quotes back (task, dispute and repair ids in URLs): letters of
#: any script, digits, ``_ . : -``, starting with a letter or digit, at most 100 characters. A ``/`` made
#: an entry that no URL could address again (it could never be revoked); spaces, ``%``, brackets and
#: invisible characters break URLs, logs and file names the same way. Chinese stays allowed: court case
#: numbers (``court:2024湘0923执8号:…``) are ids.
SAFE_ID_PATTERN: Final = r"^\w[\w.:\-]{0,99}$"
_SAFE_ID = re.compile(SAFE_ID_PATTERN)
SAFE_ID_RULE: Final = (
    "letters, digits, _ . : - only (no /, spaces or %), starting with a letter or digit, at most 100 long"
)

#: The founding of the People's Republic: no decision of this registry predates it.
EARLIEST_DECISION: Final = dt.date(1949, 10, 1)
#: How far ahead a decision, its validity start or a feedback may be dated (a typo like 2062 for 2026).
MAX_DAYS_AHEAD: Final = 366
#: The checks and graph queries accept ``as_of`` in this window; further out, date arithmetic on it
#: (validity ends, the green channel's three years) would overflow Python's dates.
EARLIEST_AS_OF: Final = dt.date(1900, 1, 1)
LATEST_AS_OF: Final = dt.date(2199, 12, 31)


class BoundsError(InvalidInput):
    """A value outside its window; ``field`` and ``value`` say which, ``reason`` says what is allowed."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(
            f"{field}: {reason} (got {value!r})", errors=[{"field": field, "value": value, "reason": reason}]
        )
        self.field = field
        self.value = value
        self.reason = reason


def is_safe_id(value: str) -> bool:
    """Whether ``value`` is a safe id (see :data:`SAFE_ID_PATTERN`)."""
    return _SAFE_ID.fullmatch(value) is not None


def check_safe_id(field: str, value: str) -> str:
    """``value`` if it is a safe id, else :class:`BoundsError` naming ``field``."""
    if not is_safe_id(value):
        raise BoundsError(field, value, f"String should match pattern '{SAFE_ID_PATTERN}': {SAFE_ID_RULE}")
    return value


def check_not_before_1949(field: str, day: dt.date) -> dt.date:
    """``day`` unless it is before 1949-10-01 (no decision of this registry is older)."""
    if day < EARLIEST_DECISION:
        raise BoundsError(field, day.isoformat(), f"must not be before {EARLIEST_DECISION.isoformat()}")
    return day


def check_decision_day(field: str, day: dt.date | None, *, today: dt.date) -> None:
    """A decision or feedback date: from 1949-10-01 to :data:`MAX_DAYS_AHEAD` days after ``today``."""
    if day is None:
        return
    check_not_before_1949(field, day)
    latest = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    if day > latest:
        raise BoundsError(
            field, day.isoformat(), f"must not be more than a year ahead (after {latest.isoformat()})"
        )


def check_as_of(field: str, day: dt.date | None) -> dt.date | None:
    """An ``as_of`` date within :data:`EARLIEST_AS_OF` .. :data:`LATEST_AS_OF` (or None: today)."""
    if day is not None and not EARLIEST_AS_OF <= day <= LATEST_AS_OF:
        raise BoundsError(
            field,
            day.isoformat(),
            f"must be between {EARLIEST_AS_OF.isoformat()} and {LATEST_AS_OF.isoformat()}",
        )
    return day
