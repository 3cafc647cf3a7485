"""What one load learns about its identifiers and dates, kept for the rest of that load.

A registry names each organisation and person several times (its own row, then every relation and list
entry), and the identifier checks behind a key cost microseconds each. The domain's functions memoise in
bounded ``lru_cache``\\s (65,536 entries) sized for checks, not for a load: a registry of 100k organisations
holds ~300k identifiers, so those caches kept evicting what the next rows asked for. An
:class:`IdentifierMemo` belongs to one load (:class:`loaders.run.Run` makes it) and is unbounded; it goes
away with the load, so the process holds nothing of it afterwards. Every answer is the domain function's
own (called once per distinct value); an invalid value is remembered as ``None`` and the caller takes the
path that words the problem.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from graph_service.domain.identifiers import IdentifierError, check_id_number, check_uscc, is_uscc_shaped
from graph_service.domain.model import subject_key


class Identifiers(Protocol):
    """The identifier answers the row builders (:mod:`loaders.rows`) need; None where the value is invalid."""

    def uscc_code(self, value: str) -> str | None:
        """:func:`check_uscc`'s normalised code (its warnings aside), or None if ``value`` is no USCC."""

    def key(self, value: str) -> str | None:
        """:func:`subject_key` of ``value``, or None if it raises."""

    def shaped(self, value: str) -> bool:
        """:func:`is_uscc_shaped`."""


class DomainIdentifiers:
    """:class:`Identifiers` straight from the domain's functions (and their bounded caches)."""

    def uscc_code(self, value: str) -> str | None:
        try:
            return check_uscc(value)[0]
        except IdentifierError:
            return None

    def key(self, value: str) -> str | None:
        try:
            return subject_key(value)
        except ValueError:
            return None

    def shaped(self, value: str) -> bool:
        return is_uscc_shaped(value)


DOMAIN_IDENTIFIERS = DomainIdentifiers()


class IdentifierMemo:
    """:class:`Identifiers` (and the clean-row checks) memoised for one load, without a bound."""

    def __init__(self) -> None:
        self._uscc: dict[str, tuple[str, bool] | None] = {}  # value -> (code, has warnings) | invalid
        self._ids: dict[str, tuple[str, dt.date] | None] = {}  # value -> (number, born) | invalid or warned
        self._keys: dict[str, str | None] = {}
        self._shaped: dict[str, bool] = {}
        # Text -> loaders.cells.parse_date of it (strict YYYY-MM-DD), filled by the clean-row path.
        self.dates: dict[str, dt.date | None] = {}

    def _checked_uscc(self, value: str) -> tuple[str, bool] | None:
        try:
            found = self._uscc[value]
        except KeyError:
            try:
                code, warnings = check_uscc(value)
                found = (code, bool(warnings))
            except IdentifierError:
                found = None
            else:
                self._known_key(code, as_uscc=True)
            self._uscc[value] = found
        return found

    def _known_key(self, checked: str, *, as_uscc: bool) -> None:
        """Remember ``subject_key(checked)`` for a just validated, normalised USCC (``as_uscc``) or ID number.

        It is ``checked`` itself when ``is_uscc_shaped`` routes ``checked`` to the very check that just
        accepted it: :func:`subject_key` would only run that check again, and at a registry's size the
        domain's bounded cache no longer holds its answer.
        """
        if checked not in self._keys and self.shaped(checked) == as_uscc:
            self._keys[checked] = checked

    def uscc_code(self, value: str) -> str | None:
        found = self._checked_uscc(value)
        return None if found is None else found[0]

    def clean_uscc(self, value: str) -> str | None:
        """The normalised USCC when :func:`check_uscc` accepts ``value`` without a warning, else None."""
        found = self._checked_uscc(value)
        return None if found is None or found[1] else found[0]

    def clean_id_number(self, value: str, today: dt.date) -> str | None:
        """The normalised ID number when :func:`check_id_number` (judged on ``today``) accepts ``value``
        without a warning, else None."""
        try:
            found = self._ids[value]
        except KeyError:
            try:
                number, warnings = check_id_number(value)
                # The birth date, as check_id_number reads it: the one rule that depends on the day.
                born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
                found = None if warnings else (number, born)
            except IdentifierError:
                found = None
            else:
                self._known_key(number, as_uscc=False)
            self._ids[value] = found
        if found is None or found[1] > today:
            return None
        return found[0]

    def key(self, value: str) -> str | None:
        try:
            return self._keys[value]
        except KeyError:
            try:
                found: str | None = subject_key(value)
            except ValueError:
                found = None
            self._keys[value] = found
            return found

    def shaped(self, value: str) -> bool:
        try:
            return self._shaped[value]
        except KeyError:
            found = self._shaped[value] = is_uscc_shaped(value)
            return found
