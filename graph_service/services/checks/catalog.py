"""Loading the measures catalog: the packaged default, or a county's own file."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import ValidationError

from graph_service.domain.measures import Catalog
from graph_service.errors import InvalidInput


def parse_catalog(text: str, origin: str) -> Catalog:
    """Validate catalog YAML/JSON text; errors name the file and the failing field."""
    try:
        data = yaml.safe_load(text)
        return Catalog.model_validate(data)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"measures catalog {origin} is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]), "value": err.get("input"), "reason": err["msg"]}
            for err in exc.errors()
        ]
        first = errors[0]
        raise InvalidInput(
            f"measures catalog {origin}: {first['field']}: {first['reason']}", errors=errors
        ) from exc


@cache
def default_catalog() -> Catalog:
    """The catalog shipped with the package (``graph_service/domain/measures.yaml``)."""
    resource = files("graph_service.domain").joinpath("measures.yaml")
    return parse_catalog(resource.read_text(encoding="utf-8"), "measures.yaml (packaged)")


def load_catalog(path: Path | None) -> Catalog:
    """The county's catalog at ``path``, or the packaged default when ``path`` is None."""
    if path is None:
        return default_catalog()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"GRAPH_SERVICE_MEASURES_FILE: cannot read {str(path)!r}: {exc.strerror}") from exc
    return parse_catalog(text, str(path))
