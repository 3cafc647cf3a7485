"""A local Neo4j 5.26 server run straight from the Maven jars (``graph-service neo4j start|stop|status``).

No tarball, package manager or Docker: ``tools/neo4j/pom.xml`` pulls the server jars into ``<home>/lib``
once, and :class:`LocalNeo4j` runs ``org.neo4j.server.CommunityEntryPoint`` in the background with a
generated ``neo4j.conf``, a pid file and a log file.
"""

from graph_service.neo4j_local.errors import LauncherError, PrerequisiteMissing
from graph_service.neo4j_local.launcher import LocalNeo4j, StartResult, Status, StopResult
from graph_service.neo4j_local.options import LaunchOptions

__all__ = [
    "LaunchOptions",
    "LauncherError",
    "LocalNeo4j",
    "PrerequisiteMissing",
    "StartResult",
    "Status",
    "StopResult",
]
