"""Calls of the access table that carry a raw body: an uploaded export, and a hub receiving a signed page.

The body of a pushed page is signed with the secret of the key that sends it (``FEED_SECRETS`` by key
name), so every allowed role's call is authentic; roles without a secret are refused by role first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping

from graph_service.federation.serve import encode_cursor
from graph_service.federation.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.api.security_support import FEED_SECRETS, HEADERS, KEYS, ORG, SecApi

#: A dry run of a one-row format v1 list file: valid every time, and it writes nothing.
UPLOAD_PARAMS = {"filename": "list_entries.csv", "dry_run": "true"}
_HEADER = "entry_id,subject_id,list,domain,reason,decided_on,valid_until,initiating_dept\n"
_ROW = f"UP-AC-1,{ORG.uscc},black,tax,逾期未申报,2026-05-20,2029-05-19,initiator-client\n"
_PEER_REGION = "430921"


def upload_file(headers: Mapping[str, str]) -> tuple[bytes, dict[str, str]]:
    """The uploaded file (the body), whoever sends it."""
    return (_HEADER + _ROW).encode("utf-8"), {"Content-Type": "text/csv"}


def signed_push(headers: Mapping[str, str]) -> tuple[bytes, dict[str, str]]:
    """An empty page of a peer's feed, signed with the sending key's feed secret."""
    name = KEYS.get(headers.get("X-API-Key", ""), {}).get("name", "")
    secret = FEED_SECRETS.get(name, "no-secret-for-this-key-000")
    page: dict[str, object] = {
        "feed": _PEER_REGION,
        "after": None,
        "nonce": "access-table",
        "events": [],
        "subjects": {},
        "next": encode_cursor(_PEER_REGION, 0),
        "caught_up": True,
    }
    body = json.dumps(page).encode("utf-8")
    timestamp = int(time.time())
    return body, {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def finished_load(api: SecApi) -> dict[str, str]:
    """A load the initiator key ran to its end through the API; ``{load_id}``."""
    body, extra = upload_file(HEADERS["initiator"])
    started = api.client.post(
        "/v1/loads",
        params={"filename": "list_entries.csv"},
        content=body,
        headers={**HEADERS["initiator"], **extra},
    )
    assert started.status_code == 202, started.text
    load_id = str(started.json()["load_id"])
    deadline = time.monotonic() + 30
    while api.client.get(f"/v1/loads/{load_id}", headers=HEADERS["admin"]).json()["state"] == "running":
        assert time.monotonic() < deadline, f"load {load_id} did not finish"
        time.sleep(0.05)
    return {"load_id": load_id}
