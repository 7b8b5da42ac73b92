"""The request context: who is asking, the read session and the data loaders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from strawberry.dataloader import DataLoader
from strawberry.types import Info as _Info

from domain.models.base import Base
from domain.unit_of_work import Database, Reader
from domain.viewer import Viewer

M = TypeVar("M", bound=Base)


@dataclass(frozen=True, slots=True)
class Services:
    """What a process shares between requests; built by the composition root."""

    database: Database
    signing_key: str
    token_ttl: timedelta
    max_page_size: int
    extras: dict[str, Any] = field(default_factory=dict)


class Loaders:
    """Data loaders of one request (or of one subscription event), by model."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self._by_model: dict[type[Base], DataLoader[uuid.UUID, Any]] = {}

    def of(self, model: type[M]) -> DataLoader[uuid.UUID, M | None]:
        """Rows by primary key; rows the viewer may not see come back as None."""
        loader = self._by_model.get(model)
        if loader is None:
            key = inspect(model).primary_key[0]

            async def load(ids: Sequence[uuid.UUID]) -> list[M | None]:
                async with self._reader.session() as session:
                    rows = await session.scalars(select(model).where(key.in_(ids)))
                    found = {getattr(row, str(key.key)): row for row in rows}
                return [found.get(i) for i in ids]

            loader = DataLoader(load_fn=load)
            self._by_model[model] = loader
        return loader


class Context:
    """Per HTTP request, or per WebSocket connection for subscriptions."""

    def __init__(
        self,
        services: Services,
        viewer: Viewer | None,
        *,
        request: object = None,
        response: object = None,
        auth_error: str | None = None,
    ) -> None:
        self.services = services
        self.viewer = viewer
        self.request = request
        self.response = response
        self.auth_error = auth_error
        self.connection_params: dict[str, object] | None = None
        self.reader = services.database.reader(viewer)
        self.loaders = Loaders(self.reader)

    def set_viewer(self, viewer: Viewer | None) -> None:
        self.viewer = viewer
        self.reader = self.services.database.reader(viewer)
        self.loaders = Loaders(self.reader)

    def fresh_loaders(self) -> tuple[Reader, Loaders]:
        """A reader and loaders for one subscription event, never the socket's."""
        reader = self.services.database.reader(self.viewer)
        return reader, Loaders(reader)


Info = _Info[Context, None]
