"""graph_service: a credit knowledge graph for joint reward and punishment (守信联合激励和失信联合惩戒)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("graph-service")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
