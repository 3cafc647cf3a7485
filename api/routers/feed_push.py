"""``POST /v1/feed/push``: a peer pushes a page of its change feed here (the province hub's side).

Role ``peer``. The body is a feed page exactly as ``GET /v1/feed`` serves it, signed like a feed answer
(``X-Feed-Timestamp``, ``X-Feed-Signature``) with the secret this deployment shares with the pushing key
(``GRAPH_SERVICE_FEED_SECRETS``); the answer is signed the same way. Applied through the same path as a
pull (:mod:`graph_service.federation.receive`); audited as ``feed.push``.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.auth import Caller
from api.deps import AuditDep, SettingsDep, StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES, Forbidden
from graph_service.federation.receive import receive_push
from graph_service.federation.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, sign

router = APIRouter(tags=["feed"], responses=PROBLEM_RESPONSES)
Peer = Annotated[Caller, Depends(require_roles("peer"))]


@router.post("/v1/feed/push", summary="Receive a pushed page of a peer's change feed (hub)")
async def push(
    request: Request, caller: Peer, store: StoreDep, settings: SettingsDep, audit: AuditDep
) -> Response:
    """Apply the page if it continues where this deployment's cursor for the peer stands; answer, signed,
    ``accepted`` and the cursor the peer must continue from (a retried or out-of-place page changes
    nothing)."""
    secret = settings.feed_secrets.get(caller.name)
    if secret is None:
        raise Forbidden(
            f"No feed secret is configured for key {caller.name!r} (GRAPH_SERVICE_FEED_SECRETS): pushed "
            "pages must be signed. Ask the administrator to share a secret with your deployment."
        )
    body = await request.body()
    try:
        ack = await run_in_threadpool(
            receive_push,
            store,
            body,
            peer=caller.name,
            secret=secret.get_secret_value(),
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER),
            home_region=settings.region,
            peer_config=settings.peers.get(caller.name),
            window_s=settings.feed_replay_window_s,
            now=time.time(),
        )
    except SignatureError as exc:
        raise Forbidden(f"pushed page refused: {exc.reason}") from exc
    audit.record(
        caller.event(
            "feed.push",
            entry_ids=sorted(ack.applied),
            detail={"accepted": ack.accepted, "events": ack.events, "skipped": dict(ack.skipped)},
        )
    )
    content = ack.body()
    timestamp = int(time.time())
    headers = {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret.get_secret_value(), timestamp, content),
    }
    return Response(content, media_type="application/json", headers=headers)
