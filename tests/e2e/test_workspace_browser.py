"""A clerk's day on the workspace page, in a real headless Chromium against the API under uvicorn.

The tax bureau's clerk uploads an export with one bad row, sees the reject in the dry run, confirms the
load (it runs inside the service, on the embedded store the API holds), finds the new entry and opens it;
the market regulator answers its tasks in its inbox; the monthly report shows the feedback. The API runs
as a separate uvicorn process on a free loopback port over an embedded store in a temporary data dir.

Skipped with a loud reason without Chromium or Playwright (``GRAPH_SERVICE_REQUIRE_BROWSER=1`` makes that
a failure, as in CI). Screenshots go to the test's temporary directory, and to ``docs/img/`` only with
``GRAPH_SERVICE_SCREENSHOTS=1`` (or the explorer test's ``GRAPH_SERVICE_UPDATE_SCREENSHOT=1``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.domain.model import RelationKind
from graph_service.store.memory import MemoryStore
from tests.e2e.test_explorer_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    _browser_or_skip,
    _free_port,
    _wait_ready,
)
from tests.factories import make_org, make_person, make_relation

TAX = "国家税务总局测试县税务局"
MARKET = "市场监管部门"
KEYS = {
    "e2e-tax-clerk-key-0001": {"role": "initiator", "name": TAX},
    "e2e-market-key-0001": {"role": "implementer", "name": MARKET},
}
CLERK, MARKET_KEY = KEYS
ORG = make_org(910_001, name="湘江示例商贸有限公司")
REP = make_person(910_001, name="周示例")
SHOTS = ("inbox", "entry-detail", "monthly-report")
TODAY = dt.date.today()


def _export(path: Path) -> Path:
    """The tax bureau's export: one good black entry and one row with an unknown list."""
    decided, until = TODAY.isoformat(), (TODAY + dt.timedelta(days=3 * 365)).isoformat()
    header = "entry_id,subject_id,list,domain,reason,decided_on,valid_until,initiating_dept\n"
    good = f"430923-B-E2E-0001,{ORG.uscc},black,tax,逃避追缴欠税,{decided},{until},{TAX}\n"
    bad = f"430923-B-E2E-0002,{ORG.uscc},greylist,tax,坏行,{decided},{until},{TAX}\n"
    path.write_text(header + good + bad, encoding="utf-8")
    return path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The API under uvicorn on a free loopback port over an embedded store holding ORG and REP."""
    _browser_or_skip()
    data_dir = tmp_path / "data"
    store = MemoryStore(data_dir)
    try:
        store.upsert_organizations([ORG])
        store.upsert_persons([REP])
        store.upsert_relations(
            [make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, ORG.uscc, dt.date(2020, 1, 1))]
        )
    finally:
        store.close()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_SERVICE_")}
    env.update(
        GRAPH_SERVICE_DATA_DIR=str(data_dir),
        GRAPH_SERVICE_API_KEYS=json.dumps(KEYS),
        GRAPH_SERVICE_RATE_LIMIT_PER_MINUTE="0",
    )
    if os.environ.get("GRAPH_SERVICE_MEASURES_FILE"):  # a catalog of the caller's own, kept
        env["GRAPH_SERVICE_MEASURES_FILE"] = os.environ["GRAPH_SERVICE_MEASURES_FILE"]
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1"]
    log = (tmp_path / "uvicorn.log").open("w")
    process = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"], cwd=REPO, env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, tmp_path / "uvicorn.log")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_a_clerks_day_upload_confirm_find_answer_and_report(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    export = _export(tmp_path / "list_entries.csv")
    shots = tmp_path / "artifacts"
    shots.mkdir()
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            clerk = browser.new_page(viewport={"width": 1440, "height": 900})
            clerk.on("pageerror", lambda exc: errors.append(str(exc)))
            clerk.goto(f"{server}/workspace")
            clerk.fill("#api-key", CLERK)
            clerk.click("#login button[type=submit]")
            clerk.wait_for_selector("#tabs button[data-tab=upload]:not([hidden])")
            inbox_hidden = clerk.locator("#tabs button[data-tab=inbox]").is_hidden()

            clerk.click("#tabs button[data-tab=upload]")
            clerk.set_input_files("#upload-file", str(export))
            clerk.click("#upload-form button[type=submit]")
            clerk.wait_for_selector("#rejects-table:not([hidden]) tbody tr")
            rejects = clerk.locator("#rejects-table tbody tr").all_inner_texts()
            entries_before = clerk.evaluate(
                "fetch('/v1/entries', {headers: {'X-API-Key': sessionStorage.getItem("
                "'graph_service.workspace.key')}}).then(r => r.json()).then(b => b.entries.length)"
            )
            clerk.click("#upload-confirm")
            clerk.wait_for_selector("#upload-progress .load-done", timeout=30_000)
            done = clerk.inner_text("#upload-progress")

            clerk.click("#tabs button[data-tab=entries]")
            clerk.fill("#entry-filters input[name=q]", "湘江示例")
            clerk.click("#entry-filters button[type=submit]")
            clerk.click("#entries-table tbody tr[data-entry='430923-B-E2E-0001']")
            clerk.wait_for_selector("#entry-detail .tasks-per-dept tr")
            detail = clerk.inner_text("#entry-detail")
            forms = clerk.locator("#entry-detail form").evaluate_all("fs => fs.map(f => f.className)")
            clerk.screenshot(path=str(shots / "entry-detail.png"))

            market = browser.new_page(viewport={"width": 1440, "height": 900})
            market.on("pageerror", lambda exc: errors.append(str(exc)))
            market.goto(f"{server}/workspace")
            market.fill("#api-key", MARKET_KEY)
            market.click("#login button[type=submit]")
            market.wait_for_selector("#inbox-table tbody tr")
            inbox = market.inner_text("#inbox-table")
            rows = market.locator("#inbox-table tbody tr")
            answered = rows.count()
            rows.nth(0).locator("button.applied").click()
            market.wait_for_selector("#inbox-table tbody tr:nth-child(1) td.feedback:not(:has(button))")
            if answered > 1:
                second = market.locator("#inbox-table tbody tr").nth(1)
                second.locator("input.reason").fill("该主体本月未申请登记")
                second.locator("button.not").click()
                market.wait_for_selector("#inbox-table tbody tr:nth-child(2) td.feedback:not(:has(button))")
            answers = market.locator("#inbox-table td.feedback").all_inner_texts()
            market.screenshot(path=str(shots / "inbox.png"))

            clerk.click("#tabs button[data-tab=monthly]")
            clerk.wait_for_selector("#rate-chart svg rect")
            summary = clerk.inner_text("#monthly-summary")
            chart = clerk.inner_text("#rate-chart")
            with clerk.expect_download() as download:
                clerk.click("#csv-download")
            csv_path = tmp_path / "monthly.csv"
            download.value.save_as(csv_path)
            clerk.screenshot(path=str(shots / "monthly-report.png"))
        finally:
            browser.close()

    update = {os.environ.get("GRAPH_SERVICE_SCREENSHOTS"), os.environ.get("GRAPH_SERVICE_UPDATE_SCREENSHOT")}
    if "1" in update:
        for name in SHOTS:
            shutil.copyfile(shots / f"{name}.png", REPO / "docs" / "img" / f"workspace-{name}.png")
    assert inbox_hidden, "an initiator's key shows no implementer inbox"
    assert len(rejects) == 1 and "greylist" in rejects[0], rejects
    assert entries_before == 0, "the dry run wrote nothing"
    assert "导入完成" in done and "拒收 1" in done, done
    assert "逃避追缴欠税" in detail and MARKET in detail, detail
    assert sorted(forms) == ["action-dispute", "action-repair", "action-revoke"], forms
    assert ORG.name in inbox and REP.name in inbox and REP.key in inbox, "need-to-know: the full ID"
    assert answers[0].startswith("已实施"), answers
    assert answered < 2 or "该主体本月未申请登记" in answers[1], answers
    assert MARKET in chart and "%" in chart, chart
    assert "反馈率" in summary, summary
    csv_text = csv_path.read_text(encoding="utf-8-sig")
    assert "反馈率 feedback rate" in csv_text and MARKET in csv_text, csv_text
    assert errors == [], errors
