# The graph_service API. Used by docker-compose.yml next to the official Neo4j image; on its own it runs
# on the embedded store under /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what the package needs (see [tool.setuptools] in pyproject.toml): the layer is rebuilt when code changes.
COPY pyproject.toml README.md ./
COPY graph_service ./graph_service
COPY cypher ./cypher
COPY loaders ./loaders
COPY api ./api
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin graph \
    && mkdir -p /data \
    && chown graph /data

USER graph
ENV GRAPH_SERVICE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000

# 0.0.0.0 inside the container only; docker-compose.yml publishes the port on the host's loopback.
CMD ["graph-service", "serve", "--host", "0.0.0.0", "--port", "8000"]
