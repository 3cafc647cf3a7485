"""The driver, sessions and managed transactions of the Neo4j backend.

One driver per store (it pools connections and is thread-safe); one short session per operation, always
on the configured database (one-statement reads reuse idle sessions: :meth:`Connection.read_once`); with
a routing URI (``neo4j://``, a cluster) the sessions share the driver's bookmark manager so a read after
a write sees it even on another member. A direct URI (``bolt://``)
talks to one server, which sees every transaction it committed, so there bookmarks would only add work
to every read (measured: about a tenth of a check's client-side time). One managed transaction per
operation, retried by the driver on transient failures. Every driver error leaves this module as a
service error (:mod:`.errors`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    Query,
    Record,
    Session,
    Transaction,
    unit_of_work,
)

from cypher import query, statements
from graph_service.audit.neo4j import Neo4jAuditLog
from graph_service.errors import BackendUnavailable
from graph_service.store.neo4j.errors import driver_errors

P = ParamSpec("P")
R = TypeVar("R")

TxFunction = Callable[Concatenate[ManagedTransaction, P], R]

log = logging.getLogger(__name__)


class Connection:
    """A driver bound to one database, with ``timeout_s`` on connecting, pool waits and reads.

    Writes get no transaction timeout: a batch of any size is one transaction by contract, and a
    timeout would turn a large but healthy load into a failure.

    An unreachable server must fail a request within about ``timeout_s``, not a multiple of it: a managed
    transaction's first attempt may spend the connect timeout, the driver keeps starting retries until
    the retry time is used up, and the last retry may spend the connect timeout again. Each of the two
    gets half the budget, so the worst case is about 1.5 × ``timeout_s`` instead of 3 ×.
    """

    def __init__(self, uri: str, user: str, password: str, database: str, timeout_s: float) -> None:
        self.where = f"{uri} (database {database!r})"
        self._database = database
        self._timeout_s = timeout_s
        self._closed = False
        routing = uri.split("://", 1)[0].startswith("neo4j")
        # The read transaction pinned by :meth:`pinned_read` for the current thread / task, if any.
        self._pinned: ContextVar[Transaction | None] = ContextVar(f"pinned-read-{id(self)}", default=None)
        # Idle read sessions of :meth:`read_once`, one taken per read (list pop/append are atomic).
        self._idle_reads: list[Session] = []
        # The thread of :meth:`warm_up`, if one was started: close() waits for it (see there).
        self._warm_up_thread: threading.Thread | None = None
        with driver_errors(self.where):
            self._driver: Driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=timeout_s / 2,
                connection_acquisition_timeout=timeout_s,
                max_transaction_retry_time=timeout_s / 2,
                # "Label / property does not exist" is the normal state of an empty or young graph.
                notifications_disabled_classifications=["UNRECOGNIZED"],
            )
        self._bookmarks = self._driver.execute_query_bookmark_manager if routing else None

    def audit_log(self, *, read_only: bool = False) -> Neo4jAuditLog:
        """An audit chain in this database over this connection's driver (closed with the connection)."""
        return Neo4jAuditLog(self._driver, self._database, read_only=read_only)

    def read(self, fn: TxFunction[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``fn`` in one managed read transaction, bounded by the timeout.

        Inside :meth:`pinned_read`, ``fn`` runs in the pinned transaction instead.
        """
        pinned = self._pinned.get()
        if pinned is not None:
            with driver_errors(self.where):
                # Same ``run`` API; a pinned read is not retried (the caller's request fails with 503).
                return fn(cast(ManagedTransaction, pinned), *args, **kwargs)
        with driver_errors(self.where), self._session() as session:
            return session.execute_read(unit_of_work(timeout=self._timeout_s)(fn), *args, **kwargs)

    @property
    def pinned(self) -> bool:
        """Whether this thread or task reads in a pinned transaction (:meth:`pinned_read`)."""
        return self._pinned.get() is not None

    def read_once(self, statement: str, **params: Any) -> Record:
        """Run ``cypher/<statement>.cypher`` as one auto-commit read and return its single record.

        One Bolt round trip (RUN and PULL pipelined; no BEGIN or COMMIT), bounded by the timeout, for a
        statement that answers a whole operation by itself. Not retried, as a pinned read is not: the
        caller's request fails with 503. Inside :meth:`pinned_read` it runs in the pinned transaction.
        """
        pinned = self._pinned.get()
        with driver_errors(self.where):
            if pinned is not None:
                return pinned.run(query(statement), params).single(strict=True)
            session = self._read_session()
            try:
                record = session.run(Query(query(statement), timeout=self._timeout_s), params).single(
                    strict=True
                )
            except BaseException:
                _close_quietly(session)  # whatever state the failure left it in, it is not reused
                raise
            self._idle_reads.append(session)
            if self._closed:  # closed while this read ran: close() may have missed this session
                self._close_idle_reads()
            return record

    @contextmanager
    def pinned_read(self) -> Iterator[None]:
        """Make every :meth:`read` in this block share one read transaction.

        A related-party check asks the store about ten small questions; one transaction instead of ten
        saves a BEGIN/COMMIT exchange and a session each time, and every answer sees the same snapshot.
        Nested blocks reuse the outer transaction.
        """
        if self._pinned.get() is not None:
            yield
            return
        with driver_errors(self.where), self._session() as session:
            tx = session.begin_transaction(timeout=self._timeout_s)
            token = self._pinned.set(tx)
            try:
                yield
            finally:
                self._pinned.reset(token)
                tx.close()  # nothing was written: closing rolls back

    def warm_up(
        self, runs: Sequence[tuple[str, dict[str, Any]]], wait_s: float, *, wait_for: int = 1
    ) -> bool:
        """Have the server plan these ``(statement, parameters)`` reads, in order, on a daemon thread.

        The server caches a plan by statement text and parameter types, and planning a large statement
        cold (the check view: 0.6-1.7 s on an idle box, 2.5-10 s at load 10) is not bounded by the
        transaction timeout, so the first check after a start could take seconds. Each read is one
        auto-commit read (as :meth:`read_once` runs them), its answer discarded. This waits at most
        ``wait_s`` for the first ``wait_for`` runs and returns whether they were planned; the others go
        on in the background. A slow or failing server never fails the caller: past ``wait_s`` the plans
        go on compiling, and an error is only logged (the next real read reports it as usual).
        """
        ready = threading.Event()
        planned: list[str] = []

        def run_all() -> None:
            try:
                with self._session(READ_ACCESS) as session:
                    for statement, params in runs:
                        if self._closed:
                            break
                        session.run(Query(query(statement), timeout=self._timeout_s), params).consume()
                        planned.append(statement)
                        if len(planned) >= wait_for:
                            ready.set()
            except Exception as exc:  # a warm-up must never fail the store's start
                if not self._closed:
                    log.warning("warming the Neo4j plans at %s failed: %s", self.where, exc)
            finally:
                ready.set()

        thread = threading.Thread(target=run_all, name="neo4j-warm-up", daemon=True)
        self._warm_up_thread = thread
        thread.start()
        ready.wait(wait_s)
        return len(planned) >= min(wait_for, len(runs))

    def write(self, fn: TxFunction[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``fn`` in one managed write transaction (rolled back if ``fn`` raises)."""
        with driver_errors(self.where), self._session() as session:
            return session.execute_write(fn, *args, **kwargs)

    def verify(self) -> None:
        """Check that the server answers and accepts the credentials, without the driver's retries."""
        with driver_errors(self.where):
            if self._closed:
                raise BackendUnavailable(f"the Neo4j store at {self.where} is closed")
            self._driver.verify_connectivity()

    def apply_schema(self) -> None:
        """Apply ``cypher/schema.cypher`` (idempotent) and wait until its indexes are online.

        One statement per transaction: Neo4j does not mix schema changes in one transaction. Waiting
        matters because a query planned while an index is still populating is planned without it.
        """
        for statement in statements("schema"):
            self.write(_run_statement, statement)
        self.write(_await_indexes, self._timeout_s)

    def close(self) -> None:
        """Close the driver and its connections (idempotent)."""
        if self._closed:
            return
        self._closed = True
        # A connection is not thread-safe: closing the driver while the warm-up thread still reads on
        # one of its connections corrupted that connection's buffer (BufferError in the driver). The
        # thread stops after the statement it is running, so this waits at most for one plan.
        if self._warm_up_thread is not None:
            self._warm_up_thread.join()
        self._close_idle_reads()
        with driver_errors(self.where):
            self._driver.close()

    def _read_session(self) -> Session:
        """An idle read session of an earlier :meth:`read_once`, else a new one.

        A session per read cost about 0.04 ms of a ~1 ms check (its configuration, and the cycles it
        leaves for the garbage collector). An idle session holds no connection: its last result was read
        to the end, which hands the connection back to the pool. A session serves one read at a time, so
        each read takes one out of the idle list and puts it back after.
        """
        try:
            return self._idle_reads.pop()
        except IndexError:
            return self._session(READ_ACCESS)

    def _close_idle_reads(self) -> None:
        while True:
            try:
                session = self._idle_reads.pop()
            except IndexError:
                return
            _close_quietly(session)

    def _session(self, access_mode: str = WRITE_ACCESS) -> Session:
        if self._closed:
            raise BackendUnavailable(f"the Neo4j store at {self.where} is closed")
        return self._driver.session(
            database=self._database,
            bookmark_manager=self._bookmarks,
            default_access_mode=access_mode,
        )


def _close_quietly(session: Session) -> None:
    """Close ``session``; a failure to close it is not the caller's error (its own error, if any, is)."""
    try:
        session.close()
    except Exception as exc:  # the server is gone or the session was broken: nothing left to release
        log.debug("closing a Neo4j read session failed: %s", exc)


def _run_statement(tx: ManagedTransaction, statement: str) -> None:
    tx.run(statement).consume()


def _await_indexes(tx: ManagedTransaction, timeout_s: float) -> None:
    tx.run(query("await_indexes"), seconds=max(1, int(timeout_s))).consume()
