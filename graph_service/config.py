"""Settings: the only module that reads the environment (prefix ``GRAPH_SERVICE_``)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["public", "approval", "investigator", "initiator", "implementer", "peer", "admin"]


class ApiKeyInfo(BaseModel):
    """Who holds an API key: the role decides what it may call, the name appears in the audit."""

    role: Role
    name: str = Field(min_length=1)


class Settings(BaseSettings):
    """Every setting of the service. Unset ``neo4j_uri`` selects the embedded store under ``data_dir``."""

    model_config = SettingsConfigDict(env_prefix="GRAPH_SERVICE_", extra="ignore")

    env: Literal["development", "production"] = "development"
    region: str = Field(
        default="430923", description="Home region (6-digit GB/T 2260 code) of this deployment"
    )

    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    neo4j_timeout_s: float = Field(default=10.0, gt=0)

    data_dir: Path = Path("./data")

    # The local launcher (graph-service neo4j start|stop|status)
    neo4j_home: Path = Path("./.neo4j")
    neo4j_bolt_port: int = Field(default=7687, ge=1, le=65535)
    neo4j_http_port: int | None = Field(default=None, ge=1, le=65535)
    neo4j_heap: str = "512m"
    neo4j_pagecache: str = "256m"
    neo4j_start_timeout_s: float = Field(default=120.0, gt=0)
    neo4j_lib_dir: Path | None = Field(
        default=None, description="Neo4j jars; unset means <neo4j_home>/lib (a temp home may share jars)"
    )
    neo4j_java: str = Field(default="java", description="Java 17 or 21 executable that runs the local Neo4j")
    neo4j_pom: Path = Field(
        default=Path("tools/neo4j/pom.xml"), description="Maven descriptor used to download the Neo4j jars"
    )

    api_keys: dict[str, ApiKeyInfo] = Field(default_factory=dict)
    public_anonymous: bool = False
    measures_file: Path | None = None
    fan_out_limit: int = Field(default=200, ge=1, le=100_000)
    max_body_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1, description="Largest request body the API reads"
    )
    rate_limit_per_minute: int = Field(
        default=600, ge=0, description="Requests per minute allowed to each API key (token bucket); 0 = off"
    )
    ubo_threshold: float = Field(
        default=0.25, gt=0, le=1, description="Effective stake from which a person is a beneficial owner"
    )
    nominee_threshold: int = Field(
        default=20, ge=2, description="Legal-representative roles at or above which a person may be a nominee"
    )
    feedback_day_of_month: int = Field(
        default=22, ge=1, le=31, description="Task feedback is due by this day of the month after creation"
    )
    dispute_days: int = Field(
        default=20, ge=1, le=365, description="Days the initiator has to verify a dispute"
    )

    @field_validator("region")
    @classmethod
    def _region_is_six_digits(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9]{6}", value):
            raise ValueError(f"GRAPH_SERVICE_REGION must be a 6-digit GB/T 2260 code, got {value!r}")
        return value

    @field_validator("neo4j_heap", "neo4j_pagecache")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9]+[kmgKMG]?", value):
            raise ValueError(f"memory size must look like 512m or 2g, got {value!r}")
        return value

    @model_validator(mode="after")
    def _refuse_insecure(self) -> Settings:
        if self.neo4j_uri and not (self.neo4j_password and self.neo4j_password.get_secret_value()):
            raise ValueError(
                "GRAPH_SERVICE_NEO4J_PASSWORD must not be empty when GRAPH_SERVICE_NEO4J_URI is set"
            )
        if self.neo4j_uri and not re.match(r"^(neo4j|bolt)(\+s|\+ssc)?://", self.neo4j_uri):
            raise ValueError(
                f"GRAPH_SERVICE_NEO4J_URI must use bolt://, neo4j:// (routing) or their +s/+ssc forms, "
                f"got {self.neo4j_uri!r}"
            )
        if self.env == "production" and not self.api_keys:
            raise ValueError("GRAPH_SERVICE_API_KEYS must be set in production (no anonymous service)")
        return self

    @property
    def uses_neo4j(self) -> bool:
        return bool(self.neo4j_uri)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
