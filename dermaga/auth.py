"""Who sent a request: a bearer token read without the database, or an API key."""

from __future__ import annotations

from collections.abc import Mapping

from domain import credentials
from domain.services.identity import authenticate_api_key
from domain.unit_of_work import Database
from domain.viewer import SYSTEM, PrincipalKind, Viewer

BEARER = "bearer "


class AuthenticationError(Exception):
    """A credential came with the request but is no good."""


def bearer_from(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization")
    return _bearer(value)


def bearer_from_params(params: object) -> str | None:
    """The token in a WebSocket `connection_init` payload, if any."""
    if not isinstance(params, Mapping):
        return None
    value = params.get("authorization") or params.get("Authorization")
    return _bearer(value) if isinstance(value, str) else None


def _bearer(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.lower().startswith(BEARER):
        raise AuthenticationError("the Authorization header must be `Bearer <token>`")
    return value[len(BEARER) :].strip()


async def authenticate(database: Database, key: str, token: str) -> Viewer:
    """A viewer for a signed token (no database) or an API key (one lookup)."""
    if credentials.split_api_key(token) is not None:
        # The reader autocommits, so the key's last use is one round trip.
        async with database.reading(SYSTEM) as session:
            viewer = await authenticate_api_key(session, token)
        if viewer is None:
            raise AuthenticationError("the API key is unknown or revoked")
        return viewer
    try:
        claims = credentials.read_token(key, token)
    except credentials.InvalidTokenError as error:
        raise AuthenticationError(
            "the token is invalid or expired: sign in again"
        ) from error
    return Viewer(
        principal_id=claims.user_id,
        organisation_id=claims.organisation_id,
        roles=claims.roles,
        kind=PrincipalKind.USER,
        expires_at=claims.expires_at,
    )


async def required_viewer(
    database: Database, key: str, token: str | None, missing: str
) -> Viewer:
    """The viewer of a credential that must come; `missing` says how to send it."""
    if token is None:
        raise AuthenticationError(missing)
    return await authenticate(database, key, token)
