"""Passwords (argon2id), signed bearer tokens (JWT, HS256) and API key secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.models.identity import Role

_hasher = PasswordHasher()
# Verifying against this keeps the time of an unknown email close to a known one.
_DUMMY_HASH = _hasher.hash("not a real password")
TOKEN_ALGORITHM = "HS256"
TOKEN_AUDIENCE = "dermaga"
API_KEY_PREFIX = "dmg"


class InvalidTokenError(Exception):
    """A bearer token that is malformed, forged or expired."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    organisation_id: uuid.UUID
    roles: frozenset[Role]
    expires_at: datetime


def issue_token(
    key: str,
    *,
    user_id: uuid.UUID,
    organisation_id: uuid.UUID,
    roles: frozenset[Role],
    ttl: timedelta,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """Sign a bearer token; return it with its expiry (UTC)."""
    issued = now or datetime.now(UTC)
    expires = issued + ttl
    payload = {
        "sub": str(user_id),
        "org": str(organisation_id),
        "roles": sorted(role.value for role in roles),
        "aud": TOKEN_AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(payload, key, algorithm=TOKEN_ALGORITHM), expires


def read_token(key: str, token: str) -> TokenClaims:
    """Check signature, audience and expiry; no database is needed."""
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[TOKEN_ALGORITHM],
            audience=TOKEN_AUDIENCE,
            options={"require": ["exp", "sub", "org", "roles"]},
        )
        return TokenClaims(
            user_id=uuid.UUID(payload["sub"]),
            organisation_id=uuid.UUID(payload["org"]),
            roles=frozenset(Role(role) for role in payload["roles"]),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as error:
        raise InvalidTokenError(str(error)) from error


@dataclass(frozen=True, slots=True)
class ApiKeySecret:
    """A freshly made key: `plaintext` is shown once and never stored."""

    prefix: str
    plaintext: str
    digest: str


def new_api_key() -> ApiKeySecret:
    prefix = secrets.token_hex(6)
    plaintext = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return ApiKeySecret(prefix=prefix, plaintext=plaintext, digest=digest(plaintext))


def split_api_key(plaintext: str) -> str | None:
    """The lookup prefix of a presented key, or None if it is not one of ours."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or len(parts[1]) != 12:
        return None
    return parts[1]


def digest(plaintext: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is enough to store them.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def digests_match(stored: str, plaintext: str) -> bool:
    return hmac.compare_digest(stored, digest(plaintext))
