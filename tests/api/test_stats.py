"""``GET /v1/stats`` on both backends, over the hand-counted October 2026 of tests/api/stats_fixture.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_service.store.base import GraphStore
from tests.api.stats_fixture import AS_OF, ENV, FIN, MARKET, TAX, write_fixture
from tests.api.workflow_support import ADMIN, APPROVAL, IMPLEMENTER, INITIATOR, Workflow, open_workflow

OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}


@pytest.fixture
def wf(store: GraphStore, tmp_path: Path) -> Iterator[Workflow]:
    with open_workflow(store, tmp_path, AS_OF) as opened:
        write_fixture(store)
        yield opened


def _stats(wf: Workflow, headers: dict[str, str] = ADMIN, **params: str) -> dict[str, Any]:
    r = wf.client.get("/v1/stats", params={**OCTOBER, **params}, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_october_counts_exactly_what_the_fixture_says(wf: Workflow) -> None:
    stats = _stats(wf)
    assert (stats["start"], stats["end"], stats["as_of"]) == ("2026-10-01", "2026-10-31", "2026-11-23")
    assert stats["entries"] == {
        "initiated": 3,
        "by_list": {"black": 2, "red": 1},
        "by_domain": {"environment": 1, "tax": 2},
    }
    assert stats["tasks"] == {
        "pushed": 4,  # t1 t2 t3 t4 (t5, t6 were created in September)
        "received": 2,  # t1 applied, t3 not_applicable
        "expected": 3,  # ... and t2 pending; t4 is suspended and owed nothing
        "rate": 0.6667,
        "overdue": 1,  # t5: due 10-22, still pending on 11-23 (t6 answered)
        "by_outcome": {"applied": 1, "not_applicable": 1},
    }
    assert stats["departments"] == [  # by name: 市 (U+5E02) sorts before 金 (U+91D1)
        {"department": MARKET, "pushed": 2, "received": 1, "expected": 1, "rate": 1.0, "overdue": 1},
        {"department": FIN, "pushed": 2, "received": 1, "expected": 2, "rate": 0.5, "overdue": 0},
    ]
    assert stats["disputes"] == {"opened": 2, "resolved": 1, "by_outcome": {"upheld": 1}, "overdue": 1}
    assert stats["repairs"] == {"applied": 2, "approved": 1, "rejected": 1}


def test_a_department_filter_counts_its_entries_and_its_tasks(wf: Workflow) -> None:
    tax = _stats(wf, dept=TAX)
    assert (tax["entries"]["initiated"], tax["tasks"]["pushed"], tax["tasks"]["rate"]) == (2, 0, None)
    assert tax["disputes"] == {"opened": 1, "resolved": 1, "by_outcome": {"upheld": 1}, "overdue": 1}
    assert tax["repairs"] == {"applied": 2, "approved": 1, "rejected": 1}
    market = _stats(wf, dept=MARKET)
    assert market["entries"]["initiated"] == 0
    assert {k: market["tasks"][k] for k in ("pushed", "received", "expected", "rate", "overdue")} == {
        "pushed": 2,
        "received": 1,
        "expected": 1,
        "rate": 1.0,
        "overdue": 1,
    }
    env = _stats(wf, dept=ENV)
    assert (env["entries"]["by_domain"], env["disputes"]["opened"], env["repairs"]["applied"]) == (
        {"environment": 1},
        1,
        0,
    )


def test_a_region_filter_takes_counties_within_a_city(wf: Workflow) -> None:
    other_county = _stats(wf, region="430981")
    assert (other_county["entries"]["initiated"], other_county["tasks"]["pushed"]) == (1, 1)
    assert other_county["tasks"]["rate"] is None, "t4 is suspended: nothing expected"
    city = _stats(wf, region="430900")
    assert city == {**_stats(wf), "region": "430900"}
    home = _stats(wf, region="430923")
    assert (home["entries"]["initiated"], home["disputes"]["overdue"]) == (2, 1), (
        "E-F falls back to its subject"
    )
    elsewhere = _stats(wf, region="110101")
    assert (
        elsewhere["entries"]["initiated"],
        elsewhere["tasks"]["pushed"],
        elsewhere["disputes"]["opened"],
    ) == (
        0,
        0,
        0,
    )


def test_a_period_ending_before_it_starts_is_refused_naming_the_field(wf: Workflow) -> None:
    r = wf.client.get("/v1/stats", params={"from": "2026-10-31", "to": "2026-10-01"}, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert "to" in r.json()["detail"] and "2026-10-01" in r.json()["detail"]


def test_initiators_and_admins_may_read_statistics_and_no_one_else(wf: Workflow) -> None:
    assert _stats(wf, INITIATOR)["entries"]["initiated"] == 3
    for headers in (APPROVAL, IMPLEMENTER):
        assert wf.client.get("/v1/stats", headers=headers).status_code == 403


def test_without_dates_the_period_is_this_month_up_to_today(wf: Workflow) -> None:
    r = wf.client.get("/v1/stats", headers=ADMIN)
    assert r.status_code == 200, r.text
    assert (r.json()["start"], r.json()["end"]) == ("2026-11-01", "2026-11-23")
