"""The explorer page in a real headless Chromium against the API under uvicorn.

A small synthetic registry (``graph_service.synth``, 40 organisations, plus its court list) is loaded into an
embedded store in a temporary data dir, with a hand-made case on top: 湘茶示范有限公司, whose legal
representative also represents a black-listed company. The API runs as a separate uvicorn process on a
free loopback port; Playwright drives Debian's ``/usr/bin/chromium`` (no ``playwright install``).

Skipped with a loud reason when Chromium or Playwright is missing, unless
``GRAPH_SERVICE_REQUIRE_BROWSER=1`` makes that a failure. The screenshot is written to the test's
temporary directory and copied to ``docs/img/explorer.png`` for the documentation.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import httpx
import pytest

from graph_service.domain.model import CreditDomain, ListKind, RelationKind
from graph_service.store.memory import MemoryStore
from graph_service.synth import generate
from loaders.pipeline import load
from tests.factories import make_entry, make_org, make_person, make_relation

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_ENV = "GRAPH_SERVICE_REQUIRE_BROWSER"
KEY = "e2e-investigator-key-0001"
SCREENSHOT_COPY = REPO / "docs" / "img" / "explorer.png"
SINCE = dt.date(2021, 3, 1)

DEMO = make_org(900_001, name="湘茶示范有限公司", industry="茶叶加工")
LISTED = make_org(900_002, name="失信示例建材有限公司")
HOLDING = make_org(900_003, name="示范控股有限公司")
REP, OWNER, DIRECTOR, MANAGER = (
    make_person(900_001, name="张示范"),
    make_person(900_002, name="李控股"),
    make_person(900_003, name="王董事"),
    make_person(900_004, name="赵经理"),
)


def _browser_or_skip() -> None:
    required = os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes"}
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Playwright for Python is not installed (pip install -e '.[dev]')")
    if not problems:
        return
    reason = "; ".join(problems)
    if required:
        pytest.fail(f"{REQUIRE_ENV}=1 but the browser test cannot run: {reason}", pytrace=False)
    pytest.skip(f"BROWSER TEST SKIPPED: {reason} (set {REQUIRE_ENV}=1 to make this a failure)")


def _registry(data_dir: Path, work: Path) -> None:
    """Synthetic registry and court list, then the hand-made case, into the embedded store."""
    source = work / "synth"
    generate(source, orgs=40, seed=7)
    store = MemoryStore(data_dir)
    try:
        sources: list[tuple[Path, Literal["v1", "court"]]] = [(source, "v1"), (source / "court", "court")]
        for path, fmt in sources:
            report = load(store, path, fmt=fmt, rejects=work / f"{fmt}-rejects.csv", warnings=work / "w.csv")
            assert report.ok, report.failure
        neighbour = store.search_subjects("有限公司", limit=1)[0]
        store.upsert_organizations([DEMO, LISTED, HOLDING])
        store.upsert_persons([REP, OWNER, DIRECTOR, MANAGER])
        store.upsert_relations(
            [
                make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, DEMO.uscc, SINCE),
                make_relation(RelationKind.SHAREHOLDER, REP.key, DEMO.uscc, SINCE, ratio=0.6),
                make_relation(RelationKind.SHAREHOLDER, HOLDING.uscc, DEMO.uscc, SINCE, ratio=0.4),
                make_relation(RelationKind.SHAREHOLDER, OWNER.key, HOLDING.uscc, SINCE, ratio=1.0),
                make_relation(RelationKind.LEGAL_REPRESENTATIVE, OWNER.key, HOLDING.uscc, SINCE),
                make_relation(RelationKind.LEGAL_REPRESENTATIVE, REP.key, LISTED.uscc, SINCE),
                make_relation(RelationKind.DIRECTOR, DIRECTOR.key, LISTED.uscc, SINCE),
                make_relation(
                    RelationKind.SUPERVISOR, DIRECTOR.key, DEMO.uscc, SINCE, end_on=dt.date(2022, 6, 1)
                ),
                make_relation(RelationKind.SENIOR_MANAGER, MANAGER.key, DEMO.uscc, SINCE, title="总经理"),
                make_relation(RelationKind.DIRECTOR, MANAGER.key, neighbour.key, SINCE),
            ]
        )
        store.upsert_entries(
            [
                make_entry("E2E-B-0001", LISTED.uscc, responsible_person_ids=(REP.key,)),
                make_entry("E2E-W-0001", HOLDING.uscc, list=ListKind.WATCH, domain=CreditDomain.FINANCE),
            ]
        )
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The API under uvicorn on a free loopback port, over the registry above; its base URL."""
    _browser_or_skip()
    data_dir = tmp_path / "data"
    _registry(data_dir, tmp_path)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_SERVICE_")}
    env.update(
        GRAPH_SERVICE_DATA_DIR=str(data_dir),
        GRAPH_SERVICE_API_KEYS=json.dumps({KEY: {"role": "investigator", "name": "e2e"}}),
    )
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


