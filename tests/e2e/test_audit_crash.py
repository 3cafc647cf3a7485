"""An acknowledged check is audited: ``graph-service serve`` killed with SIGKILL right after answering
still has every answered check in ``audit.jsonl`` (the answer waits for its record's fsync).

SIGKILL leaves no chance to flush anything at exit, so a record that was only queued when the answer
went out would be missing from the file.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from stdnum.cn import ric

from graph_service.audit import FileAuditLog

REPO = Path(__file__).resolve().parents[2]
KEY = "crash-audit-key-0123456789abcdef"
CHECKERS = 4
CHECKS_EACH = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _id_number(n: int) -> str:
    """A valid resident ID number (born 1949-12-31 in 110105), the n-th of that day."""
    body = f"11010519491231{n:03d}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 characters


def _serve(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_SERVICE_")}
    env.update(
        GRAPH_SERVICE_DATA_DIR=str(data_dir),
        GRAPH_SERVICE_API_KEYS=json.dumps({KEY: {"role": "approval", "name": "crash-test"}}),
        GRAPH_SERVICE_RATE_LIMIT_PER_MINUTE="0",
    )
    script = Path(sys.executable).parent / "graph-service"
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(script), "serve", "--port", str(port), "--log-level", "warning"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}: {log.read_text()}", pytrace=False)
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the API did not become ready within 60 s: {log.read_text()}", pytrace=False)


@pytest.mark.slow
def test_every_check_answered_before_a_sigkill_is_in_the_audit_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    process = _serve(data_dir, port, log)
    answered: list[str] = []
    lock = threading.Lock()

    def checker(n: int) -> None:
        with httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=30) as client:
            for i in range(CHECKS_EACH):
                # An empty store is enough: an unknown subject is still checked, answered and audited.
                body = {"subject_id": _id_number(n * CHECKS_EACH + i), "scenario": "bidding"}
                try:
                    response = client.post("/v1/checks", json=body)
                except httpx.HTTPError:
                    return  # the server is gone: this check was never acknowledged
                if response.status_code == 200:
                    with lock:
                        answered.append(response.json()["check_id"])

    try:
        _wait_ready(base, process, log)
        threads = [threading.Thread(target=checker, args=(n,)) for n in range(CHECKERS)]
        for thread in threads:
            thread.start()
        while True:  # kill the moment the first answers are in, with other checks in flight
            with lock:
                if len(answered) >= CHECKERS:
                    break
            if not any(t.is_alive() for t in threads):
                break
            time.sleep(0.001)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        for thread in threads:
            thread.join(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == -signal.SIGKILL, log.read_text()
    with lock:
        acknowledged = set(answered)
    assert acknowledged, log.read_text()
    audit = FileAuditLog(data_dir / "audit.jsonl", read_only=True)
    try:
        recorded = {r.detail.get("check_id") for r in audit.query(action="check", limit=10_000)}
        verified = audit.verify()
    finally:
        audit.close()
    assert acknowledged <= recorded, sorted(acknowledged - recorded)
    assert verified.ok, verified
