"""Use cases of identity: organisations, users, sign-in and partner API keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import credentials, events
from domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from domain.identifiers import Npwp
from domain.models.identity import (
    ApiKey,
    Organisation,
    OrganisationKind,
    Representation,
    Role,
    User,
)
from domain.viewer import PrincipalKind, Viewer

log = structlog.get_logger(__name__)
MIN_PASSWORD_LENGTH = 10
SYSTEM_SCOPE = {"skip_tenancy": True}


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    expires_at: datetime
    user: User


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    api_key: ApiKey
    plaintext: str


async def create_organisation(
    session: AsyncSession, *, name: str, kind: OrganisationKind, npwp: str | None
) -> Organisation:
    """Register an organisation; an NPWP, when given, must be valid and unique."""
    tax_number = Npwp.parse(npwp).value if npwp else None
    if tax_number is not None:
        taken = await session.scalar(
            select(Organisation.id)
            .where(Organisation.npwp == tax_number)
            .execution_options(**SYSTEM_SCOPE)
        )
        if taken is not None:
            raise ConflictError(
                "an organisation with this NPWP exists",
                code="NPWP_TAKEN",
                field=("npwp",),
            )
    organisation = Organisation(name=name.strip(), kind=kind, npwp=tax_number)
    session.add(organisation)
    await session.flush()
    log.info("organisation.created", organisation_id=str(organisation.id))
    return organisation


async def find_or_create_organisation(
    session: AsyncSession, *, name: str, kind: OrganisationKind, npwp: str | None
) -> Organisation:
    """The organisation of that name, made first if there is none."""
    found = await session.scalar(
        select(Organisation)
        .where(Organisation.name == name.strip())
        .execution_options(**SYSTEM_SCOPE)
    )
    if found is not None:
        return found
    return await create_organisation(session, name=name, kind=kind, npwp=npwp)


async def add_representation(
    session: AsyncSession, *, forwarder_id: uuid.UUID, importer_id: uuid.UUID
) -> Representation:
    """Record that a forwarder acts for an importer (a power of attorney)."""
    link = Representation(forwarder_id=forwarder_id, importer_id=importer_id)
    session.add(link)
    await session.flush()
    return link


async def create_user(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    email: str,
    full_name: str,
    password: str,
    roles: frozenset[Role],
) -> User:
    """Create a user with an argon2id hash of the password; emails are unique."""
    address = _normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"a password needs {MIN_PASSWORD_LENGTH} characters or more",
            code="PASSWORD_TOO_SHORT",
            field=("password",),
        )
    if not roles:
        raise ValidationError("a user needs a role", code="NO_ROLE", field=("roles",))
    organisation = await session.get(
        Organisation, organisation_id, execution_options=SYSTEM_SCOPE
    )
    if organisation is None:
        raise NotFoundError("no such organisation", field=("organisationId",))
    _check_roles_fit(organisation, roles)
    if await _user_by_email(session, address) is not None:
        raise ConflictError(
            "a user with this email exists", code="EMAIL_TAKEN", field=("email",)
        )

    user = User(
        organisation_id=organisation_id,
        email=address,
        full_name=full_name.strip(),
        password_hash=credentials.hash_password(password),
        roles=sorted(roles),
    )
    session.add(user)
    await session.flush()
    log.info("user.created", user_id=str(user.id), roles=sorted(roles))
    return user


async def sign_in(
    session: AsyncSession, *, email: str, password: str, key: str, ttl: timedelta
) -> SignedIn:
    """Exchange an email and password for a bearer token with an expiry."""
    user = await _user_by_email(session, _normalise_email(email, strict=False))
    hash_ = user.password_hash if user is not None and user.is_active else None
    if user is None or not credentials.verify_password(hash_, password):
        log.info("user.sign_in.refused")
        raise ValidationError(
            "the email or password is wrong", code="INVALID_CREDENTIALS"
        )
    token, expires = credentials.issue_token(
        key,
        user_id=user.id,
        organisation_id=user.organisation_id,
        roles=frozenset(user.roles),
        ttl=ttl,
    )
    log.info("user.signed_in", user_id=str(user.id))
    return SignedIn(token=token, expires_at=expires, user=user)


async def create_api_key(
    session: AsyncSession, viewer: Viewer, *, name: str
) -> IssuedApiKey:
    """Issue a key for the viewer's organisation with the viewer's roles."""
    if viewer.kind is not PrincipalKind.USER or viewer.organisation_id is None:
        raise PermissionDeniedError("only a signed-in user can create API keys")
    label = name.strip()
    if not 1 <= len(label) <= 100:
        raise ValidationError(
            "a key needs a name of 1 to 100 characters", field=("name",)
        )
    secret = credentials.new_api_key()
    key = ApiKey(
        organisation_id=viewer.organisation_id,
        created_by_id=viewer.principal_id,
        name=label,
        prefix=secret.prefix,
        secret_hash=secret.digest,
        roles=sorted(viewer.roles),
    )
    session.add(key)
    await session.flush()
    log.info("api_key.created", api_key_id=str(key.id))
    return IssuedApiKey(api_key=key, plaintext=secret.plaintext)


async def revoke_api_key(
    session: AsyncSession, viewer: Viewer, key_id: uuid.UUID
) -> ApiKey:
    """Revoke a key of the viewer's organisation; revoking twice is harmless.

    A key may revoke itself (a partner that finds it leaked), but only a
    signed-in user revokes other keys, as only one creates them: a leaked
    key cannot lock its organisation's other integrations out.
    """
    key = await session.get(ApiKey, key_id, with_for_update=True)
    if key is None or (not viewer.is_staff and not viewer.has(Role.CUSTOMER)):
        raise NotFoundError("no such API key", field=("id",))
    if viewer.kind is PrincipalKind.API_KEY and key.id != viewer.principal_id:
        raise PermissionDeniedError(
            "an API key revokes only itself; sign in to revoke another"
        )
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        events.record(
            session,
            events.api_key_channel(key.id),
            "api_key.revoked",
            apiKeyId=str(key.id),
        )
        log.info("api_key.revoked", api_key_id=str(key.id))
    return key


async def authenticate_api_key(session: AsyncSession, plaintext: str) -> Viewer | None:
    """The viewer a presented key stands for, or None if unknown or revoked."""
    prefix = credentials.split_api_key(plaintext)
    if prefix is None:
        return None
    key = await session.scalar(
        update(ApiKey)
        .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        .values(last_used_at=func.now())
        .returning(ApiKey)
        .execution_options(**SYSTEM_SCOPE)
    )
    if key is None or not credentials.digests_match(key.secret_hash, plaintext):
        return None
    return Viewer(
        principal_id=key.id,
        organisation_id=key.organisation_id,
        roles=frozenset(key.roles),
        kind=PrincipalKind.API_KEY,
    )


async def _user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(
        select(User)
        .where(func.lower(User.email) == email.lower())
        .execution_options(**SYSTEM_SCOPE)
    )


def _normalise_email(email: str, *, strict: bool = True) -> str:
    address = email.strip().lower()
    local, _, domain = address.partition("@")
    if strict and (not local or "." not in domain or len(address) > 320):
        raise ValidationError(
            "that is not an email address", code="INVALID_EMAIL", field=("email",)
        )
    return address


def _check_roles_fit(organisation: Organisation, roles: frozenset[Role]) -> None:
    staff = roles - {Role.CUSTOMER}
    if staff and organisation.kind is not OrganisationKind.TERMINAL_OPERATOR:
        raise ValidationError(
            "staff roles belong to the terminal operator's users",
            code="ROLE_NOT_ALLOWED",
            field=("roles",),
        )


async def api_key_active(session: AsyncSession, key_id: uuid.UUID) -> bool:
    """Whether the key still opens the API (exists, not revoked)."""
    active = await session.scalar(
        select(ApiKey.id)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .execution_options(**SYSTEM_SCOPE)
    )
    return active is not None


async def principal_active(session: AsyncSession, viewer: Viewer) -> bool:
    """Whether the user or key a grant was made for may still act at all."""
    if viewer.kind is PrincipalKind.API_KEY:
        return await api_key_active(session, viewer.principal_id)
    if viewer.kind is PrincipalKind.USER:
        active = await session.scalar(
            select(User.is_active)
            .where(User.id == viewer.principal_id)
            .execution_options(**SYSTEM_SCOPE)
        )
        return bool(active)
    return True
