"""`dermaga demo`: one command from a fresh clone to a seeded, running portal."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dermaga.demo_cargo import Call
from domain.models.identity import OrganisationKind, Role, User
from domain.services import identity
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from integrations.clock import SimClock

PASSWORD_FILE = "demo-password.txt"
# Piped to a file, the welcome text keeps its lines whole (ids, passwords).
LOG_WIDTH = 200


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
IMPORTER = DEMO_USERS[0]
OPERATOR = DEMO_USERS[2]


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
    shipment_id: str, vessel_call_id: str, *, same_call: bool = True
) -> tuple[ExampleOperation, ...]:
    """A query, a mutation and two subscriptions over the seeded port.

    `same_call` says the watched call carries the request of the plan; once
    that call has berthed (a later run), the next one to berth is watched.
    `vesselCallUpdated` pushes the call's times and stage; the boxes coming
    off it are `dischargeProgress`'s events.
    """
    vessel = "that vessel" if same_call else "the next vessel to berth"
    call = json.dumps(vessel_call_id)
    return (
        ExampleOperation("the importer's requests, one in each stage", SHIPMENTS),
        ExampleOperation(
            "the optimiser's pickup plan for the request on the arriving vessel",
            PLAN.replace("$shipmentId", json.dumps(shipment_id)),
        ),
        ExampleOperation(
            f"{vessel} anchoring and berthing, live (a subscription)",
            WATCH.replace("$vesselCallId", call),
        ),
        ExampleOperation(
            f"{vessel}'s boxes coming off, live (a subscription)",
            WATCH_DISCHARGE.replace("$vesselCallId", call),
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
    etb
    ata
    atb
  }
}"""
WATCH_DISCHARGE = """subscription WatchDischarge {
  dischargeProgress(vesselCallId: $vesselCallId) {
    discharged
    total
    lastDischargedAt
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
    notes: Sequence[str] = (),
    *,
    signed_in: bool = True,
) -> None:
    """Where GraphiQL is, who may sign in, and what to run first."""
    if console.is_terminal:
        console.rule("[bold]Dermaga demo")
    else:
        console.print("== Dermaga demo ==")
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
    for note in notes:
        console.print(note)
    tabs = "signed in as the importer" if signed_in else "without a token"
    console.print(
        f"\nGraphiQL opens with these operations in tabs, {tabs}."
        " Elsewhere, sign in first and send [bold]Authorization: Bearer <token>[/]:"
    )
    console.print(sign_in_operation(password), markup=False, highlight=False)
    for number, example in enumerate(examples, start=1):
        console.print(f"\n[bold]{number}. {example.title}[/]")
        console.print(example.document, markup=False, highlight=False)
    console.print("\nCtrl-C stops everything.")


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach a server listening on `host`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def log_console(console: Console) -> Console:
    """The console itself on a terminal; piped, one that does not wrap lines."""
    if console.is_terminal:
        return console
    return Console(file=console.file, width=LOG_WIDTH, soft_wrap=True)


@contextlib.contextmanager
def progress(console: Console, text: str) -> Iterator[Callable[[str], None]]:
    """A spinner on a terminal, else one plain line per step (a log file)."""
    if console.is_terminal:
        with console.status(text) as status:
            yield status.update
        return
    console.print(f"... {text}", highlight=False)
    yield lambda step: console.print(f"... {step}", highlight=False)


def clock_note(sim_now: datetime, wall: datetime, speed: float) -> str:
    """One line on how the simulated port's clock stands to the wall clock."""
    behind = wall - sim_now
    if behind <= timedelta(minutes=1) or speed <= 1.0:
        return "the simulated port runs in real time (times in the API are UTC)"
    catch_up = behind / (speed - 1.0)
    return (
        f"the simulated port's clock is {_span(behind)} behind the wall clock and "
        f"runs {speed:g} times faster until it catches up in about "
        f"{_span(catch_up)}: vessel times in the API are on its clock (UTC)"
    )


def berth_note(
    call_ref: str, eta: datetime | None, sim_now: datetime, wall: datetime, speed: float
) -> str | None:
    """When the watched vessel berths, in real time from now."""
    if eta is None or eta <= sim_now:
        return None
    ahead = eta - sim_now
    behind = wall - sim_now
    # Fast until the port clock reaches the (moving) wall clock, real time after.
    fast = timedelta(0)
    if speed > 1.0 and behind > timedelta(0):
        fast = min(ahead, behind * speed / (speed - 1.0))
    real = fast / max(speed, 1.0) + (ahead - fast)
    return (
        f"the watched vessel call {call_ref} is due to berth at "
        f"{eta:%Y-%m-%d %H:%M} UTC port time, in about {_span(real)} from now"
    )


def welcome_notes(
    clock: SimClock,
    watched: Call | None,
    base_url: str,
    *,
    loopback: bool,
    public_key: bool,
) -> list[str]:
    """How the port's clock runs, when the watched vessel berths, what is exposed."""
    sim_now, wall = clock.now(), datetime.now(UTC)
    notes = [clock_note(sim_now, wall, clock.speed)]
    if watched is not None:
        berth = berth_note(watched.ref, watched.eta, sim_now, wall, clock.speed)
        notes += [berth] if berth else []
    if not loopback:
        key = (
            "signed with the public demo key (DERMAGA_SECRET_KEY is unset): "
            "anyone who reaches this port can forge one"
            if public_key
            else "signed with DERMAGA_SECRET_KEY"
        )
        notes.append(
            f"[yellow]warning:[/] {base_url} is not on loopback, so GraphiQL's "
            f"tabs carry no token: sign in in the first tab; demo tokens are {key}"
        )
    return notes


def _span(delta: timedelta) -> str:
    minutes = max(round(delta.total_seconds() / 60), 1)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"
