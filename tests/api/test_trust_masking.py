"""ID numbers typed into free text are masked in every form, for masked roles, in errors and in the feed;
admins read the feed for inspection without a peer secret.

Run on both backends.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.federation.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from graph_service.services.workflow import entries as workflow
from graph_service.services.workflow.state import Policy
from graph_service.store.base import GraphStore
from tests.api.security_support import HEADERS, LISTED, PERSONS, SecApi, open_api, seed
from tests.factories import make_entry

TYPED = PERSONS[2].key  # a person no entry names: only the free text carries the number
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
FORMS = {
    "chinese-around": f"身份证号{TYPED}，已核实",
    "letters-touching": f"ID{TYPED}abc",
    "spaces": f"{TYPED[:6]} {TYPED[6:14]} {TYPED[14:]}",
    "hyphens": f"{TYPED[:6]}-{TYPED[6:14]}-{TYPED[14:]}",
    "full-width": TYPED.translate(FULL_WIDTH),
    "zero-width": f"{TYPED[:9]}\u200b{TYPED[9:]}",
}
REASON = "；".join(FORMS.values())
ENTRY_ID = "E-MASK-1"
PEER_SECRET = "feed-secret-of-peer-client"


@pytest.fixture
def api(store: GraphStore, tmp_path: Path) -> Iterator[SecApi]:
    seed(store)
    # Only the peer shares a secret: the admin key reads the feed without one.
    with open_api(tmp_path, store=store, feed_secrets={"peer-client": PEER_SECRET}) as opened:
        workflow.create_entry(
            opened.store,
            opened.app.state.ctx.catalog,
            make_entry(ENTRY_ID, LISTED.uscc, reason=REASON, initiating_dept="initiator-client"),
            today=dt.date.today(),
            policy=Policy(),
        )
        yield opened


def _leaks(text: str) -> bool:
    """Whether the masked digits (the birth date) of the number still appear in ``text``, however typed."""
    plain = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    for gap in (" ", "-", "\u200b", "\\u200b"):
        plain = plain.replace(gap, "")
    return TYPED[6:14] in plain


@pytest.mark.parametrize("role", ["approval", "initiator"])
def test_every_typed_form_in_an_entry_reason_is_masked_for_masked_roles(api: SecApi, role: str) -> None:
    url = f"/v1/subjects/{LISTED.uscc}" if role == "approval" else f"/v1/entries/{ENTRY_ID}"

    response = api.client.get(url, headers=HEADERS[role])

    assert response.status_code == 200, response.json()
    assert not _leaks(response.text), response.text
    assert response.text.count(TYPED[:6] + "*" * 8) >= len(FORMS), response.text


def test_investigators_still_see_the_reason_as_typed(api: SecApi) -> None:
    response = api.client.get(f"/v1/subjects/{LISTED.uscc}", headers=HEADERS["investigator"])

    assert response.status_code == 200, response.json()
    assert FORMS["spaces"] in response.text, response.text


@pytest.mark.parametrize("form", sorted(FORMS))
def test_an_error_body_echoing_a_typed_id_is_masked(api: SecApi, form: str) -> None:
    response = api.client.post(
        "/v1/checks", json={"subject_id": FORMS[form], "scenario": "nope"}, headers=HEADERS["approval"]
    )

    assert response.status_code == 422, response.json()
    assert not _leaks(response.text), response.text


def test_the_feed_to_a_peer_not_cleared_masks_every_typed_form(api: SecApi) -> None:
    response = api.client.get("/v1/feed", params={"limit": 100}, headers=HEADERS["peer"])

    assert response.status_code == 200, response.text
    assert ENTRY_ID in response.text, "the entry is in the page"
    assert not _leaks(response.text), response.text
    verify(
        PEER_SECRET,
        timestamp=response.headers.get(TIMESTAMP_HEADER),
        signature=response.headers.get(SIGNATURE_HEADER),
        body=response.content,
        now=time.time(),
        window_s=60,
    )  # raises unless the peer's page is signed


def test_an_admin_reads_the_feed_without_a_peer_secret_unsigned_and_audited(api: SecApi) -> None:
    response = api.client.get("/v1/feed", params={"limit": 100}, headers=HEADERS["admin"])

    assert response.status_code == 200, response.text
    assert ENTRY_ID in response.text and SIGNATURE_HEADER.lower() not in response.headers, response.headers
    assert FORMS["spaces"] in response.text, "an admin sees full ID numbers"
    (read,) = [r for r in api.audit.query(action="feed.read", limit=100) if r.role == "admin"]
    assert read.detail["signed"] is False and ENTRY_ID in read.entry_ids, read


def test_a_peer_without_a_secret_is_still_refused(tmp_path: Path) -> None:
    with open_api(tmp_path, feed_secrets={}) as api:
        response = api.client.get("/v1/feed", headers=HEADERS["peer"])

    assert response.status_code == 403, response.json()
    assert "GRAPH_SERVICE_FEED_SECRETS" in response.json()["detail"]
