"""A call's discharge total is never below what the terminal reports discharged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from strawberry import relay

from domain.models.tracking import (
    ContainerEventRow,
    ContainerEventType,
    DischargeManifest,
)
from domain.services.discharge_progress import call_discharges
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Factory
from tests.support.port import port_objects


async def test_a_manifest_that_undercounts_gives_way_to_the_boxes_off(
    database: Database, factory: Factory
) -> None:
    owner = await factory.member()
    ids = await port_objects(database, owner.organisation_id)
    call_id = uuid.UUID(relay.GlobalID.from_id(ids["VesselCall"]).node_id)
    at = datetime(2026, 1, 2, 8, tzinfo=UTC)
    async with database.transaction(SYSTEM) as session:
        session.add(DischargeManifest(vessel_call_id=call_id, container_count=1))
        # One box is on the seeded call already; a second comes off too.
        session.add(
            ContainerEventRow(
                event_id=uuid.uuid4().hex,
                container_number="MSKU9070323",
                vessel_call_ref="PKK-UNDERCOUNT",
                vessel_call_id=call_id,
                event_type=ContainerEventType.DISC,
                event_time=at,
                sent_at=at,
            )
        )

    async with database.transaction(SYSTEM) as session:
        progress = (await call_discharges(session, [call_id]))[call_id]

    assert (progress.discharged, progress.total) == (2, 2)
