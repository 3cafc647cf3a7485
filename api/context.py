"""What one running app holds: the runtime from the composition root, the key ring and the metrics.

Kept on ``app.state.ctx`` and reached by handlers only through the dependencies in :mod:`api.deps`.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.auth import KeyRing
from api.metrics import Metrics
from graph_service.audit import AuditLog
from graph_service.bootstrap import Runtime
from graph_service.config import Settings
from graph_service.domain.measures import Catalog
from graph_service.services.workflow.state import Policy
from graph_service.store.base import GraphStore


@dataclass
class AppContext:
    """The app's resources: what :func:`graph_service.bootstrap.bootstrap` built, plus the HTTP parts.

    ``settings.api_keys`` is empty here: after startup the keys exist only as hashes in ``keys``.
    """

    runtime: Runtime
    keys: KeyRing
    metrics: Metrics

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def store(self) -> GraphStore:
        return self.runtime.store

    @property
    def audit(self) -> AuditLog:
        return self.runtime.audit

    @property
    def catalog(self) -> Catalog:
        return self.runtime.catalog

    @property
    def policy(self) -> Policy:
        return self.runtime.policy

    def close(self) -> None:
        """Close what the runtime opened: the audit log first (it may share the store's driver)."""
        self.runtime.close()
