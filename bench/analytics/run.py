"""Benchmark the analytics report and invoice finalisation on PostgreSQL.

Run by hand from the repository root (a fresh database is made and dropped):

    DERMAGA_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m bench.analytics.run [--containers 50000] [--runs 7]

Seeds one large customer with a year of events (containers discharged and
gated out, gate passes with gate-in and gate-out events, hourly pickup
slots, issued invoices), then times `analytics.report` for the year (as the
customer and as an operator), the same report asked through the GraphQL API
in process (bench/analytics/api.py), and `finalize_invoice` for 100-box
shipments. Targets: report < 300 ms, a 100-box invoice < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bench.analytics import api
from dermaga.database import create_engine
from domain.models.identity import OrganisationKind, Role
from domain.services import analytics, identity, invoices, tariffs
from domain.unit_of_work import Database
from domain.viewer import SYSTEM, Viewer
from tests.support.database import test_database

YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_END = YEAR_START + timedelta(days=365)
BOXES_PER_SHIPMENT = 10

# asyncpg needs the parameters' types where PostgreSQL cannot infer them.
SQL_NAMES = {
    "t0": "CAST(:start AS timestamptz)",
    "n": "CAST(:shipments AS int)",
    "step": "(interval '1 year' / (CAST(:shipments AS int) * 10))",
}
SEED_SQL = [
    # shipments of the customer, completed
    """
    INSERT INTO shipments (id, organisation_id, filed_by_organisation_id, reference,
                           status, services, created_at, updated_at)
    SELECT gen_random_uuid(), :org, :org, 'BENCH-' || g, 'COMPLETED', '{{}}',
           now(), now()
    FROM generate_series(1, {n}) g
    """,
    # boxes: discharged every few minutes over the year, out 1 to 5 days later
    """
    INSERT INTO containers (id, organisation_id, shipment_id, number, size_type,
                            status, discharged_at, gated_out_at, customs_released_at,
                            created_at, updated_at)
    SELECT gen_random_uuid(), :org, s.id,
           'BNCU' || lpad((s.rn * 10 + k)::text, 7, '0'),
           CASE WHEN k % 3 = 0 THEN '42G1' ELSE '22G1' END, 'GATED_OUT',
           {t0} + (s.rn * 10 + k) * {step},
           {t0} + (s.rn * 10 + k) * {step}
                  + (1 + (s.rn + k) % 5) * interval '1 day',
           {t0} + (s.rn * 10 + k) * {step}
                  + interval '6 hours',
           now(), now()
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn
          FROM shipments WHERE organisation_id = :org) s,
         generate_series(0, 9) k
    """,
    # verification of each shipment, a day before its first discharge
    """
    INSERT INTO shipment_status_changes (id, organisation_id, shipment_id,
        from_status, to_status, actor_kind, at, created_at)
    SELECT gen_random_uuid(), :org, c.shipment_id, 'SUBMITTED', 'VERIFIED', 'SYSTEM',
           min(c.discharged_at) - interval '1 day', now()
    FROM containers c WHERE c.organisation_id = :org GROUP BY c.shipment_id
    """,
    # one gate pass per box, its slot two hours before gate-out
    """
    INSERT INTO gate_passes (id, organisation_id, shipment_id, container_id,
        container_number, booking_id, terminal, slot_starts_at, slot_ends_at,
        truck_plate, token_id, status, issued_at, expires_at, gated_in_at,
        gated_out_at, created_at)
    SELECT gen_random_uuid(), :org, c.shipment_id, c.id, c.number, gen_random_uuid(),
           'JICT', date_trunc('hour', c.gated_out_at) - interval '2 hours',
           date_trunc('hour', c.gated_out_at), 'B1234XYZ', md5(c.id::text),
           CASE WHEN c.rn % 20 = 0 THEN 'ISSUED' ELSE 'COMPLETED' END::gate_pass_status,
           c.discharged_at, date_trunc('hour', c.gated_out_at) + interval '30 min',
           NULL, NULL, now()
    FROM (SELECT *, row_number() OVER (ORDER BY id) rn FROM containers
          WHERE organisation_id = :org) c
    """,
    # gate-in (on time, some late) and gate-out for every used pass
    """
    INSERT INTO gate_events (id, organisation_id, gate_pass_id, container_id, kind,
        at, truck_plate, punctuality, minutes_late, created_at)
    SELECT gen_random_uuid(), :org, p.id, p.container_id, 'GATE_IN',
           p.slot_starts_at
               + extract(minute from p.issued_at)::int * interval '2 min',
           p.truck_plate,
           CASE WHEN extract(minute from p.issued_at) >= 60 THEN 'LATE'
                ELSE 'ON_TIME' END::punctuality, 0, now()
    FROM gate_passes p WHERE p.status = 'COMPLETED' AND p.organisation_id = :org
    """,
    """
    INSERT INTO gate_events (id, organisation_id, gate_pass_id, container_id, kind,
        at, truck_plate, turnaround_minutes, within_service_level, created_at)
    SELECT gen_random_uuid(), :org, e.gate_pass_id, e.container_id, 'GATE_OUT',
           e.at + ((30 + (hashtext(e.id::text) & 127)) * interval '1 min'),
           e.truck_plate, 30 + (hashtext(e.id::text) & 127),
           30 + (hashtext(e.id::text) & 127) <= 125, now()
    FROM gate_events e WHERE e.kind = 'GATE_IN' AND e.organisation_id = :org
    """,
    # hourly pickup slots over the year
    """
    INSERT INTO pickup_slots (id, terminal, starts_at, ends_at, quota, booked,
                              created_at, updated_at)
    SELECT gen_random_uuid(), 'JICT', h, h + interval '1 hour', 200,
           (hashtext(h::text) & 127), now(), now()
    FROM generate_series({t0}, {t0} + interval '1 year' - interval '1 hour',
                         interval '1 hour') h
    """,
    # the pass records its gate times as the gate events are taken
    """
    UPDATE gate_passes p SET gated_in_at = i.at, gated_out_at = o.at
    FROM gate_events i JOIN gate_events o
      ON o.gate_pass_id = i.gate_pass_id AND o.kind = 'GATE_OUT'
    WHERE i.gate_pass_id = p.id AND i.kind = 'GATE_IN' AND p.organisation_id = :org
    """,
    "ANALYZE",
]


async def main(containers: int, runs: int) -> None:
    async with test_database() as url:
        engine = create_engine(url)
        database = Database(engine)
        try:
            org, customer = await _customer(database)
            await _seed(database, org, containers)
            await _time_report(database, customer, runs)
            await api.time_api(url, org, YEAR_START, YEAR_END, runs)
            await _time_invoices(database, org, runs)
        finally:
            await engine.dispose()


async def _customer(database: Database) -> tuple[uuid.UUID, Viewer]:
    async with database.transaction(SYSTEM) as session:
        organisation = await identity.create_organisation(
            session, name="Bench Importer", kind=OrganisationKind.IMPORTER, npwp=None
        )
        await tariffs.seed_published(session)
    viewer = Viewer(uuid.uuid4(), organisation.id, frozenset({Role.CUSTOMER}))
    return organisation.id, viewer


async def _seed(database: Database, org: uuid.UUID, containers: int) -> None:
    started = time.perf_counter()
    params = {
        "org": org,
        "shipments": containers // BOXES_PER_SHIPMENT,
        "start": YEAR_START,
    }
    async with database.engine.begin() as connection:
        for statement in SEED_SQL:
            await connection.execute(text(statement.format(**SQL_NAMES)), params)
        counts = {}
        for table in ("containers", "gate_passes", "gate_events", "pickup_slots"):
            counts[table] = await connection.scalar(
                text(f"SELECT count(*) FROM {table}")
            )
    print(f"seeded in {time.perf_counter() - started:.1f} s: {counts}")


async def _time_report(database: Database, customer: Viewer, runs: int) -> None:
    operator = Viewer(uuid.uuid4(), None, frozenset({Role.OPERATOR}))
    year = analytics.ReportQuery(YEAR_START, YEAR_END)
    for name, viewer in (("customer", customer), ("operator", operator)):
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            report = await analytics.report(
                lambda viewer=viewer: database.reading(viewer),
                year,
                staff=viewer.is_staff,
                now=datetime.now(UTC),
            )
            timings.append((time.perf_counter() - started) * 1000)
        total = sum(r.containers for r in report.rows)
        print(
            f"analytics.report ({name}, year by month, {total} boxes): "
            f"median {statistics.median(timings):.0f} ms, "
            f"max {max(timings):.0f} ms over {runs} runs (target < 300 ms)"
        )


async def _time_invoices(database: Database, org: uuid.UUID, runs: int) -> None:
    timings = []
    for run in range(runs):
        shipment_id = await _hundred_boxes(database, org, run)
        started = time.perf_counter()
        async with database.transaction(SYSTEM) as session:
            issued = await invoices.finalize_invoice(
                session, SYSTEM, shipment_id, YEAR_START + timedelta(days=400)
            )
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"finalize_invoice (100 boxes, {len(issued.lines)} lines): "
        f"median {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms "
        f"over {runs} runs (target < 200 ms)"
    )


async def _hundred_boxes(database: Database, org: uuid.UUID, run: int) -> uuid.UUID:
    shipment_id = uuid.uuid4()
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO shipments (id, organisation_id, filed_by_organisation_id,"
                " reference, status, services, created_at, updated_at) VALUES"
                " (:id, :org, :org, :ref, 'IN_SERVICE', '{}', now(), now())"
            ),
            {"id": shipment_id, "org": org, "ref": f"BENCH-INV-{run}"},
        )
        await connection.execute(
            text(
                "INSERT INTO containers (id, organisation_id, shipment_id, number,"
                " size_type, status, discharged_at, gated_out_at, created_at,"
                " updated_at) SELECT gen_random_uuid(), :org, :id,"
                " 'INVU' || lpad((CAST(:run AS int) * 1000 + k)::text, 7, '0'),"
                " CASE WHEN k % 2 = 0 THEN '22G1' ELSE '45R1' END, 'IN_YARD',"
                " CAST(:start AS timestamptz) + k * interval '7 min',"
                " NULL, now(), now()"
                " FROM generate_series(1, 100) k"
            ),
            {
                "id": shipment_id,
                "org": org,
                "run": run,
                "start": YEAR_START + timedelta(days=380),
            },
        )
    return shipment_id


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--containers", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.containers, arguments.runs))
