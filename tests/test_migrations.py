"""The Alembic revisions build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from domain.models.base import Base
from domain.unit_of_work import Database


async def test_migrations_match_the_models(database: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as connection:
        diff = await connection.run_sync(differences)

    assert diff == []
