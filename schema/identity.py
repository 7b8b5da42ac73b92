"""Organisations, users, API keys and the viewer, as the API shows them."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from domain.models import identity as models
from domain.viewer import PrincipalKind
from domain.viewer import Viewer as DomainViewer
from schema.context import Info
from schema.relay import global_id, load_nodes

# strawberry.enum registers the domain's enums in place, under their own names.
strawberry.enum(
    models.OrganisationKind, description="What an organisation is to the port."
)
strawberry.enum(
    models.Role,
    description="What a user may do. CUSTOMER users see their organisation's "
    "data; OPERATOR, FINANCE and ADMIN are terminal staff and see everything.",
)
OrganisationKind = models.OrganisationKind
Role = models.Role


@strawberry.enum(description="Who stands behind a request.")
class ViewerKind(enum.Enum):
    USER = "USER"
    API_KEY = "API_KEY"


@strawberry.type(description="An importer, a forwarder or the terminal operator.")
class Organisation(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The registered name.")
    kind: OrganisationKind = strawberry.field(description="Importer, forwarder, ...")
    npwp: str | None = strawberry.field(
        description="Tax number (NPWP): 16 digits since 2024, 15 before."
    )

    @classmethod
    def from_model(cls, row: models.Organisation) -> Self:
        return cls(id=str(row.id), name=row.name, kind=row.kind, npwp=row.npwp)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info, models.Organisation, node_ids, cls.from_model)


@strawberry.type(description="A person who signs in to the portal.")
class User(relay.Node):
    id: relay.NodeID[str]
    email: str = strawberry.field(description="Sign-in address, lower case.")
    full_name: str = strawberry.field(description="The person's name.")
    roles: list[Role] = strawberry.field(description="What the user may do.")
    is_active: bool = strawberry.field(description="False once access is removed.")
    created_at: datetime = strawberry.field(description="When the user was made.")
    organisation_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The organisation the user works for.")
    async def organisation(self, info: Info) -> Organisation:
        row = await info.context.loaders.of(models.Organisation).load(
            self.organisation_id
        )
        assert row is not None, "a user's own organisation is always visible"
        return Organisation.from_model(row)

    @classmethod
    def from_model(cls, row: models.User) -> Self:
        return cls(
            id=str(row.id),
            email=row.email,
            full_name=row.full_name,
            roles=list(row.roles),
            is_active=row.is_active,
            created_at=row.created_at,
            organisation_id=row.organisation_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info, models.User, node_ids, cls.from_model)


@strawberry.type(
    description="A partner integrator's key; the secret is never shown again."
)
class ApiKey(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="What the key is for.")
    prefix: str = strawberry.field(description="The public part that names the key.")
    roles: list[Role] = strawberry.field(description="What the key may do.")
    created_at: datetime = strawberry.field(description="When it was issued.")
    last_used_at: datetime | None = strawberry.field(description="Last request.")
    revoked_at: datetime | None = strawberry.field(description="Set once revoked.")

    @classmethod
    def from_model(cls, row: models.ApiKey) -> Self:
        return cls(
            id=str(row.id),
            name=row.name,
            prefix=row.prefix,
            roles=list(row.roles),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info, models.ApiKey, node_ids, cls.from_model)


@strawberry.type(description="Who is signed in: a user or a partner's API key.")
class Viewer:
    kind: ViewerKind = strawberry.field(description="A person or an API key.")
    roles: list[Role] = strawberry.field(description="What the viewer may do.")
    principal: strawberry.Private[DomainViewer]

    @strawberry.field(description="Global id of the user or the API key.")
    def id(self) -> relay.GlobalID:
        name = "User" if self.principal.kind is PrincipalKind.USER else "ApiKey"
        return global_id(name, self.principal.principal_id)

    @strawberry.field(description="True for terminal staff, who see all data.")
    def is_staff(self) -> bool:
        return self.principal.is_staff

    @strawberry.field(description="The signed-in user; null for an API key.")
    async def user(self, info: Info) -> User | None:
        if self.principal.kind is not PrincipalKind.USER:
            return None
        row = await info.context.loaders.of(models.User).load(
            self.principal.principal_id
        )
        return User.from_model(row) if row is not None else None

    @strawberry.field(description="The viewer's organisation.")
    async def organisation(self, info: Info) -> Organisation | None:
        if self.principal.organisation_id is None:
            return None
        row = await info.context.loaders.of(models.Organisation).load(
            self.principal.organisation_id
        )
        return Organisation.from_model(row) if row is not None else None

    @classmethod
    def of(cls, viewer: DomainViewer) -> Self:
        kind = (
            ViewerKind.USER if viewer.kind is PrincipalKind.USER else ViewerKind.API_KEY
        )
        return cls(kind=kind, roles=sorted(viewer.roles), principal=viewer)
