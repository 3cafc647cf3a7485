"""The one way routers answer: dump once, mask ID numbers once if the caller's role requires it, send."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Caller
from graph_service.services.masking import mask_payload, masks_ids


class OrjsonResponse(JSONResponse):
    """A JSON response encoded by orjson (UTF-8, compact): several times faster than ``json.dumps``.

    ``bytes`` content is taken as already-encoded JSON (a model's own ``model_dump_json``).
    """

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return orjson.dumps(content)


def respond(
    payload: BaseModel | Mapping[str, Any] | list[Any],
    caller: Caller,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A JSON response of ``payload`` for ``caller``: ID numbers masked unless investigator or admin.

    Pydantic models are dumped in JSON mode (dates as ISO strings); anything else goes through FastAPI's
    encoder. Declare ``response_model=`` on the route for the OpenAPI schema; it is not re-validated.
    """
    if isinstance(payload, BaseModel) and not masks_ids(caller.role):
        content: Any = payload.model_dump_json().encode("utf-8")  # no masking: pydantic encodes directly
    else:
        content = masked_content(payload, caller)
    return OrjsonResponse(content, status_code=status_code, headers=dict(headers) if headers else None)


def masked_content(payload: BaseModel | Mapping[str, Any] | list[Any], caller: Caller) -> Any:
    """The JSON-able content of ``payload`` for ``caller``, ID numbers masked as its role requires."""
    if isinstance(payload, BaseModel):
        content: Any = payload.model_dump(mode="json")
    else:
        content = jsonable_encoder(payload)
    if masks_ids(caller.role):
        content = mask_payload(content)
    return content
