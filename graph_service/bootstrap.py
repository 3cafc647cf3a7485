"""The composition root: settings in, a wired :class:`Runtime` out — for the API and every CLI command.

Nothing else decides which store, audit log, catalog, workflow policy, webhook targets or background
runners a process gets. ``create_app`` and each ``graph-service`` command call :func:`bootstrap` (or
:func:`open_runtime` as a context manager) and use what it hands them; tests pass their own store or
audit log, which then stay theirs to close.

The audit log is the store's own (:meth:`GraphStore.audit_log`): a Neo4j store writes the chain into its
database, so every API replica on one Neo4j appends to one chain and ``graph-service audit verify``
checks the chain the API writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from graph_service.audit.base import AuditLog
from graph_service.config import Settings
from graph_service.domain.measures import Catalog
from graph_service.domain.pseudonyms import Pseudonymiser
from graph_service.federation.background import followers_for
from graph_service.federation.push_runner import pushers_for
from graph_service.services.checks.catalog import load_catalog
from graph_service.services.workflow.delivery import DeliveryPolicy, Target
from graph_service.services.workflow.state import Policy
from graph_service.services.workflow.worker import WorkflowWorker
from graph_service.store.base import GraphStore


class Runner(Protocol):
    """A background activity of a serving process (webhook worker, peer followers)."""

    def start(self) -> None: ...

    def stop(self, timeout_s: float = ...) -> None: ...


@dataclass(frozen=True)
class Deliveries:
    """Where task changes are pushed: each department's webhook (secret kept out of answers and logs)."""

    targets: dict[str, Target]
    policy: DeliveryPolicy


@dataclass
class Runtime:
    """Everything a process works with, built once from settings. Close it (or use :func:`open_runtime`).

    ``owns_store`` says whether :func:`bootstrap` opened the store (and :meth:`close` closes it). The
    audit log is opened from the store on first use (commands that audit nothing never open it, so a
    load takes no audit lock), closed by :meth:`close` when the runtime opened it, and closed first, as
    it may share the store's driver.
    """

    settings: Settings
    store: GraphStore
    catalog: Catalog
    policy: Policy
    deliveries: Deliveries
    read_only: bool = False
    owns_store: bool = True
    given_audit: AuditLog | None = None
    _audit: AuditLog | None = field(default=None, repr=False)
    _closed: bool = field(default=False, repr=False)

    @property
    def audit(self) -> AuditLog:
        """The audit log: the one given to :func:`bootstrap`, else the store's own (opened once)."""
        if self.given_audit is not None:
            return self.given_audit
        if self._audit is None:
            if self._closed:
                raise RuntimeError("the runtime is closed")
            self._audit = self.store.audit_log(read_only=self.read_only)
        return self._audit

    def runners(self) -> list[Runner]:
        """The background runners a serving process starts: the webhook worker, the peer followers and
        the feed pushers (``push_targets``).

        Without webhooks there is nothing to push (expiry shows lazily in every answer; cron runs
        ``graph-service workflow expire``); without ``sync_peers`` nobody is followed.
        """
        found: list[Runner] = []
        settings = self.settings
        if settings.webhooks and settings.workflow_worker_interval_s > 0:
            found.append(
                WorkflowWorker(
                    self.store,
                    self.deliveries.targets,
                    self.deliveries.policy,
                    interval_s=settings.workflow_worker_interval_s,
                    workflow_policy=self.policy,
                )
            )
        followers = followers_for(settings, self.store)
        if followers is not None:
            found.append(followers)
        pushers = pushers_for(settings, self.store, self.audit)
        if pushers is not None:
            found.append(pushers)
        return found

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._audit is not None:
                self._audit.close()
        finally:
            if self.owns_store:
                self.store.close()


