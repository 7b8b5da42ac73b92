"""Alembic environment: runs on a connection the caller opened (see dermaga.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

import domain.models  # noqa: F401  (registers every table on the metadata)
from domain.models.base import Base

# Any number unique to this project: processes that start together wait here.
MIGRATION_LOCK = 0x6465726D


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
        )
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations with `dermaga migrate`, which opens the connection"
    )
run_on(connection)
