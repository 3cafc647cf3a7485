"""One daemon thread per name (a peer followed, a target pushed to), stopped promptly and together."""

from __future__ import annotations

import abc
import threading
from collections.abc import Iterable


class ThreadPerName(abc.ABC):
    """Runs :meth:`_run` for each name in its own daemon thread; :meth:`stop` wakes and joins them.

    Subclasses sleep with :meth:`_sleep` (or wait on ``self._stop``) so that stopping never waits out an
    interval or a backoff.
    """

    def __init__(self, names: Iterable[str], *, prefix: str) -> None:
        self._names = sorted(names)
        self._prefix = prefix
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start one thread per name."""
        for name in self._names:
            thread = threading.Thread(
                target=self._run, args=(name,), name=f"{self._prefix}-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop every thread (waking any that waits) and wait for them."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_s)

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)  # wakes at once when stopping

    @abc.abstractmethod
    def _run(self, name: str) -> None:
        """The work of one name's thread, until ``self._stop`` is set."""