def open_store(settings: Settings, *, read_only: bool = False) -> GraphStore:
    """The configured backend: Neo4j when a URI is set, else the embedded store under ``data_dir``.

    ``read_only`` opens the embedded store without taking the writer lock (Neo4j ignores it).
    """
    if settings.neo4j_uri:
        from graph_service.store.neo4j import Neo4jStore

        assert settings.neo4j_password is not None  # enforced by Settings
        return Neo4jStore(
            uri=settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
            timeout_s=settings.neo4j_timeout_s,
        )
    from graph_service.store.memory import MemoryStore

    return MemoryStore(settings.data_dir, read_only=read_only)


def policy_of(settings: Settings) -> Policy:
    """Deadlines, the home region, and the departments whose task changes are pushed (with a webhook)."""
    return Policy(
        feedback_day_of_month=settings.feedback_day_of_month,
        dispute_days=settings.dispute_days,
        push_to=frozenset(settings.webhooks),
        home_region=settings.region,
    )


def deliveries_of(settings: Settings) -> Deliveries:
    """Each department's webhook with its secret, and the retry policy of the sender."""
    return Deliveries(
        targets={
            department: Target(url=hook.url, secret=hook.secret.get_secret_value())
            for department, hook in settings.webhooks.items()
        },
        policy=DeliveryPolicy(
            max_attempts=settings.webhook_max_attempts,
            backoff_s=settings.webhook_backoff_s,
            backoff_cap_s=settings.webhook_backoff_cap_s,
            timeout_s=settings.webhook_timeout_s,
        ),
    )


def pseudonymiser_of(settings: Settings) -> Pseudonymiser | None:
    """The federation's person pseudonyms from the settings; None when no federation key is configured."""
    if not settings.federation_keys or settings.federation_key_id is None:
        return None
    keys = {
        kid: secret.get_secret_value().encode("utf-8") for kid, secret in settings.federation_keys.items()
    }
    return Pseudonymiser(keys=keys, current=settings.federation_key_id)


def bootstrap(
    settings: Settings,
    *,
    store: GraphStore | None = None,
    audit: AuditLog | None = None,
    read_only: bool = False,
    eager_audit: bool = False,
) -> Runtime:
    """Build the runtime: store (opened unless given), the store's audit log (unless given), catalog,
    workflow policy and webhook deliveries.

    ``read_only`` opens an embedded store without the writer lock and the audit log for query/verify
    only: what read-only commands (``check``, ``stats``, ``report``, ``audit verify``) use beside a
    serving instance. ``eager_audit`` opens the audit log now (the API: a failure shows at startup).
    On any failure, whatever was opened here is closed again.
    """
    catalog = load_catalog(settings.measures_file)
    owns_store = store is None
    opened = store if store is not None else open_store(settings, read_only=read_only)
    pseudonymiser = pseudonymiser_of(settings)
    if pseudonymiser is not None:
        opened.use_pseudonymiser(pseudonymiser)
    runtime = Runtime(
        settings=settings,
        store=opened,
        catalog=catalog,
        policy=policy_of(settings),
        deliveries=deliveries_of(settings),
        read_only=read_only,
        owns_store=owns_store,
        given_audit=audit,
    )
    if eager_audit:
        try:
            runtime.audit  # noqa: B018  (opens it)
        except BaseException:
            runtime.close()
            raise
    return runtime


@contextmanager
def audit_log_only(settings: Settings) -> Iterator[AuditLog]:
    """The configured store's audit log, read-only, for ``audit verify`` beside a serving instance.

    Neo4j: the store is connected (cheap) and asked for its log. Embedded: the log in ``data_dir`` is
    opened without loading the store (which could take a while on a large one).
    """
    if settings.uses_neo4j:
        with open_runtime(settings, read_only=True) as runtime:
            yield runtime.audit
        return
    from graph_service.store.memory import MemoryStore

    log = MemoryStore.audit_log_in(settings.data_dir, read_only=True)
    try:
        yield log
    finally:
        log.close()


@contextmanager
def open_runtime(
    settings: Settings, *, store: GraphStore | None = None, read_only: bool = False
) -> Iterator[Runtime]:
    """:func:`bootstrap` as a context manager that closes what it opened (for CLI commands)."""
    runtime = bootstrap(settings, store=store, read_only=read_only)
    try:
        yield runtime
    finally:
        runtime.close()
