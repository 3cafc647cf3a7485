"""Masking of resident ID numbers in answers, by the caller's role.

Only investigators and admins see full ID numbers (个人信息保护: the least disclosure a task needs). Every
other role gets ``430923********1011``. Masking works on the JSON-able payload, after the answer has been
built, so no service or router has to remember which of its fields may hold an ID number: an ID number
inside any string (a key, a path, a note) or as a dict key is masked, in every form a person types one
(lowercase ``x``, touching letters or Chinese, spaces or hyphens inside, full-width digits; see
:func:`graph_service.domain.identifiers.mask_id_numbers_in_text`). Answers, problem bodies and the feed
to peers not cleared for full IDs all go through :func:`mask_payload`.

USCCs are not masked (they are public registration data), and keys of unresolved persons
(``~<uscc>~<name>``) hold a USCC, not an ID number, so they pass through unchanged, as do pseudonymous
person keys (``~p~<kid>~<hex>``, :mod:`graph_service.domain.pseudonyms`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from graph_service.domain.identifiers import mask_id_numbers_in_text
from graph_service.domain.pseudonyms import is_pseudonymous_key

UNMASKED_ROLES = frozenset({"investigator", "admin"})

# The shortest string that can hold an ID number (18 characters, however typed); shorter strings skip
# the scan (most strings do).
_ID_LENGTH = 18
# Strings up to this long are remembered once masked: the ids an answer repeats (a subject on every path
# through it, the same persons across checks). Longer text (notes) is scanned each time.
_REMEMBERED_LENGTH = 64
# Values passed through as they are, by exact type (a check's answer is mostly these and short strings).
_PLAIN = frozenset({int, bool, float, type(None)})


def masks_ids(role: str) -> bool:
    """Whether answers to a caller with ``role`` must have ID numbers masked (all but investigator/admin)."""
    return role not in UNMASKED_ROLES


def mask_payload(obj: Any) -> Any:
    """A copy of a JSON-able structure with every full ID number inside its strings masked.

    Walks dicts (keys and values), lists and tuples once; other scalars are returned as they are. Two dict
    keys that differ only in the masked digits would collide after masking; the later one gets a ``#2``,
    ``#3`` … suffix so no entry of the answer is silently dropped (masked keys never identify a person).
    """
    kind = type(obj)
    if kind is dict:
        return _mask_dict(obj)
    if kind is list:
        return _mask_list(obj)
    if kind is str:
        return obj if len(obj) < _ID_LENGTH else _mask_text(obj)
    if kind in _PLAIN:
        return obj
    # Subclasses (an Enum's str, an OrderedDict) and tuples: the same rules, found by isinstance.
    if isinstance(obj, str):
        return obj if len(obj) < _ID_LENGTH else _mask_unremembered(obj)
    if isinstance(obj, dict):
        return _mask_dict(obj)
    if isinstance(obj, list | tuple):
        return _mask_list(obj)
    return obj


def _mask_dict(obj: dict[Any, Any]) -> dict[Any, Any]:
    masked: dict[Any, Any] = {}
    for key, value in obj.items():
        # The walk is inlined for the common cases: a function call per value was most of its cost.
        if type(key) is str:
            new_key = key if len(key) < _ID_LENGTH else _mask_text(key)
        elif isinstance(key, str):
            new_key = mask_payload(key)
        else:
            new_key = key
        if new_key in masked:
            new_key = _free_key(masked, new_key)
        kind = type(value)
        if kind is str:
            masked[new_key] = value if len(value) < _ID_LENGTH else _mask_text(value)
        elif kind in _PLAIN:
            masked[new_key] = value
        elif kind is dict:
            masked[new_key] = _mask_dict(value)
        elif kind is list:
            masked[new_key] = _mask_list(value)
        else:
            masked[new_key] = mask_payload(value)
    return masked


def _mask_list(obj: list[Any] | tuple[Any, ...]) -> list[Any]:
    masked: list[Any] = []
    for item in obj:
        kind = type(item)
        if kind is str:
            masked.append(item if len(item) < _ID_LENGTH else _mask_text(item))
        elif kind is dict:
            masked.append(_mask_dict(item))
        elif kind in _PLAIN:
            masked.append(item)
        else:
            masked.append(mask_payload(item))
    return masked


def _mask_text(text: str) -> str:
    """``text`` (a ``str``, not a subclass, of at least :data:`_ID_LENGTH` characters) with its ID
    numbers masked."""
    if len(text) <= _REMEMBERED_LENGTH:
        return _mask_short(text)
    return _mask_unremembered(text)


@lru_cache(maxsize=16_384)
def _mask_short(text: str) -> str:
    """:func:`_mask_unremembered`, remembered (the answer is a function of the text alone)."""
    return _mask_unremembered(text)


def _mask_unremembered(text: str) -> str:
    if is_pseudonymous_key(text):  # a pseudonym's hex may look like digits
        return text
    return mask_id_numbers_in_text(text)


def _free_key(taken: dict[Any, Any], key: str) -> str:
    n = 2
    while f"{key}#{n}" in taken:
        n += 1
    return f"{key}#{n}"
