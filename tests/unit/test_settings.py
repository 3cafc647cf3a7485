"""Settings refuse what would run insecurely or not at all, and say which variable to fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from graph_service.config import Settings
from graph_service.neo4j_local import LauncherError, LaunchOptions


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees only the GRAPH_SERVICE_* variables it sets itself."""
    for name in list(os.environ):
        if name.startswith("GRAPH_SERVICE_"):
            monkeypatch.delenv(name)


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return "; ".join(str(error["msg"]) for error in exc.value.errors())


def test_defaults_select_the_embedded_store_in_development() -> None:
    settings = Settings()
    assert (settings.env, settings.uses_neo4j, settings.neo4j_uri) == ("development", False, None)


@pytest.mark.parametrize("password", [None, ""])
def test_a_neo4j_uri_without_a_password_is_refused(password: str | None) -> None:
    with pytest.raises(ValidationError) as exc:
        Settings(neo4j_uri="bolt://127.0.0.1:7687", neo4j_password=password)
    assert "GRAPH_SERVICE_NEO4J_PASSWORD must not be empty" in errors_of(exc), errors_of(exc)


def test_an_empty_password_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPH_SERVICE_NEO4J_URI", "neo4j://db.internal:7687")
    monkeypatch.setenv("GRAPH_SERVICE_NEO4J_PASSWORD", "")
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert "GRAPH_SERVICE_NEO4J_PASSWORD" in errors_of(exc), errors_of(exc)


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:7474", "127.0.0.1:7687", "bolt+x://h:7687", "BOLT://h:7687"]
)
def test_a_uri_with_another_scheme_is_refused_and_quoted(uri: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Settings(neo4j_uri=uri, neo4j_password="secret-password")
    message = errors_of(exc)
    assert "GRAPH_SERVICE_NEO4J_URI must use bolt://" in message and repr(uri) in message, message


@pytest.mark.parametrize("uri", ["bolt://h:7687", "neo4j://h", "neo4j+s://h:7687", "bolt+ssc://h:7687"])
def test_bolt_and_routing_uris_with_tls_variants_are_accepted(uri: str) -> None:
    settings = Settings(neo4j_uri=uri, neo4j_password="secret-password")
    assert settings.uses_neo4j and settings.neo4j_uri == uri, settings


# Python's \d also matches full-width digits, which a GB/T 2260 code never has.
FULL_WIDTH = "４３０９２３"


@pytest.mark.parametrize("region", ["43092", "4309231", "43092a", "", FULL_WIDTH])
def test_region_must_be_six_ascii_digits(region: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Settings(region=region)
    assert "GRAPH_SERVICE_REGION must be a 6-digit" in errors_of(exc) and repr(region) in errors_of(exc)


def test_region_is_read_from_the_prefixed_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPH_SERVICE_REGION", "110101")
    assert Settings().region == "110101"


def test_production_without_api_keys_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPH_SERVICE_ENV", "production")
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert "GRAPH_SERVICE_API_KEYS must be set in production" in errors_of(exc), errors_of(exc)


def test_production_with_an_api_key_from_json_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPH_SERVICE_ENV", "production")
    monkeypatch.setenv("GRAPH_SERVICE_API_KEYS", '{"k-123": {"role": "approval", "name": "审批系统"}}')
    settings = Settings()
    assert settings.api_keys["k-123"].role == "approval", settings.api_keys


@pytest.mark.parametrize("size", ["512m", "2g", "2G", "64k", "1048576"])
def test_memory_sizes_with_a_unit_suffix_or_plain_bytes_are_accepted(size: str) -> None:
    settings = Settings(neo4j_heap=size, neo4j_pagecache=size)
    assert (settings.neo4j_heap, settings.neo4j_pagecache) == (size, size)


@pytest.mark.parametrize("size", ["512 m", "1.5g", "512MB", "-1m", "", "m"])
@pytest.mark.parametrize("field", ["neo4j_heap", "neo4j_pagecache"])
def test_malformed_memory_sizes_are_refused(field: str, size: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Settings.model_validate({field: size})
    assert f"memory size must look like 512m or 2g, got {size!r}" in errors_of(exc), errors_of(exc)


@pytest.mark.parametrize("port", ["0", "65536", "seven"])
def test_bolt_port_outside_the_tcp_range_is_refused(monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    monkeypatch.setenv("GRAPH_SERVICE_NEO4J_BOLT_PORT", port)
    with pytest.raises(ValidationError) as exc:
        Settings()
    assert exc.value.errors()[0]["loc"] == ("neo4j_bolt_port",), exc.value.errors()


def test_launcher_jars_default_to_the_home_lib_and_can_be_shared(tmp_path: Path) -> None:
    own = LaunchOptions.from_settings(Settings(neo4j_home=tmp_path / "home"))
    shared = LaunchOptions.from_settings(
        Settings(neo4j_home=tmp_path / "home", neo4j_lib_dir=tmp_path / "jars")
    )
    assert (own.lib_dir, shared.lib_dir) == (tmp_path / "home" / "lib", tmp_path / "jars")


def test_launcher_without_a_password_names_the_variable_to_set() -> None:
    options = LaunchOptions.from_settings(Settings())
    with pytest.raises(LauncherError) as exc:
        options.require_password()
    assert "GRAPH_SERVICE_NEO4J_PASSWORD is not set" in exc.value.detail, exc.value.detail


def test_launcher_refuses_a_password_neo4j_would_reject_without_echoing_it() -> None:
    options = LaunchOptions.from_settings(Settings(neo4j_password="short7!"))
    with pytest.raises(LauncherError) as exc:
        options.require_password()
    assert "at least 8 characters, got 7" in exc.value.detail and "short7!" not in exc.value.detail
