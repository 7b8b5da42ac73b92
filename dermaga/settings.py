"""Configuration from DERMAGA_* environment variables, with safe demo defaults."""

from __future__ import annotations

import enum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEMO_SECRET = "dermaga-demo-secret-do-not-use-in-production-0123456789"


# Credentials of the outside systems whose defaults only fit the simulators.
DEMO_CREDENTIALS = (
    "finance_api_key",
    "finance_webhook_secret",
    "vessels_api_key",
    "terminal_api_key",
)


# The outside systems' addresses: a default is the simulator's loopback port,
# unset means the feed is not synced; neither serves a real port.
OUTSIDE_SYSTEMS = ("finance_url", "vessels_url", "terminal_url")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["auto", "json", "console"]


class Environment(enum.StrEnum):
    DEMO = "demo"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """The settings cannot start a safe server."""


class Settings(BaseSettings):
    """Every knob of a Dermaga process; see the README for the full table."""

    model_config = SettingsConfigDict(env_prefix="DERMAGA_", extra="ignore")

    env: Environment = Environment.DEMO
    database_url: str | None = None
    broadcast_url: str = "memory://"
    secret_key: SecretStr | None = None
    data_dir: Path = Path("var")
    # Where GraphiQL's scripts are fetched from when unpkg.com is out of reach
    # (dermaga fetch-graphiql, and the demo at start); a mirror works too.
    npm_registry: str = "https://registry.npmjs.org"
    token_ttl_minutes: int = Field(default=12 * 60, gt=0)
    cors_origins: Annotated[list[str], NoDecode] = [
        "http://localhost:5173",
        "http://127.0.0.1:5173",
    ]
    log_format: LogFormat = "auto"
    log_level: LogLevel = "INFO"
    # SQL statement parameters in engine errors and logs carry customer data;
    # shown only when someone debugging asks for them.
    log_sql_parameters: bool = False

    max_query_depth: PositiveInt = 12
    max_query_tokens: PositiveInt = 4000
    max_aliases: PositiveInt = 20
    max_page_size: PositiveInt = 100
    max_subscriptions_per_socket: PositiveInt = 20
    max_request_bytes: PositiveInt = 1024 * 1024
    graceful_shutdown_seconds: NonNegativeInt = 10
    ws_ping_interval_seconds: PositiveFloat = 20.0
    # The cycle collector's policy (dermaga/collector.py): freeze what
    # survives every few seconds, collect everything in full rarely.
    gc_settle_seconds: PositiveFloat = 1.0
    gc_reclaim_minutes: PositiveFloat = 10.0

    # Pre-service: the finance system (Praya), uploads and download links.
    finance_url: str = "http://127.0.0.1:8710"
    finance_api_key: SecretStr = SecretStr("demo-praya-api-key")
    finance_webhook_secret: SecretStr = SecretStr("demo-praya-webhook-secret")
    finance_timeout_seconds: float = Field(default=5.0, gt=0)
    finance_attempts: int = Field(default=3, ge=1)
    reconcile_interval_seconds: float = Field(default=60.0, gt=0)
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    download_link_ttl_seconds: int = Field(default=300, gt=0)

    # Service: the vessel system (Phinnisi), the terminal feed, live updates.
    # A feed without a URL is not synced (tests drive the syncs themselves).
    vessels_url: str | None = None
    vessels_api_key: SecretStr = SecretStr("phinnisi-sim-key")
    terminal_url: str | None = None
    terminal_api_key: SecretStr = SecretStr("terminal-sim-key")
    vessel_poll_seconds: float = Field(default=5.0, gt=0)
    terminal_poll_seconds: float = Field(default=5.0, gt=0)
    sync_max_backoff_seconds: float = Field(default=60.0, gt=0)
    sync_stale_seconds: float = Field(default=120.0, gt=0)
    sync_page_size: int = Field(default=500, ge=1, le=1000)
    sync_attempts: int = Field(default=3, ge=1)
    broadcast_prefix: str = "dermaga:"
    subscriber_queue_size: int = Field(default=256, ge=1)

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _normalise_case(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            return value.upper() if info.field_name == "log_level" else value.lower()
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # A comma-separated list reads better in an environment than JSON.
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @property
    def signing_key(self) -> str:
        """The key that signs bearer tokens and download links."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self.env is Environment.PRODUCTION:
            raise ConfigurationError(
                "DERMAGA_SECRET_KEY is required when DERMAGA_ENV=production"
            )
        return DEMO_SECRET

    def check(self) -> list[str]:
        """Refuse unsafe production settings; return warnings for demo mode."""
        warnings: list[str] = []
        if self.secret_key is None:
            if self.env is Environment.PRODUCTION:
                raise ConfigurationError(
                    "DERMAGA_SECRET_KEY is required when DERMAGA_ENV=production"
                )
            warnings.append("DERMAGA_SECRET_KEY is unset: using the public demo key")
        elif len(self.secret_key.get_secret_value()) < 32:
            raise ConfigurationError("DERMAGA_SECRET_KEY must be 32 characters or more")
        demo_credentials = [
            name
            for name in DEMO_CREDENTIALS
            if getattr(self, name) == type(self).model_fields[name].default
        ]
        if demo_credentials and self.env is Environment.PRODUCTION:
            names = ", ".join(f"DERMAGA_{n.upper()}" for n in demo_credentials)
            raise ConfigurationError(f"set real values for {names} in production")
        if self.env is Environment.PRODUCTION:
            self._check_outside_systems()
        return warnings

    def _check_outside_systems(self) -> None:
        simulated = [
            name
            for name in OUTSIDE_SYSTEMS
            if getattr(self, name) in (None, type(self).model_fields[name].default)
        ]
        if simulated:
            names = ", ".join(f"DERMAGA_{n.upper()}" for n in simulated)
            raise ConfigurationError(
                f"set {names} to the real systems in production "
                "(the defaults are the demo's simulators, or no sync at all)"
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
