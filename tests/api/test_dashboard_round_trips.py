"""The dashboard reads the database a fixed few times, whatever the page size."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection

from domain.models.identity import Role
from domain.models.shipments import Shipment
from domain.unit_of_work import Database
from domain.viewer import SYSTEM, Viewer
from schema.billing import invoices_by_shipment
from schema.payments import payments_by_shipment
from schema.shipments import containers_of
from tests.support.dashboard import BOXES, seed
from tests.support.factories import Member
from tests.support.graphql import GraphQLClient
from tests.support.post_service import seed_tariffs

DASHBOARD = (
    Path(__file__).resolve().parents[2] / "clients" / "operations" / "dashboard.graphql"
).read_text()
MAX_ROUND_TRIPS = 5


@contextlib.contextmanager
def round_trips(database: Database) -> Iterator[list[str]]:
    """The statements request reads send, on the autocommit read connections.

    Background work (the outbox relay, the re-planner) writes in transactions
    of its own; only the requests' readers autocommit.
    """
    statements: list[str] = []

    def count(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            statements.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def dashboard(client: GraphQLClient, database: Database) -> tuple[Any, list[str]]:
    with round_trips(database) as statements:
        data = await client.data(DASHBOARD, {"first": 20})
    return data["shipments"], statements


def tables(statements: list[str]) -> list[str]:
    """The first table each statement reads."""
    return [m.group(1) for s in statements if (m := re.search(r"\bFROM (\w+)", s))]


async def test_the_dashboard_reads_as_often_for_two_shipments_as_for_twenty(
    database: Database, owner: Member
) -> None:
    await seed_tariffs(database)
    await seed(database, owner.organisation_id, 2)
    small, small_trips = await dashboard(owner.client, database)
    await seed(database, owner.organisation_id, 18)
    large, large_trips = await dashboard(owner.client, database)

    assert [len(page["nodes"]) for page in (small, large)] == [2, 20]
    for node in large["nodes"]:
        assert len(node["containers"]) == BOXES
        assert node["vesselCall"]["vessel"]["name"].startswith("MV DASH")
        assert node["latestPayment"]["status"] == "PAID"
        assert node["invoice"]["status"] in ("ISSUED", "PAID")
    assert len(small_trips) == len(large_trips) <= MAX_ROUND_TRIPS
    assert sorted(tables(large_trips)) == [
        "containers",
        "invoices",
        "payments",
        "shipments",
        "vessel_calls",
    ]


async def test_the_dashboard_shows_only_the_viewers_shipments(
    database: Database, owner: Member, outsider: Member
) -> None:
    await seed_tariffs(database)
    await seed(database, owner.organisation_id, 2)
    await seed(database, outsider.organisation_id, 3)

    mine, _ = await dashboard(owner.client, database)
    theirs, _ = await dashboard(outsider.client, database)

    assert [len(mine["nodes"]), len(theirs["nodes"])] == [2, 3]
    references = {n["reference"] for n in mine["nodes"]}
    assert references.isdisjoint(n["reference"] for n in theirs["nodes"])


async def test_the_pages_plain_row_reads_are_scoped_to_the_viewer(
    database: Database, owner: Member, outsider: Member
) -> None:
    """The batched reads select plain rows: tenancy must still apply to them."""
    await seed_tariffs(database)
    await seed(database, outsider.organisation_id, 2)
    async with database.transaction(SYSTEM) as session:
        theirs = list(
            await session.scalars(
                select(Shipment.id).where(
                    Shipment.organisation_id == outsider.organisation_id
                )
            )
        )
    reads = (containers_of, payments_by_shipment, invoices_by_shipment)
    seen = {}
    for member in (outsider, owner):
        viewer = Viewer(
            principal_id=member.user_id,
            organisation_id=member.organisation_id,
            roles=frozenset({Role.CUSTOMER}),
        )
        reader = database.reader(viewer)
        try:
            async with reader.session() as session:
                seen[member.email] = [await read(session, theirs) for read in reads]
        finally:
            await reader.close()

    boxes, payments, invoices = seen[outsider.email]
    assert [len(b) for b in boxes] == [BOXES, BOXES]
    assert all(payments)
    assert all(invoices)
    assert seen[owner.email] == [[[], []], [[], []], [None, None]]
