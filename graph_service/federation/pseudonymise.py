"""A feed page for a peer not cleared for full ID numbers: every person named by pseudonym.

Each string of the page that is exactly a resident ID number (an entry's subject or responsible person,
a subject record's key or the key it is sent under) becomes the number's pseudonymous key under the
federation's current key (:mod:`graph_service.domain.pseudonyms`). ID numbers left inside other text
are then masked as before (:func:`graph_service.services.masking.mask_payload`), which leaves pseudonyms
alone. A person record keeps its name and region, as a masked one did.
"""

from __future__ import annotations

from typing import Any

from graph_service.domain.identifiers import IdentifierError, check_id_number, is_uscc_shaped
from graph_service.domain.pseudonyms import Pseudonymiser
from graph_service.services.masking import mask_payload

_ID_LENGTH = 18


def for_masked_peer(content: Any, pseudonymiser: Pseudonymiser | None) -> Any:
    """The page for a peer not cleared for full IDs: pseudonyms if the federation has keys, then masked."""
    if pseudonymiser is not None:
        content = _pseudonymise(content, pseudonymiser)
    return mask_payload(content)


def _pseudonymise(obj: Any, pseudonymiser: Pseudonymiser) -> Any:
    if isinstance(obj, str):
        return pseudonymiser.pseudonym(obj) if _is_id_number(obj) else obj
    if isinstance(obj, dict):
        return {_pseudonymise(k, pseudonymiser): _pseudonymise(v, pseudonymiser) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_pseudonymise(item, pseudonymiser) for item in obj]
    return obj


def _is_id_number(value: str) -> bool:
    if len(value) != _ID_LENGTH or is_uscc_shaped(value):
        return False
    try:
        check_id_number(value)
    except IdentifierError:
        return False
    return True
