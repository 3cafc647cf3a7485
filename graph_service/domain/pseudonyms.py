"""Keyed pseudonyms of persons, shared by a federation (docs/federation.md, "Pseudonymous persons").

A peer not cleared for full ID numbers receives, for every person a feed page names, the key
``~p~<kid>~<hex>``: ``hex`` = HMAC-SHA256(federation key ``kid``, normalised ID number). Every member of
the federation holds the same keys, so each computes the same pseudonym for the same ID number and can
match it against its own persons, while a party without the key learns nothing from it (the ID-number
space is small enough to enumerate, which is why the pseudonym is keyed and not a plain hash).

The key id travels in every pseudonym so keys can be rotated: a new key becomes the current one, the old
ones stay configured for matching until every peer has moved on.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from graph_service.domain.identifiers import normalise

PSEUDONYM_PREFIX = "~p~"
_PSEUDONYM = re.compile(r"~p~([A-Za-z0-9_.-]{1,32})~([0-9a-f]{64})")
_KID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_ID_NUMBER_SHAPE = re.compile(r"\d{17}[\dX]")


def is_pseudonymous_key(key: str) -> bool:
    """Whether ``key`` is a pseudonymous person key ``~p~<kid>~<64 hex>`` (well formed)."""
    return _PSEUDONYM.fullmatch(key) is not None


def key_id_of(key: str) -> str | None:
    """The key id a pseudonymous key was made with, or None if ``key`` is not one."""
    match = _PSEUDONYM.fullmatch(key)
    return None if match is None else match.group(1)


def looks_like_id_number(key: str) -> bool:
    """Whether ``key`` has the shape of a normalised resident ID number (17 digits and a check digit)."""
    return _ID_NUMBER_SHAPE.fullmatch(key) is not None


def valid_key_id(kid: str) -> bool:
    """Whether ``kid`` may name a federation key (it is carried inside every pseudonym)."""
    return _KID.fullmatch(kid) is not None


@dataclass(frozen=True)
class Pseudonymiser:
    """The federation's keys (``kid -> secret``) and the one new pseudonyms are made with."""

    keys: Mapping[str, bytes]
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError(f"the current federation key {self.current!r} is not among the keys")
        bad = [kid for kid in self.keys if not valid_key_id(kid)]
        if bad:
            raise ValueError(f"federation key ids must match {_KID.pattern}: {bad}")

    def pseudonym(self, id_number: str, kid: str | None = None) -> str:
        """The pseudonymous key of ``id_number`` under key ``kid`` (default: the current key)."""
        kid = self.current if kid is None else kid
        digest = hmac.new(self.keys[kid], normalise(id_number).encode("utf-8"), hashlib.sha256)
        return f"{PSEUDONYM_PREFIX}{kid}~{digest.hexdigest()}"

    def pseudonyms(self, id_number: str) -> tuple[str, ...]:
        """The pseudonyms of ``id_number`` under every configured key (current first): what a peer may
        send for it, whichever key it still uses."""
        kids = [self.current, *sorted(kid for kid in self.keys if kid != self.current)]
        return tuple(self.pseudonym(id_number, kid) for kid in kids)
