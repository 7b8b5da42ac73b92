"""The request context: who is asking, the read session and the data loaders."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from inspect import isawaitable
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Row, Select, any_, bindparam, inspect, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types import Info as _Info

from domain.models.base import Base
from domain.tenancy import CoreScoped, viewer_of
from domain.unit_of_work import Database, Reader
from domain.viewer import Viewer

M = TypeVar("M", bound=Base)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
W = TypeVar("W")
Batch = Callable[[AsyncSession, Sequence[K]], Awaitable[Sequence[V]]]


def among(column: Any) -> ColumnElement[bool]:
    """`column = ANY($1::uuid[])`, the keys given at execution (`keys_of`).

    Unlike `IN (...)`, the statement is the same for any number of keys: it
    can be built once, and its compiled form and asyncpg's prepared statement
    are reused, with no parameter list rendered per execution.
    """
    return column == any_(  # type: ignore[no-any-return]
        bindparam("keys", type_=ARRAY(PG_UUID(as_uuid=True)))
    )


def keys_of(keys: Sequence[uuid.UUID]) -> dict[str, list[uuid.UUID]]:
    """The parameters of a statement filtered by `among`."""
    return {"keys": list(keys)}


def table_of(model: type[Base]) -> Any:
    """The table columns of `model`, for Core statements (`rows_of`).

    Not the mapped attributes: one of them in a statement makes it an ORM
    statement, whose compilation and results cost more even on a connection.
    """
    return model.__table__.c


def columns_of(model: type[Base], *names: str) -> tuple[Any, ...]:
    """Columns of `model`'s table, to select plain rows instead of objects.

    For hot read paths (`rows_of`): rows skip the identity map and instance
    state. Name only the columns read: each column of each row costs a
    conversion. A row answers the same attribute names as the mapped object
    (the columns are named as the attributes).
    """
    columns = table_of(model)
    return tuple(columns[name] for name in names)


async def rows_of(
    session: AsyncSession,
    scoped: CoreScoped[Any],
    params: dict[str, Any] | None = None,
    refine: Callable[[Select[Any]], Select[Any]] | None = None,
) -> Sequence[Row[Any]]:
    """A hot read's rows, run as Core on the session's connection.

    ORM execution (the tenancy listener, the ORM result) cost three tenths of
    a millisecond a statement more on the dashboard's page. The select is
    taken in the session viewer's tenancy form (`CoreScoped`), then `refine`
    (filters, order, a page) is applied to it.
    """
    statement, scope = scoped.form(viewer_of(session.sync_session))
    if refine is not None:
        statement = refine(statement)
    connection = await session.connection()
    result = await connection.execute(statement, {**scope, **(params or {})})
    rows: Sequence[Row[Any]] = result.all()
    return rows


def settled(value: Awaitable[V]) -> V | Awaitable[V]:
    """A loader's answer itself when it is already known, else the awaitable.

    A field that returns a value completes there and then; one that returns
    an awaitable costs graphql-core a coroutine and a gather per object. When
    a list's resolver has read ahead for its items (`prefetch_shipments`), the
    item fields' loaders hold their answers, and each field returns a value.
    """
    if isinstance(value, asyncio.Future) and value.done():
        if not value.cancelled() and value.exception() is None:
            return cast(V, value.result())
    return value


def then(value: Awaitable[V], convert: Callable[[V], W]) -> W | Awaitable[W]:
    """`convert` of a loader's answer: at once if it is known, else when it is."""
    known = settled(value)
    if not isawaitable(known):
        return convert(known)
    converted: asyncio.Future[W] = asyncio.get_running_loop().create_future()

    def settle(done: asyncio.Future[V]) -> None:
        if done.cancelled():
            converted.cancel()
        elif (error := done.exception()) is not None:
            converted.set_exception(error)
        else:
            try:
                converted.set_result(convert(done.result()))
            except Exception as failure:
                converted.set_exception(failure)

    # A loader's future is used as it is; anything else becomes a task.
    asyncio.ensure_future(value).add_done_callback(settle)
    return converted


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
        self._batched: dict[str, DataLoader[Any, Any]] = {}

    def batched(self, name: str, batch: Batch[K, V]) -> DataLoader[K, V]:
        """The loader called `name`: `batch` answers many keys in one read.

        For lists by foreign key and aggregates; `batch` returns one value per
        key, in the order given, read through the viewer's tenancy scope.
        """
        loader = self._batched.get(name)
        if loader is None:

            async def load(keys: Sequence[K]) -> Sequence[V]:
                async with self._reader.session() as session:
                    return await batch(session, keys)

            loader = DataLoader(load_fn=load)
            self._batched[name] = loader
        return loader

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


_EVENT_SCOPE: ContextVar[tuple[Reader, Loaders] | None] = ContextVar(
    "dermaga_event_scope", default=None
)


def bind_event_scope(
    scope: tuple[Reader, Loaders] | None,
) -> tuple[Reader, Loaders] | None:
    """Make a subscription event's reader and loaders those its fields resolve with.

    A subscription's context lives as long as its socket; each event must read
    current data, so its fields go through the event's own session and loaders.
    The scope is per task, so operations sharing a socket never share it.
    Returns the scope it replaces.
    """
    previous = _EVENT_SCOPE.get()
    _EVENT_SCOPE.set(scope)
    return previous


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
        self.loaders = Loaders(self._reader)

    @property
    def reader(self) -> Reader:
        """The read session of the current subscription event, else the request's."""
        scope = _EVENT_SCOPE.get()
        return scope[0] if scope is not None else self._reader

    @reader.setter
    def reader(self, reader: Reader) -> None:
        self._reader = reader

    @property
    def loaders(self) -> Loaders:
        """The loaders of the current subscription event, else the request's."""
        scope = _EVENT_SCOPE.get()
        return scope[1] if scope is not None else self._loaders

    @loaders.setter
    def loaders(self, loaders: Loaders) -> None:
        self._loaders = loaders

    def set_viewer(self, viewer: Viewer | None) -> None:
        self.viewer = viewer
        self.reader = self.services.database.reader(viewer)
        self.loaders = Loaders(self._reader)

    def fresh_loaders(self) -> tuple[Reader, Loaders]:
        """A reader and loaders for one subscription event, never the socket's."""
        reader = self.services.database.reader(self.viewer)
        return reader, Loaders(reader)


Info = _Info[Context, None]
