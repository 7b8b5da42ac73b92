"""Sign-in, bearer tokens and API keys, through the GraphQL API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from dermaga.cli import app as cli
from dermaga.settings import Settings
from domain import credentials
from domain.models.identity import Role
from tests.support.factories import PASSWORD, SIGN_IN, Factory
from tests.support.graphql import GraphQLClient, error_codes

VIEWER = "{ viewer { id kind roles isStaff organisation { id name } user { email } } }"
CREATE_KEY = """
mutation($name: String!) {
  createApiKey(input: {name: $name}) {
    secret apiKey { id prefix revokedAt } userErrors { field code message }
  }
}
"""
REVOKE_KEY = """
mutation($id: ID!) {
  revokeApiKey(input: {id: $id}) { apiKey { id revokedAt } userErrors { code } }
}
"""


async def test_sign_in_returns_a_token_that_identifies_the_user(
    factory: Factory,
) -> None:
    member = await factory.member()

    data = await member.client.data(VIEWER)

    assert data["viewer"]["kind"] == "USER"
    assert data["viewer"]["roles"] == ["CUSTOMER"]
    assert data["viewer"]["isStaff"] is False
    assert data["viewer"]["user"]["email"] == member.email


async def test_sign_in_is_case_insensitive_on_email_and_says_when_it_expires(
    factory: Factory, client: GraphQLClient
) -> None:
    member = await factory.member()

    data = await client.data(
        SIGN_IN, {"email": member.email.upper(), "password": PASSWORD}
    )

    expires = datetime.fromisoformat(data["signIn"]["expiresAt"])
    assert expires.tzinfo is not None
    assert timedelta(hours=11) < expires - datetime.now(UTC) <= timedelta(hours=12)


@pytest.mark.parametrize("password", ["wrong-password-123", ""])
async def test_a_wrong_password_is_a_user_error(
    factory: Factory, client: GraphQLClient, password: str
) -> None:
    member = await factory.member()

    data = await client.data(SIGN_IN, {"email": member.email, "password": password})

    assert data["signIn"]["token"] is None
    assert [e["code"] for e in data["signIn"]["userErrors"]] == ["INVALID_CREDENTIALS"]


async def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(
    client: GraphQLClient, factory: Factory
) -> None:
    data = await client.data(
        SIGN_IN, {"email": "nobody@example.id", "password": "x" * 12}
    )

    assert [e["code"] for e in data["signIn"]["userErrors"]] == ["INVALID_CREDENTIALS"]


async def test_an_expired_or_forged_token_is_refused(
    factory: Factory, client: GraphQLClient, settings: Settings
) -> None:
    member = await factory.member()
    expired, _ = credentials.issue_token(
        settings.signing_key,
        user_id=member.user_id,
        organisation_id=member.organisation_id,
        roles=frozenset({Role.CUSTOMER}),
        ttl=timedelta(minutes=5),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    forged, _ = credentials.issue_token(
        "another-key-of-sufficient-length-000000000",
        user_id=member.user_id,
        organisation_id=member.organisation_id,
        roles=frozenset({Role.ADMIN}),
        ttl=timedelta(minutes=5),
    )

    for token in (expired, forged):
        body = await client.as_(token).raw("{ viewer { id } apiKeys { totalCount } }")
        assert body["data"] is None or body["data"]["viewer"] is None
        assert error_codes(body) == ["UNAUTHENTICATED"]
        assert "sign in again" in body["errors"][0]["message"]


async def test_an_api_key_is_shown_once_works_as_a_bearer_token_and_can_be_revoked(
    factory: Factory, client: GraphQLClient
) -> None:
    member = await factory.member()

    created = await member.client.mutate(CREATE_KEY, {"name": "ERP link"})
    secret = created["secret"]
    partner = client.as_(secret)
    viewer = (await partner.data(VIEWER))["viewer"]
    listed = await member.client.data("{ apiKeys { edges { node { id prefix } } } }")
    await member.client.mutate(REVOKE_KEY, {"id": created["apiKey"]["id"]})
    after = await partner.raw(VIEWER)

    assert secret.startswith("dmg_")
    assert viewer["kind"] == "API_KEY"
    assert viewer["id"] == created["apiKey"]["id"]
    assert viewer["organisation"]["id"] is not None
    assert (
        listed["apiKeys"]["edges"][0]["node"]["prefix"] == created["apiKey"]["prefix"]
    )
    assert "secret" not in str(listed)
    assert error_codes(after) == []
    assert after["data"]["viewer"] is None


async def test_a_key_revokes_itself_but_not_its_organisations_other_keys(
    factory: Factory, client: GraphQLClient
) -> None:
    member = await factory.member()
    first = await member.client.mutate(CREATE_KEY, {"name": "ERP"})
    second = await member.client.mutate(CREATE_KEY, {"name": "TMS"})
    leaked = client.as_(first["secret"])

    other = await leaked.data(REVOKE_KEY, {"id": second["apiKey"]["id"]})
    itself = await leaked.data(REVOKE_KEY, {"id": first["apiKey"]["id"]})

    assert other["revokeApiKey"]["apiKey"] is None
    assert [e["code"] for e in other["revokeApiKey"]["userErrors"]] == ["FORBIDDEN"]
    assert itself["revokeApiKey"]["apiKey"]["revokedAt"] is not None
    still = await client.as_(second["secret"]).data(VIEWER)
    assert still["viewer"]["kind"] == "API_KEY"


async def test_a_key_with_a_tampered_secret_is_refused(
    factory: Factory, client: GraphQLClient
) -> None:
    member = await factory.member()
    secret = (await member.client.mutate(CREATE_KEY, {"name": "k"}))["secret"]

    body = await client.as_(secret[:-4] + "AAAA").raw("{ apiKeys { totalCount } }")

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_an_empty_key_name_is_a_user_error_with_its_field(
    factory: Factory,
) -> None:
    member = await factory.member()

    data = await member.client.data(CREATE_KEY, {"name": "  "})

    errors = data["createApiKey"]["userErrors"]
    assert errors == [
        {"field": ["input", "name"], "code": "INVALID", "message": errors[0]["message"]}
    ]
    assert data["createApiKey"]["apiKey"] is None


async def test_a_user_made_with_the_cli_can_sign_in(
    settings: Settings,
    client: GraphQLClient,
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DERMAGA_DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("DERMAGA_NEW_USER_PASSWORD", "cli-made-password")
    from dermaga.settings import get_settings

    get_settings.cache_clear()
    try:
        # The CLI runs its own event loop, so it gets a thread of its own.
        result = await asyncio.to_thread(
            CliRunner().invoke,
            cli,
            [
                "create-user",
                "--email",
                "Ops@Terminal.id",
                "--name",
                "Ops",
                "--organisation",
                "Terminal",
                "--kind",
                "TERMINAL_OPERATOR",
                "--role",
                "OPERATOR",
            ],
        )
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    data = await client.data(
        SIGN_IN, {"email": "ops@terminal.id", "password": "cli-made-password"}
    )
    assert data["signIn"]["token"]
    assert data["signIn"]["userErrors"] == []
