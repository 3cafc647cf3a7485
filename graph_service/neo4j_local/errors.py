"""Errors of the local launcher; both are part of the service's one error tree."""

from __future__ import annotations

from graph_service.errors import GraphServiceError


class LauncherError(GraphServiceError):
    """The local Neo4j could not be started or stopped; ``detail`` says why and what to do."""

    status = 503
    title = "Local Neo4j launcher error"


class PrerequisiteMissing(LauncherError):
    """Java, the Neo4j jars or Maven are missing, so the local server cannot run on this machine at all.

    Kept apart from :class:`LauncherError` so that tests can skip (rather than fail) on machines without Java.
    """
