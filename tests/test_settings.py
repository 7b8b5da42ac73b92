"""Settings: safe demo defaults, refusals in production."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from dermaga.settings import ConfigurationError, Environment, Settings

STRONG = SecretStr("a-production-secret-of-sufficient-length-42")
REAL = {
    "finance_api_key": SecretStr("real-praya-key"),
    "finance_webhook_secret": SecretStr("real-praya-webhook-secret"),
    "vessels_api_key": SecretStr("real-phinnisi-key"),
    "terminal_api_key": SecretStr("real-terminal-key"),
}
SYSTEMS: dict[str, Any] = {
    "finance_url": "https://praya.example.id",
    "vessels_url": "https://phinnisi.example.id",
    "terminal_url": "https://feed.koja.example.id",
}


def test_demo_mode_warns_about_a_missing_secret_and_still_starts() -> None:
    warnings = Settings(env=Environment.DEMO).check()

    assert warnings == ["DERMAGA_SECRET_KEY is unset: using the public demo key"]


def test_production_refuses_a_missing_secret() -> None:
    with pytest.raises(ConfigurationError, match="DERMAGA_SECRET_KEY is required"):
        Settings(env=Environment.PRODUCTION, **REAL).check()  # type: ignore[arg-type]


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ConfigurationError, match="32 characters"):
        Settings(
            env=Environment.PRODUCTION,
            secret_key=SecretStr("short"),
            **REAL,  # type: ignore[arg-type]
        ).check()


def test_production_refuses_the_simulators_credentials() -> None:
    with pytest.raises(ConfigurationError, match="DERMAGA_FINANCE_WEBHOOK_SECRET"):
        Settings(env=Environment.PRODUCTION, secret_key=STRONG).check()


def test_production_with_real_values_starts_clean() -> None:
    settings = Settings(
        env=Environment.PRODUCTION,
        secret_key=STRONG,
        **REAL,  # type: ignore[arg-type]
        **SYSTEMS,
    )

    assert settings.check() == []


def test_cors_origins_read_as_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DERMAGA_CORS_ORIGINS", "https://app.example.id, https://b.id")

    assert Settings().cors_origins == ["https://app.example.id", "https://b.id"]


@pytest.mark.parametrize("left", ["finance_url", "vessels_url", "terminal_url"])
def test_production_refuses_the_simulator_addresses(left: str) -> None:
    systems = {k: v for k, v in SYSTEMS.items() if k != left}

    with pytest.raises(ConfigurationError, match=f"DERMAGA_{left.upper()}"):
        Settings(
            env=Environment.PRODUCTION,
            secret_key=STRONG,
            **REAL,  # type: ignore[arg-type]
            **systems,
        ).check()


def test_demo_mode_keeps_the_simulator_addresses() -> None:
    assert Settings(env=Environment.DEMO).check() == [
        "DERMAGA_SECRET_KEY is unset: using the public demo key"
    ]


def test_an_unknown_log_level_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DERMAGA_LOG_LEVEL", "LOUD")

    with pytest.raises(ValidationError, match="log_level"):
        Settings()


def test_log_level_and_format_are_read_in_any_case(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DERMAGA_LOG_LEVEL", "debug")
    monkeypatch.setenv("DERMAGA_LOG_FORMAT", "JSON")

    settings = Settings()

    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")


def test_an_unknown_log_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERMAGA_LOG_FORMAT", "xml")

    with pytest.raises(ValidationError, match="log_format"):
        Settings()


@pytest.mark.parametrize(
    "name",
    [
        "MAX_PAGE_SIZE",
        "MAX_QUERY_DEPTH",
        "MAX_QUERY_TOKENS",
        "MAX_ALIASES",
        "MAX_SUBSCRIPTIONS_PER_SOCKET",
        "MAX_REQUEST_BYTES",
        "WS_PING_INTERVAL_SECONDS",
    ],
)
def test_counts_and_sizes_must_be_positive(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(f"DERMAGA_{name}", "0")

    with pytest.raises(ValidationError, match=name.lower()):
        Settings()


def test_sql_parameters_stay_out_of_logs_unless_asked() -> None:
    assert Settings().log_sql_parameters is False
