"""What one running app holds: settings, store, audit log, catalog, key ring and metrics.

Kept on ``app.state.ctx`` and reached by handlers only through the dependencies in :mod:`api.deps`.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.auth import KeyRing
from api.metrics import Metrics
from graph_service.audit import AuditLog
from graph_service.config import Settings
from graph_service.domain.measures import Catalog
from graph_service.store.base import GraphStore


@dataclass
class AppContext:
    """The app's resources. ``owns_*`` say which ones the app opened and so must close at shutdown.

    ``settings.api_keys`` is emptied here: after startup the keys exist only as hashes in ``keys``.
    """

    settings: Settings
    store: GraphStore
    audit: AuditLog
    catalog: Catalog
    keys: KeyRing
    metrics: Metrics
    owns_store: bool = True
    owns_audit: bool = True

    def close(self) -> None:
        """Flush and close the audit log first (it may share the store's driver), then the store."""
        if self.owns_audit:
            self.audit.close()
        if self.owns_store:
            self.store.close()
