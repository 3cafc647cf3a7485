"""The explorer page and its vendored files are served by the API itself, without a key or a build step."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import Settings
from graph_service.store.memory import MemoryStore

REPO = Path(__file__).resolve().parents[2]


def test_the_page_and_its_scripts_load_without_a_key(tmp_path: Path) -> None:
    app = create_app(
        settings=Settings(data_dir=tmp_path), store=MemoryStore(None), audit_log=MemoryAuditLog()
    )
    with TestClient(app) as client:
        page = client.get("/")
        script = client.get("/static/explorer.js")
        vendor = client.get("/static/vendor/cytoscape.min.js")
        licence = client.get("/static/vendor/cytoscape.LICENSE")

    assert page.status_code == 200 and "text/html" in page.headers["content-type"], page.text[:200]
    assert 'src="static/vendor/cytoscape.min.js"' in page.text and "X-API-Key" in page.text, page.text[:500]
    assert script.status_code == 200 and "sessionStorage" in script.text, script.status_code
    assert vendor.status_code == 200 and len(vendor.content) > 100_000, vendor.status_code
    assert licence.status_code == 200 and "The Cytoscape Consortium" in licence.text, licence.text[:200]


def test_the_page_keeps_the_key_out_of_local_storage_and_never_unmasks() -> None:
    script = (REPO / "api" / "static" / "explorer.js").read_text(encoding="utf-8")

    assert "localStorage" not in script and "sessionStorage.setItem" in script
    assert "innerHTML" not in script  # server text only ever goes in as textContent
