"""The store every backend implements: the graph port, the workflow port and the feed port together.

Callers that need only part of it may type their argument with one port
(:class:`~graph_service.store.graph_port.GraphPort`, :class:`~graph_service.store.workflow_port.WorkflowPort`,
:class:`~graph_service.store.feed_port.FeedPort`); a backend implements :class:`GraphStore`.
"""

from __future__ import annotations

import abc

from graph_service.audit.base import AuditLog
from graph_service.store.feed_port import FeedPort
from graph_service.store.graph_port import GraphPort
from graph_service.store.records_port import RecordsPort
from graph_service.store.workflow_port import WorkflowPort


class GraphStore(GraphPort, WorkflowPort, FeedPort, RecordsPort, abc.ABC):
    """A credit graph with its workflow records, its change feed and its commitments, complaints and
    issued reports (:class:`RecordsPort`), in one durable place.

    Every write that changes a list entry also appends to the change feed in the same transaction
    (:class:`FeedPort`), whichever port's method made it.
    """

    @property
    def reads_block(self) -> bool:
        """Whether a read may wait on I/O (a network round trip to a server).

        An async caller runs the reads of a store that blocks in a worker thread, and those of one that
        does not directly on its event loop (no thread hop). True unless the backend knows better.
        """
        return True

    @abc.abstractmethod
    def audit_log(self, *, read_only: bool = False) -> AuditLog:
        """A new audit log kept beside this store, in the same durable place as its data.

        Neo4j: records in the same database (every API replica writes the one chain); embedded: the
        data dir's ``audit.jsonl``, or a list in memory when the store keeps nothing on disk. The caller
        closes it before the store. ``read_only`` opens for query/verify only (no writer, no lock).
        """
