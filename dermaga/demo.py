"""`dermaga demo`: one command from a fresh clone to a seeded, running portal."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models.identity import OrganisationKind, Role, User
from domain.services import identity
from domain.unit_of_work import Database
from domain.viewer import SYSTEM

PASSWORD_FILE = "demo-password.txt"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    organisation: str
    kind: OrganisationKind
    npwp: str | None
    roles: frozenset[Role]


DEMO_USERS = (
    DemoUser(
        "importer@demo.dermaga.id",
        "Sari Wulandari",
        "PT Nusantara Makmur Abadi",
        OrganisationKind.IMPORTER,
        "0123456789012345",
        frozenset({Role.CUSTOMER}),
    ),
    DemoUser(
        "forwarder@demo.dermaga.id",
        "Budi Santoso",
        "PT Samudra Logistik",
        OrganisationKind.FORWARDER,
        "0987654321098765",
        frozenset({Role.CUSTOMER}),
    ),
    DemoUser(
        "operator@demo.dermaga.id",
        "Dewi Lestari",
        "Terminal Operator Tanjung Priok",
        OrganisationKind.TERMINAL_OPERATOR,
        None,
        frozenset({Role.OPERATOR}),
    ),
    DemoUser(
        "finance@demo.dermaga.id",
        "Rudi Hartono",
        "Terminal Operator Tanjung Priok",
        OrganisationKind.TERMINAL_OPERATOR,
        None,
        frozenset({Role.FINANCE}),
    ),
    DemoUser(
        "admin@demo.dermaga.id",
        "Admin Dermaga",
        "Terminal Operator Tanjung Priok",
        OrganisationKind.TERMINAL_OPERATOR,
        None,
        frozenset({Role.ADMIN, Role.OPERATOR}),
    ),
)


def demo_password(data_dir: Path) -> str:
    """DERMAGA_DEMO_PASSWORD, or one made once and kept under the data directory."""
    given = os.environ.get("DERMAGA_DEMO_PASSWORD")
    if given:
        return given
    path = data_dir / PASSWORD_FILE
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


async def seed_identity(database: Database, password: str) -> None:
    """Organisations and users of the demo; running it again changes nothing."""
    async with database.transaction(SYSTEM) as session:
        for spec in DEMO_USERS:
            if await _has_user(session, spec.email):
                continue
            org = await identity.find_or_create_organisation(
                session, name=spec.organisation, kind=spec.kind, npwp=spec.npwp
            )
            await identity.create_user(
                session,
                organisation_id=org.id,
                email=spec.email,
                full_name=spec.name,
                password=password,
                roles=spec.roles,
            )


async def _has_user(session: AsyncSession, email: str) -> bool:
    found = await session.scalar(
        select(User.id).where(User.email == email).execution_options(skip_tenancy=True)
    )
    return found is not None


def print_welcome(console: Console, base_url: str, password: str) -> None:
    console.rule("[bold]Dermaga demo")
    console.print(f"GraphiQL: [link={base_url}/graphql]{base_url}/graphql[/link]")
    table = Table("email", "role", "organisation")
    for spec in DEMO_USERS:
        roles = ", ".join(sorted(r.value for r in spec.roles))
        table.add_row(spec.email, roles, spec.organisation)
    console.print(table)
    source = (
        "DERMAGA_DEMO_PASSWORD"
        if os.environ.get("DERMAGA_DEMO_PASSWORD")
        else ("kept in var/" + PASSWORD_FILE)
    )
    console.print(f"password for every demo user: [bold]{password}[/] ({source})")
    console.print("Sign in, then send `Authorization: Bearer <token>`:")
    console.print(
        'mutation { signIn(input: {email: "importer@demo.dermaga.id", '
        f'password: "{password}"}}) {{ token expiresAt }} }}',
        markup=False,
    )
    console.print("Ctrl-C stops everything.")
