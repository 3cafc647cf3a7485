"""Settings: the only module that reads the environment (prefix ``GRAPH_SERVICE_``)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["public", "approval", "investigator", "initiator", "implementer", "peer", "admin"]


class ApiKeyInfo(BaseModel):
    """Who holds an API key: the role decides what it may call, the name appears in the audit."""

    role: Role
    name: str = Field(min_length=1)


class WebhookTarget(BaseModel):
    """Where an implementing department's task changes are pushed, and the secret that signs them."""

    url: str = Field(
        pattern=r"^https?://\S+$", max_length=2000, examples=["https://scjg.example.gov.cn/hook"]
    )
    secret: SecretStr = Field(description="Shared HMAC-SHA256 key, at least 16 characters")

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("a webhook secret must be at least 16 characters")
        return value


class PeerConfig(BaseModel):
    """A peer deployment whose change feed this one pulls (``graph-service sync --peer NAME``)."""

    url: str = Field(pattern=r"^https?://\S+$", max_length=2000, examples=["https://credit.anhua.example.cn"])
    api_key: SecretStr = Field(description="Our API key (role peer) at the peer")
    secret: SecretStr = Field(description="The HMAC-SHA256 key the peer signs its feed answers to us with")
    region: str | None = Field(
        default=None, pattern=r"^[0-9]{6}$", description="The peer's home region; its feed must say the same"
    )
    relays: list[Annotated[str, Field(pattern=r"^[0-9]{6}$")]] = Field(
        default_factory=list,
        description="Regions whose decisions this peer relays (a province hub): accepted beside its own",
    )

    @property
    def speaks_for(self) -> frozenset[str] | None:
        """The regions this peer's events may come from: its own and those it relays (None: not configured,
        see :mod:`graph_service.domain.peer_trust`)."""
        if self.region is None and not self.relays:
            return None
        own = {self.region} if self.region is not None else set()
        return frozenset(own | set(self.relays))

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("a peer secret must be at least 16 characters")
        return value


class PushTarget(BaseModel):
    """A deployment this one pushes its change feed to (a province hub): ``graph-service push``."""

    url: str = Field(pattern=r"^https?://\S+$", max_length=2000, examples=["https://credit.hunan.example.cn"])
    api_key: SecretStr = Field(description="Our API key (role peer) at the target")
    secret: SecretStr = Field(description="The HMAC-SHA256 key shared with the target: signs pushes and acks")
    full_ids: bool = Field(
        default=False,
        description="The target is cleared (data-sharing agreement) to receive full ID numbers",
    )

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("a push target secret must be at least 16 characters")
        return value


