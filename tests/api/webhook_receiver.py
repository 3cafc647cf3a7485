"""A department's webhook endpoint for tests: a tiny ``http.server`` on 127.0.0.1 that records each POST.

It answers with the statuses it is given, in order (then 200), and keeps what arrived so a test can check
the signature the way a real receiver would: HMAC-SHA256 over ``<timestamp>.<body>`` with the shared secret.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def signature_verifies(self, secret: str) -> bool:
        """What a receiver does: recompute the HMAC of timestamp + "." + body, compare in constant time."""
        timestamp = self.headers["x-graph-service-timestamp"]
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest("sha256=" + expected, self.headers["x-graph-service-signature"])


class Receiver:
    """The server's state: statuses still to answer with, and every request received."""

    def __init__(self, statuses: list[int], always: int = 200) -> None:
        self.statuses = list(statuses)
        self.always = always
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.url = ""

    def answer(self, request: Received) -> int:
        with self.lock:
            self.received.append(request)
            return self.statuses.pop(0) if self.statuses else self.always


@contextmanager
def receiver(statuses: list[int] | None = None, *, always: int = 200) -> Iterator[Receiver]:
    """A running receiver at ``Receiver.url`` (port chosen by the system), stopped on exit."""
    state = Receiver(statuses or [], always)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {key.lower(): value for key, value in self.headers.items()}
            status = state.answer(Received(path=self.path, headers=headers, body=body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature of the base)
            return  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/tasks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
