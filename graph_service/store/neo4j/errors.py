"""Driver errors re-raised as the service's own errors, so nothing above the store sees the driver.

* A broken connection, refused credentials, a database that is down or missing, a timed-out or
  exhausted-retries transaction: :class:`BackendUnavailable` (the caller may retry later).
* A uniqueness constraint hit by a concurrent writer: :class:`Conflict`.
* Anything else the server rejects is a bug in a statement: a plain :class:`GraphServiceError` (500).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConstraintError,
    DatabaseError,
    DriverError,
    Forbidden,
    Neo4jError,
    TransientError,
)

from graph_service.errors import BackendUnavailable, Conflict, GraphServiceError

# Client errors that are about the server's state or our configuration, not about a statement.
_UNAVAILABLE_CODES = frozenset(
    {
        "Neo.ClientError.Database.DatabaseNotFound",
        "Neo.ClientError.Transaction.TransactionTimedOut",
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "Neo.ClientError.Transaction.LockClientStopped",
        "Neo.ClientError.Cluster.NotALeader",
        "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
    }
)


def translate(exc: Exception, where: str) -> GraphServiceError:
    """The service error for a driver error raised while talking to ``where`` (``uri`` / database)."""
    if isinstance(exc, ConstraintError):
        return Conflict(
            f"a concurrent write stored the same identity first ({_message(exc)}); retry the batch"
        )
    if isinstance(exc, AuthError | Forbidden):
        return BackendUnavailable(f"Neo4j at {where} refused the credentials or the access: {_message(exc)}")
    if isinstance(exc, TransientError | DatabaseError | DriverError):
        return BackendUnavailable(f"Neo4j at {where} is unavailable: {_message(exc)}")
    if isinstance(exc, ClientError) and exc.code in _UNAVAILABLE_CODES:
        return BackendUnavailable(f"Neo4j at {where} cannot answer: {_message(exc)}")
    return GraphServiceError(f"Neo4j at {where} rejected a statement of the store: {_message(exc)}")


@contextmanager
def driver_errors(where: str) -> Iterator[None]:
    """Run a block, re-raising any driver error as the service error :func:`translate` picks."""
    try:
        yield
    except (Neo4jError, DriverError) as exc:
        raise translate(exc, where) from exc


def _message(exc: Exception) -> str:
    if isinstance(exc, Neo4jError) and exc.message:
        return f"{exc.code}: {exc.message}" if exc.code else exc.message
    return str(exc) or type(exc).__name__
