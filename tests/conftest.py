"""Fixtures: one migrated PostgreSQL database per run, the app, clients, factories."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from dermaga.app import create_app
from dermaga.settings import Settings
from domain.models.base import Base
from domain.unit_of_work import Database
from integrations.finance.simulator import (
    FinanceSimulatorSettings,
    create_finance_simulator,
)
from integrations.serving import serve_app
from tests.support.database import test_database
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
PRAYA_API_KEY = "test-praya-api-key"
PRAYA_WEBHOOK_SECRET = "test-praya-webhook-secret"


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with test_database() as url:
        yield url


@pytest.fixture(scope="session")
async def praya_url() -> AsyncIterator[str]:
    """The simulated finance system over loopback HTTP, started before the app."""
    simulator = create_finance_simulator(
        FinanceSimulatorSettings(
            api_key=PRAYA_API_KEY,
            webhook_secret=PRAYA_WEBHOOK_SECRET.encode(),
            callback_backoff_s=0.05,
            seed=11,
        )
    )
    async with serve_app(simulator) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def settings(
    database_url: str, praya_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        finance_url=praya_url,
        finance_api_key=PRAYA_API_KEY,  # type: ignore[arg-type]
        finance_webhook_secret=PRAYA_WEBHOOK_SECRET,  # type: ignore[arg-type]
        # Tests run reconciliation by hand; the background pass stays out of the way.
        reconcile_interval_seconds=3600,
        database_url=database_url,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        data_dir=tmp_path_factory.mktemp("data"),
        log_format="console",
        log_level=os.environ.get("DERMAGA_TEST_LOG_LEVEL", "WARNING"),
        cors_origins=["https://app.dermaga.example"],
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings, migrate=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def database(app: Starlette) -> Database:
    database: Database = app.state.runtime.require().database
    return database


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Each database test starts from empty tables (the schema stays)."""
    yield
    if "database" not in request.fixturenames:
        return
    database: Database = request.getfixturevalue("database")
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    # The session app's background work (replanner, relay) may hold row
    # locks the truncation waits for, in another order: PostgreSQL then
    # breaks the deadlock by failing one side, and a retry finds it gone.
    for attempt in range(5):
        try:
            async with database.engine.begin() as connection:
                await connection.execute(
                    text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
                )
            return
        except DBAPIError as error:
            if "deadlock" not in str(error) or attempt == 4:
                raise
            await asyncio.sleep(0.1)


@pytest.fixture
async def http(app: Starlette, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def client(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
def factory(database: Database, client: GraphQLClient) -> Factory:
    return Factory(database, client)


@pytest.fixture(scope="session")
async def live_server(app: Starlette) -> AsyncIterator[str]:
    """The same app on a real uvicorn over loopback, for WebSocket tests."""
    async with serve_app(_without_lifespan(app)) as base_url:
        yield base_url


def _without_lifespan(app: ASGIApp) -> ASGIApp:
    """The session fixture already ran the lifespan; uvicorn must not run it again."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    return wrapped
