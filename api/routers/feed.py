"""``GET /v1/feed``: the signed change feed of list entries, for peer deployments.

Every answer to a peer is signed with the secret this deployment shares with it (by the peer key's name,
``GRAPH_SERVICE_FEED_SECRETS``); a peer key without a secret is refused, so no feed answer ever leaves
for a peer unsigned. An admin may read the feed for inspection without a secret (docs/federation.md):
the answer is then unsigned, which the audit records. ID numbers are masked like every answer to a
peer, unless the key's name is cleared to receive them (``GRAPH_SERVICE_FEED_FULL_ID_PEERS``, a
data-sharing agreement): entries naming persons are only of use to a peer that receives their ID numbers.
"""

from __future__ import annotations

import json
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from api.auth import Caller
from api.deps import AuditDep, SettingsDep, StoreDep, require_roles
from api.errors import PROBLEM_RESPONSES, Forbidden
from graph_service.federation.pseudonymise import for_masked_peer
from graph_service.federation.serve import FEED_LIMIT_MAX, FeedPage, position_of, read_feed
from graph_service.federation.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from graph_service.services.masking import masks_ids

router = APIRouter(tags=["feed"], responses=PROBLEM_RESPONSES)
Peer = Annotated[Caller, Depends(require_roles("peer"))]

_SIGNED_HEADERS = {
    TIMESTAMP_HEADER: {"description": "Unix seconds the answer was signed at", "schema": {"type": "string"}},
    SIGNATURE_HEADER: {
        "description": 'v1=HMAC-SHA256(secret, timestamp + "." + body), hex',
        "schema": {"type": "string"},
    },
}


@router.get(
    "/v1/feed",
    response_model=FeedPage,
    summary="Change feed of list entries (peers)",
    responses={200: {"headers": _SIGNED_HEADERS}},
)
def feed(
    caller: Peer,
    store: StoreDep,
    settings: SettingsDep,
    audit: AuditDep,
    after: Annotated[
        str | None, Query(max_length=200, description="The `next` cursor of the previous page; omit to start")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=FEED_LIMIT_MAX, description="Events per page")] = 100,
    nonce: Annotated[
        str | None,
        Header(alias=NONCE_HEADER, max_length=200, description="Echoed in the signed body (replay check)"),
    ] = None,
) -> Response:
    """Events after ``after`` in order, the records of the subjects they name, the next cursor, and
    ``caught_up``. Signed for peers: see docs/federation.md for how to verify an answer. Admins without
    a feed secret get the same page unsigned, for inspection.
    """
    secret = settings.feed_secrets.get(caller.name)
    if secret is None and caller.role != "admin":
        raise Forbidden(
            f"No feed secret is configured for key {caller.name!r} (GRAPH_SERVICE_FEED_SECRETS): feed "
            "answers are always signed. Ask the administrator to share a secret with your deployment."
        )
    page = read_feed(store, region=settings.region, after=after, limit=limit, nonce=nonce)
    content = page.model_dump(mode="json")
    masked = masks_ids(caller.role) and caller.name not in settings.feed_full_id_peers
    if masked:
        content = for_masked_peer(content, store.pseudonymiser)
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    timestamp = int(time.time())
    audit.record(
        caller.event(
            "feed.read",
            entry_ids=sorted({event.entry.entry_id for event in page.events}),
            detail={
                "after": position_of(after, settings.region),
                "events": len(page.events),
                "masked": masked,
                "signed": secret is not None,
            },
        )
    )
    if secret is None:  # an admin inspecting: nothing to sign with, and no peer will apply it
        return Response(body, media_type="application/json")
    return Response(
        body,
        media_type="application/json",
        headers={
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret.get_secret_value(), timestamp, body),
        },
    )
