"""The dashboard reads the database a fixed few times, whatever the page size."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models.identity import Role
from domain.models.payments import Payment
from domain.models.shipments import Shipment
from domain.tenancy import CoreScoped, Criterion
from domain.unit_of_work import Database
from domain.viewer import SYSTEM, Viewer
from schema.billing import invoices_by_shipment
from schema.context import rows_of
from schema.payments import latest_payments_of, payments_by_shipment
from schema.shipment_page import PAGES
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
    # The page's statement joins each shipment's call, ship, invoice and
    # latest payment; the containers, many to a shipment, are one read more.
    assert sorted(tables(large_trips)) == ["containers", "shipments"]
    page = next(s for s in large_trips if re.search(r"\bFROM shipments\b", s))
    for joined in ("vessel_calls", "vessels", "invoices", "payments"):
        assert re.search(rf"\b(JOIN|FROM) {joined}\b", page), joined


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


def customer(member: Member) -> Viewer:
    return Viewer(
        principal_id=member.user_id,
        organisation_id=member.organisation_id,
        roles=frozenset({Role.CUSTOMER}),
    )


async def page_of(session: AsyncSession) -> list[uuid.UUID]:
    """The shipments of the joined page statement, in the session viewer's form."""
    rows = await rows_of(
        session, PAGES[True, "NEWEST_FIRST"], {"page_offset": 0, "page_limit": 50}
    )
    return [row.id for row in rows]


async def test_the_pages_plain_row_reads_are_scoped_to_the_viewer(
    database: Database, owner: Member, outsider: Member
) -> None:
    """The page's reads run as Core, not through the ORM listener: scoped all
    the same, by `CoreScoped`, for a customer, staff and no viewer."""
    await seed_tariffs(database)
    await seed(database, outsider.organisation_id, 2)
    async with database.transaction(SYSTEM) as session:
        theirs = list(
            await session.scalars(
                select(Shipment.id)
                .where(Shipment.organisation_id == outsider.organisation_id)
                .order_by(Shipment.created_at.desc(), Shipment.id)
            )
        )
    reads = (
        containers_of,
        payments_by_shipment,
        latest_payments_of,
        invoices_by_shipment,
    )
    seen = {}
    pages = {}
    viewers = {"outsider": customer(outsider), "owner": customer(owner)}
    viewers |= {"staff": SYSTEM, "nobody": None}
    for name, viewer in viewers.items():
        reader = database.reader(viewer)
        try:
            async with reader.session() as session:
                seen[name] = [await read(session, theirs) for read in reads]
                pages[name] = await page_of(session)
        finally:
            await reader.close()

    boxes, payments, latest, invoices = seen["outsider"]
    assert [len(b) for b in boxes] == [BOXES, BOXES]
    assert all(payments)
    assert all(latest)
    assert all(invoices)
    assert seen["staff"] == seen["outsider"]
    nothing = [[[], []], [[], []], [None, None], [None, None]]
    assert seen["owner"] == seen["nobody"] == nothing
    assert pages["outsider"] == theirs
    assert set(theirs) <= set(pages["staff"])
    assert pages["owner"] == pages["nobody"] == []


def test_a_core_read_of_an_owned_table_without_its_criteria_is_refused() -> None:
    def unscoped_payments(criterion: Criterion) -> Select[Any]:
        return (
            select(Shipment.__table__.c.id, Payment.__table__.c.id)
            .join_from(Shipment.__table__, Payment.__table__)
            .where(criterion(Shipment.__table__))
        )

    with pytest.raises(ValueError, match="payments"):
        CoreScoped(unscoped_payments)
    with pytest.raises(ValueError, match="outer join"):
        CoreScoped.where(
            select(Shipment.__table__.c.id).select_from(
                Shipment.__table__.outerjoin(Payment.__table__)
            )
        )
