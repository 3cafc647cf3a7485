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

from typing import Any

from graph_service.domain.identifiers import mask_id_numbers_in_text
from graph_service.domain.pseudonyms import is_pseudonymous_key

UNMASKED_ROLES = frozenset({"investigator", "admin"})

# The shortest string that can hold an ID number (18 characters, however typed); shorter strings skip
# the scan (most strings do).
_ID_LENGTH = 18


def masks_ids(role: str) -> bool:
    """Whether answers to a caller with ``role`` must have ID numbers masked (all but investigator/admin)."""
    return role not in UNMASKED_ROLES


def mask_payload(obj: Any) -> Any:
    """A copy of a JSON-able structure with every full ID number inside its strings masked.

    Walks dicts (keys and values), lists and tuples once; other scalars are returned as they are. Two dict
    keys that differ only in the masked digits would collide after masking; the later one gets a ``#2``,
    ``#3`` … suffix so no entry of the answer is silently dropped (masked keys never identify a person).
    """
    if isinstance(obj, str):
        if len(obj) < _ID_LENGTH or is_pseudonymous_key(obj):  # a pseudonym's hex may look like digits
            return obj
        return mask_id_numbers_in_text(obj)
    if isinstance(obj, dict):
        return _mask_dict(obj)
    if isinstance(obj, list | tuple):
        return [mask_payload(item) for item in obj]
    return obj


def _mask_dict(obj: dict[Any, Any]) -> dict[Any, Any]:
    masked: dict[Any, Any] = {}
    for key, value in obj.items():
        new_key = mask_payload(key) if isinstance(key, str) else key
        if new_key in masked:
            new_key = _free_key(masked, new_key)
        masked[new_key] = mask_payload(value)
    return masked


def _free_key(taken: dict[Any, Any], key: str) -> str:
    n = 2
    while f"{key}#{n}" in taken:
        n += 1
    return f"{key}#{n}"