class Settings(BaseSettings):
    """Every setting of the service. Unset ``neo4j_uri`` selects the embedded store under ``data_dir``."""

    model_config = SettingsConfigDict(env_prefix="GRAPH_SERVICE_", extra="ignore")

    env: Literal["development", "production"] = "development"
    region: str = Field(
        default="430923", description="Home region (6-digit GB/T 2260 code) of this deployment"
    )

    # Cross-region linkage (docs/federation.md): peers we pull from, by name, as JSON
    # GRAPH_SERVICE_PEERS='{"<name>": {"url", "api_key", "secret", "region"}}'; and the HMAC secret each
    # peer key that reads our feed gets its answers signed with, by key name (GRAPH_SERVICE_FEED_SECRETS).
    peers: dict[str, PeerConfig] = Field(default_factory=dict)
    feed_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    feed_full_id_peers: list[str] = Field(
        default_factory=list,
        description="Peer key names cleared (data-sharing agreement) to receive full ID numbers in the feed",
    )
    federation_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Keys shared by the federation for person pseudonyms, by key id (docs/federation.md)",
    )
    federation_key_id: str | None = Field(
        default=None, description="The federation key new pseudonyms are made with (one of federation_keys)"
    )
    feed_replay_window_s: int = Field(
        default=300, ge=5, le=3600, description="Oldest (and most future) signed feed answer accepted"
    )
    sync_peers: list[str] = Field(
        default_factory=list, description="Peers the API process itself follows (embedded store: one writer)"
    )
    sync_interval_s: float = Field(
        default=30.0, ge=0.1, description="Seconds between pulls of a followed peer"
    )
    # Pushing our feed (docs/federation.md "Push"): GRAPH_SERVICE_PUSH_TARGETS='{"<name>": {"url",
    # "api_key", "secret"}}'; the API pushes to every target in the background.
    push_targets: dict[str, PushTarget] = Field(default_factory=dict)
    push_interval_s: float = Field(
        default=30.0, ge=0.1, description="Seconds between pushes to a target once it has everything"
    )
    push_retries: int = Field(
        default=5, ge=0, le=100, description="Retries of a page while the target is down, then a dead letter"
    )
    push_dead_letter_pause_s: float = Field(
        default=3600.0, ge=0.1, description="Pause of the background pusher after a dead letter"
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
    max_upload_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1, description="Largest export a department may upload (POST /v1/loads)"
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
    commitment_breach_list: Literal["watch", "black"] = Field(
        default="watch", description="The list a breached 容缺受理 commitment goes on (docs/workflow.md)"
    )
    # Webhook push of tasks (docs/workflow.md): GRAPH_SERVICE_WEBHOOKS='{"<department>": {"url", "secret"}}'
    webhooks: dict[str, WebhookTarget] = Field(default_factory=dict)
    webhook_max_attempts: int = Field(default=12, ge=1, le=100, description="Failures before a dead letter")
    webhook_backoff_s: float = Field(default=60.0, gt=0, description="Wait after the first failure, doubled")
    webhook_backoff_cap_s: float = Field(default=21600.0, gt=0, description="Longest wait between attempts")
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    workflow_worker_interval_s: float = Field(
        default=10.0, ge=0, description="Seconds between API worker ticks (pushes, daily expiry); 0 = off"
    )

    @field_validator("region")
    @classmethod
    def _region_is_six_digits(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9]{6}", value):
            raise ValueError(f"GRAPH_SERVICE_REGION must be a 6-digit GB/T 2260 code, got {value!r}")
        return value

    @field_validator("feed_secrets")
    @classmethod
    def _feed_secrets_long_enough(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        short = sorted(name for name, secret in value.items() if len(secret.get_secret_value()) < 16)
        if short:
            raise ValueError(f"GRAPH_SERVICE_FEED_SECRETS: secrets of {short} are shorter than 16 characters")
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
        if self.federation_keys and self.federation_key_id not in self.federation_keys:
            raise ValueError(
                f"GRAPH_SERVICE_FEDERATION_KEY_ID must name one of GRAPH_SERVICE_FEDERATION_KEYS "
                f"{sorted(self.federation_keys)}, got {self.federation_key_id!r}"
            )
        short_keys = sorted(k for k, v in self.federation_keys.items() if len(v.get_secret_value()) < 32)
        if short_keys:
            raise ValueError(
                f"GRAPH_SERVICE_FEDERATION_KEYS: keys {short_keys} are shorter than 32 characters"
            )
        unknown = sorted(set(self.sync_peers) - set(self.peers))
        if unknown:
            raise ValueError(
                f"GRAPH_SERVICE_SYNC_PEERS names {unknown}, which GRAPH_SERVICE_PEERS does not define"
            )
        plain = sorted(name for name, peer in self.peers.items() if not peer.url.startswith("https://"))
        if self.env == "production" and plain:
            raise ValueError(
                f"GRAPH_SERVICE_PEERS: peers {plain} use http://; in production feeds carry personal data "
                "and must travel over https://"
            )
        plain_push = sorted(n for n, t in self.push_targets.items() if not t.url.startswith("https://"))
        if self.env == "production" and plain_push:
            raise ValueError(
                f"GRAPH_SERVICE_PUSH_TARGETS: targets {plain_push} use http://; in production feeds carry "
                "personal data and must travel over https://"
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
