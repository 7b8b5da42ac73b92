"""A PostgreSQL database for one test run: the configured server or an embedded one."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from dermaga.database import async_url, create_engine
from dermaga.embedded import EmbeddedPostgres
from dermaga.migrate import upgrade

TEST_URL_VARIABLE = "DERMAGA_TEST_DATABASE_URL"
EMBEDDED_DIR = Path(__file__).resolve().parents[2] / "var" / "test-postgres"


@contextlib.asynccontextmanager
async def test_database() -> AsyncIterator[str]:
    """Create a fresh, migrated database; drop it when the run ends."""
    configured = os.environ.get(TEST_URL_VARIABLE)
    embedded: EmbeddedPostgres | None = None
    if configured:
        server_url = async_url(configured)
    else:
        embedded = EmbeddedPostgres(EMBEDDED_DIR)
        embedded.start()
        server_url = embedded.url("postgres")
    name = f"dermaga_test_{secrets.token_hex(4)}"
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
        yield url
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if embedded is not None:
            embedded.stop()


async def _admin(server_url: str, statement: str) -> None:
    parsed = make_url(server_url)
    connection = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.query.get("host") or parsed.host,
        port=parsed.port,
        database=parsed.database,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
