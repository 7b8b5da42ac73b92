"""Root fields of identity: viewer, sign-in and API keys."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import identity as models
from domain.services import identity as service
from domain.viewer import SYSTEM
from domain.viewer import Viewer as DomainViewer
from resolvers.transaction import run_use_case
from schema.context import Info
from schema.errors import USER_ERRORS, UserError
from schema.identity import ApiKey, Viewer
from schema.permissions import IsAuthenticated
from schema.relay import Connection, SentID, paginate, parse_global_id


@strawberry.input(description="Email and password of a user.")
class SignInInput:
    email: str = strawberry.field(description="The user's email address.")
    password: str = strawberry.field(description="The user's password.")


@strawberry.type(description="A bearer token for the `Authorization` header.")
class SignInPayload:
    token: str | None = strawberry.field(description="Send as `Bearer <token>`.")
    expires_at: datetime | None = strawberry.field(description="When it lapses.")
    viewer: Viewer | None = strawberry.field(description="Who signed in.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="A new API key for a partner integration.")
class CreateApiKeyInput:
    name: str = strawberry.field(description="What the key is for (1-100 chars).")


@strawberry.type(description="The new key; `secret` is shown this once only.")
class CreateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(description="The key.")
    secret: str | None = strawberry.field(
        description="The whole key, to send as `Bearer <secret>`. Not stored."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="The API key to revoke.")
class RevokeApiKeyInput:
    id: SentID = strawberry.field(description="Global id of the key.")


@strawberry.type(description="The key, now revoked.")
class RevokeApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(description="The key.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The signed-in user or API key; null if anonymous.")
    def viewer(self, info: Info) -> Viewer | None:
        viewer = info.context.viewer
        return Viewer.of(viewer) if viewer is not None else None

    @strawberry.field(
        description="API keys of the viewer's organisation, newest first.",
        permission_classes=[IsAuthenticated],
    )
    async def api_keys(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ApiKey]:
        statement = select(models.ApiKey).order_by(
            models.ApiKey.created_at.desc(), models.ApiKey.id
        )
        return await paginate(
            info,
            statement,
            ApiKey.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Exchange an email and password for a token.")
    async def sign_in(self, info: Info, input: SignInInput) -> SignInPayload:
        services = info.context.services

        async def use_case(session: AsyncSession, _: DomainViewer) -> SignInPayload:
            signed = await service.sign_in(
                session,
                email=input.email,
                password=input.password,
                key=services.signing_key,
                ttl=services.token_ttl,
            )
            user = signed.user
            principal = DomainViewer(
                principal_id=user.id,
                organisation_id=user.organisation_id,
                roles=frozenset(user.roles),
            )
            return SignInPayload(
                token=signed.token,
                expires_at=signed.expires_at,
                viewer=Viewer.of(principal),
                user_errors=[],
            )

        result = await run_use_case(info, use_case, viewer=SYSTEM)
        if isinstance(result, list):
            return SignInPayload(
                token=None, expires_at=None, viewer=None, user_errors=result
            )
        return result

    @strawberry.mutation(
        description="Issue an API key for the viewer's organisation.",
        permission_classes=[IsAuthenticated],
    )
    async def create_api_key(
        self, info: Info, input: CreateApiKeyInput
    ) -> CreateApiKeyPayload:
        async def use_case(
            session: AsyncSession, viewer: DomainViewer
        ) -> CreateApiKeyPayload:
            issued = await service.create_api_key(session, viewer, name=input.name)
            return CreateApiKeyPayload(
                api_key=ApiKey.from_model(issued.api_key),
                secret=issued.plaintext,
                user_errors=[],
            )

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return CreateApiKeyPayload(api_key=None, secret=None, user_errors=result)
        return result

    @strawberry.mutation(
        description="Revoke an API key; requests with it fail from now on.",
        permission_classes=[IsAuthenticated],
    )
    async def revoke_api_key(
        self, info: Info, input: RevokeApiKeyInput
    ) -> RevokeApiKeyPayload:
        key_id = parse_global_id(input.id, "ApiKey")

        async def use_case(
            session: AsyncSession, viewer: DomainViewer
        ) -> RevokeApiKeyPayload:
            key = await service.revoke_api_key(session, viewer, key_id)
            return RevokeApiKeyPayload(api_key=ApiKey.from_model(key), user_errors=[])

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return RevokeApiKeyPayload(api_key=None, user_errors=result)
        return result
