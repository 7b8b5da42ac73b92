"""`dermaga demo`: one command from a fresh clone to a seeded, running portal."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Sequence
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


@dataclass(frozen=True, slots=True)
class ExampleOperation:
    """An operation to paste into GraphiQL, with the seeded ids written in."""

    title: str
    document: str


def example_operations(
    shipment_id: str, vessel_call_id: str
) -> tuple[ExampleOperation, ExampleOperation, ExampleOperation]:
    """A query, a mutation and a subscription over the seeded port."""
    return (
        ExampleOperation("the importer's requests, one in each stage", SHIPMENTS),
        ExampleOperation(
            "the optimiser's pickup plan for the request on the arriving vessel",
            PLAN.replace("$shipmentId", json.dumps(shipment_id)),
        ),
        ExampleOperation(
            "that vessel berthing and discharging, live (a subscription)",
            WATCH.replace("$vesselCallId", json.dumps(vessel_call_id)),
        ),
    )


SHIPMENTS = """query Shipments {
  shipments(first: 10) {
    totalCount
    edges {
      node {
        reference
        blNumber
        status
        vesselCall { callReference status eta vessel { name } }
        containers { number sizeType status }
      }
    }
  }
}"""
PLAN = """mutation RecommendPlan {
  recommendPickupPlan(input: {shipmentId: $shipmentId}) {
    plan {
      version
      method
      totalCost { amount currency }
      items {
        container { number }
        readyAt
        slot { startsAt endsAt }
        storageCost { amount currency }
      }
    }
    userErrors { field code message }
  }
}"""
WATCH = """subscription WatchVessel {
  vesselCallUpdated(id: $vesselCallId) {
    callReference
    status
    eta
    atb
    dischargeProgress { discharged total lastDischargedAt }
  }
}"""


def sign_in_operation(password: str) -> str:
    """The signIn mutation for the demo importer."""
    credentials = json.dumps(DEMO_USERS[0].email), json.dumps(password)
    return (
        "mutation SignIn {\n"
        f"  signIn(input: {{email: {credentials[0]}, password: {credentials[1]}}}) {{\n"
        "    token\n    expiresAt\n    userErrors { field code message }\n  }\n}"
    )


def print_welcome(
    console: Console,
    base_url: str,
    password: str,
    examples: Sequence[ExampleOperation],
    data_dir: Path,
) -> None:
    """Where GraphiQL is, who may sign in, and what to run first."""
    console.rule("[bold]Dermaga demo")
    console.print(f"GraphiQL: [link={base_url}/graphql]{base_url}/graphql[/link]")
    table = Table("email", "role", "organisation")
    for spec in DEMO_USERS:
        roles = ", ".join(sorted(r.value for r in spec.roles))
        table.add_row(spec.email, roles, spec.organisation)
    console.print(table)
    source = (
        "from DERMAGA_DEMO_PASSWORD"
        if os.environ.get("DERMAGA_DEMO_PASSWORD")
        else f"kept in {data_dir / PASSWORD_FILE}"
    )
    console.print(f"password of every demo user: [bold]{password}[/] ({source})")
    console.print(
        "\nGraphiQL opens with these operations in tabs, signed in as the importer."
        " Elsewhere, sign in first and send [bold]Authorization: Bearer <token>[/]:"
    )
    console.print(sign_in_operation(password), markup=False, highlight=False)
    for number, example in enumerate(examples, start=1):
        console.print(f"\n[bold]{number}. {example.title}[/]")
        console.print(example.document, markup=False, highlight=False)
    console.print("\nCtrl-C stops everything.")
