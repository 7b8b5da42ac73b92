"""Where the database is: a configured server, or an embedded one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dermaga.embedded import EmbeddedPostgres

EMBEDDED_DATABASE = "dermaga"


def async_url(url: str) -> str:
    """Accept postgres://, postgresql:// or a full SQLAlchemy URL; use asyncpg."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("Dermaga runs on PostgreSQL only")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(
        hide_password=False
    )


@contextmanager
def database_url(configured: str | None, data_dir: Path) -> Iterator[str]:
    """Yield the URL to use, starting an embedded server when none is configured."""
    if configured:
        yield async_url(configured)
        return
    server = EmbeddedPostgres(data_dir / "postgres")
    server.start()
    try:
        server.ensure_database(EMBEDDED_DATABASE)
        yield server.url(EMBEDDED_DATABASE)
    finally:
        server.stop()


def create_engine(
    url: str, *, pool_size: int = 10, hide_parameters: bool = True
) -> AsyncEngine:
    """An asyncpg engine; statement parameters stay out of errors and logs."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        hide_parameters=hide_parameters,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": {"timezone": "UTC"}},
    )
