"""Settings: safe demo defaults, refusals in production."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from dermaga.settings import ConfigurationError, Environment, Settings

STRONG = SecretStr("a-production-secret-of-sufficient-length-42")
REAL = {
    "finance_api_key": SecretStr("real-praya-key"),
    "finance_webhook_secret": SecretStr("real-praya-webhook-secret"),
    "vessels_api_key": SecretStr("real-phinnisi-key"),
    "terminal_api_key": SecretStr("real-terminal-key"),
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
    settings = Settings(env=Environment.PRODUCTION, secret_key=STRONG, **REAL)  # type: ignore[arg-type]

    assert settings.check() == []


def test_cors_origins_read_as_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DERMAGA_CORS_ORIGINS", "https://app.example.id, https://b.id")

    assert Settings().cors_origins == ["https://app.example.id", "https://b.id"]
