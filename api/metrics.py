"""Prometheus metrics of one app, in a registry of its own.

A registry per app (not the process-global default) lets tests call ``create_app`` many times without
"Duplicated timeseries" errors, and keeps two apps in one process from mixing their counts.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

# Request latencies of interest run from a few milliseconds (a cached check) to seconds (a deep explore).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

UNMATCHED_ROUTE = "<unmatched>"


class Metrics:
    """Request counts and latencies by route template, and store failures."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "graph_service_requests",
            "HTTP requests served, by method, route template and status",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "graph_service_request_duration_seconds",
            "Time to serve an HTTP request, by method and route template",
            ("method", "route"),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.store_errors = Counter(
            "graph_service_store_errors",
            "Requests that failed because the graph store (or the audit log) was unavailable",
            registry=self.registry,
        )
        # (method, route, status) -> its counter and histogram children: ``labels()`` validates and looks
        # them up under a lock on every call (~5 us of a check's ~0.3 ms); the children never change.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one served request. ``route`` is the template (``/v1/subjects/{id}``), never the path."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)