def _require_page_routes(base: str) -> None:
    """Fail clearly if the API lacks the routes the page calls beyond /v1/graph (the check, the profile)."""
    paths = httpx.get(f"{base}/openapi.json", timeout=10).json()["paths"]
    missing = []
    if "post" not in paths.get("/v1/checks", {}):
        missing.append("POST /v1/checks")
    if not any(p.startswith("/v1/subjects/{") and "get" in ops for p, ops in paths.items()):
        missing.append("GET /v1/subjects/{id}")
    if missing:
        pytest.fail(
            f"the explorer page calls {' and '.join(missing)}, which create_app does not route", pytrace=False
        )


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited with {process.returncode}: {log.read_text()}", pytrace=False)
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the API did not become ready within 60 s: {log.read_text()}", pytrace=False)


def test_an_investigator_searches_sees_the_graph_and_runs_a_check(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    _require_page_routes(server)
    shot = tmp_path / "artifacts" / "explorer.png"
    shot.parent.mkdir()
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{server}/")
            page.fill("#api-key", KEY)
            page.click("#login button[type=submit]")
            stored = page.evaluate("[sessionStorage.getItem('graph_service.api_key'), localStorage.length]")

            page.select_option("#depth", "3")
            page.fill("#search-q", "湘茶示范")
            page.click("#search-form button")
            page.click("#search-results li >> nth=0")
            page.wait_for_function("window.explorer && window.explorer.cy.nodes().length > 0", timeout=15_000)
            nodes = page.evaluate("window.explorer.cy.nodes().map(n => n.id())")
            black = page.evaluate("window.explorer.cy.nodes('.list-black').map(n => n.data('label'))")
            page.wait_for_selector("#profile h3", timeout=15_000)
            profile = page.inner_text("#profile")

            page.click("#ownership-form button")
            page.wait_for_selector("#ownership-tree", timeout=15_000)
            tree = page.inner_text("#ownership-tree")
            controller = page.inner_text("#ownership-result .card")

            page.select_option("#scenario", "bidding")
            page.click("#check-form button")
            page.wait_for_selector("#verdict, #check-result .error", timeout=15_000)
            check_error = page.locator("#check-result .error").all_inner_texts()
            verdict = page.inner_text("#verdict") if not check_error else ""
            highlighted = page.evaluate("window.explorer.cy.edges('.hl').map(e => e.id())")
            page.screenshot(path=str(shot))
        finally:
            browser.close()

    # The docs' copy is refreshed only on request, so ordinary runs leave the tracked file alone.
    if os.environ.get("GRAPH_SERVICE_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT_COPY.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT_COPY)
    assert stored == [KEY, 0], stored
    assert DEMO.uscc in nodes and LISTED.uscc in nodes and len(nodes) >= 8, nodes
    assert "失信示例建材有限公司" in black, black
    assert "湘茶示范有限公司" in profile and "茶叶加工" in profile, profile
    assert check_error == [] and verdict.split(" · ")[-1] in {"Block", "Review", "Pass"}, (
        check_error,
        verdict,
    )
    assert any(LISTED.uscc in edge for edge in highlighted), highlighted
    assert "李控股" in tree and "60%" in tree, tree
    assert "张示范" in controller, controller
    assert errors == [], errors
