"""Typed factories: organisations, users and their tokens, made through the domain."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

from domain.models.identity import OrganisationKind, Role
from domain.services import identity
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.graphql import GraphQLClient

PASSWORD = "a-long-test-password"
_serial = itertools.count(1)

SIGN_IN = """
mutation SignIn($email: String!, $password: String!) {
  signIn(input: {email: $email, password: $password}) {
    token expiresAt userErrors { field code message }
  }
}
"""


@dataclass(frozen=True)
class Member:
    """A user with the organisation it belongs to and a signed-in client."""

    organisation_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    client: GraphQLClient


@dataclass
class Factory:
    database: Database
    client: GraphQLClient

    async def organisation(
        self, kind: OrganisationKind = OrganisationKind.IMPORTER, name: str = ""
    ) -> uuid.UUID:
        async with self.database.transaction(SYSTEM) as session:
            org = await identity.create_organisation(
                session, name=name or f"Org {next(_serial)}", kind=kind, npwp=None
            )
            return org.id

    async def member(
        self,
        organisation_id: uuid.UUID | None = None,
        *,
        roles: frozenset[Role] = frozenset({Role.CUSTOMER}),
        kind: OrganisationKind = OrganisationKind.IMPORTER,
    ) -> Member:
        if organisation_id is None:
            staff = bool(roles - {Role.CUSTOMER})
            organisation_id = await self.organisation(
                OrganisationKind.TERMINAL_OPERATOR if staff else kind
            )
        email = f"user{next(_serial)}-{uuid.uuid4().hex[:6]}@example.id"
        async with self.database.transaction(SYSTEM) as session:
            user = await identity.create_user(
                session,
                organisation_id=organisation_id,
                email=email,
                full_name="Test User",
                password=PASSWORD,
                roles=roles,
            )
        payload = await self.client.mutate(
            SIGN_IN, {"email": email, "password": PASSWORD}
        )
        return Member(
            organisation_id, user.id, email, self.client.as_(payload["token"])
        )

    async def operator(self) -> Member:
        return await self.member(roles=frozenset({Role.OPERATOR}))
