"""Relay conventions: opaque global ids, connections with totalCount, paging."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.models.base import Base
from schema.context import Info

NodeType = TypeVar("NodeType")
Model = TypeVar("Model", bound=Base)
CURSOR_PREFIX = "c1:"
PageRead = Callable[[AsyncSession, int, int], Awaitable[Sequence[Any]]]


def global_id(type_name: str, key: uuid.UUID) -> relay.GlobalID:
    return relay.GlobalID(type_name, str(key))


def node_key(value: str) -> uuid.UUID:
    """The UUID behind a node id's key; a malformed key matches no row."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.UUID(int=0)


async def load_nodes(
    info: Info,
    model: type[Model],
    node_ids: Iterable[str],
    convert: Callable[[Model], NodeType],
    *,
    signed_in_only: bool = False,
) -> list[NodeType | None]:
    """A Node type's `resolve_nodes`: rows through the request's loader, in order.

    A malformed key, or a row the viewer may not see, gives None. With
    `signed_in_only` an anonymous viewer gets None for every id, unread.
    """
    keys = [node_key(i) for i in node_ids]
    if signed_in_only and info.context.viewer is None:
        return [None] * len(keys)
    rows = await info.context.loaders.of(model).load_many(keys)
    return [None if row is None else convert(row) for row in rows]


# An id as a client sends it: a plain `ID` until the resolver reads it, so a
# malformed one answers as an id of nothing (NOT_FOUND on its input field, or
# null), never as a top-level error. The schema shows `ID` either way.
SentID = strawberry.ID


def sent_global_id(value: relay.GlobalID | str) -> relay.GlobalID | None:
    """The global id a client sent; None when it is not one at all."""
    if isinstance(value, relay.GlobalID):
        return value
    try:
        return relay.GlobalID.from_id(value)
    except relay.GlobalIDValueError:
        return None


def parse_global_id(
    value: relay.GlobalID | str, type_name: str | None = None
) -> uuid.UUID:
    """The UUID inside a global id; a malformed or foreign id reads as a nil UUID.

    A nil UUID matches no row, so a caller answers exactly as for a missing
    object and never tells an invisible object from an absent one.
    """
    parsed = sent_global_id(value)
    if parsed is None:
        return uuid.UUID(int=0)
    if type_name is not None and parsed.type_name != type_name:
        return uuid.UUID(int=0)
    return node_key(parsed.node_id)


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Items come before this page."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge.")


@strawberry.type(description="One item of a list and its cursor.")
class Edge(Generic[NodeType]):
    cursor: str = strawberry.field(
        description="Opaque: pass it as `after` or `before`."
    )
    node: NodeType = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list that can grow (Relay connection).")
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]] = strawberry.field(description="The page's items.")
    page_info: PageInfo = strawberry.field(description="Where the page sits.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds.")
    async def total_count(self) -> int:
        return await self._count()

    @strawberry.field(description="The nodes of this page, without cursors.")
    def nodes(self) -> list[NodeType]:
        return [edge.node for edge in self.edges]


class PagingError(GraphQLError):
    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "BAD_USER_INPUT"})


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{offset}".encode()).decode()


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(CURSOR_PREFIX):
            return max(int(text[len(CURSOR_PREFIX) :]), -1)
    except (ValueError, UnicodeDecodeError):
        pass
    raise PagingError(f"{cursor!r} is not a cursor of this list")


def window(
    info: Info,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> tuple[int, int]:
    """The offset and size of the page asked for, within the page-size cap."""
    cap = info.context.services.max_page_size
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= cap:
            raise PagingError(f"`{name}` must be between 0 and {cap}")
    start = _decode(after) + 1 if after is not None else 0
    end = _decode(before) if before is not None else None
    if last is not None:
        if end is None:
            raise PagingError("`last` needs `before`; page forward with `first`")
        begin = max(start, end - last)
        return begin, end - begin
    size = first if first is not None else cap
    if end is not None:
        size = min(size, max(end - start, 0))
    return start, size


async def paginate(
    info: Info,
    statement: Select[Any],
    convert: Callable[[Any], NodeType],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    read: PageRead | None = None,
) -> Connection[NodeType]:
    """Run an ordered, tenancy-scoped select as one page of a connection.

    `statement` is an ORM select, scoped by the session; it counts the list,
    and reads the page as mapped objects unless `read` reads it (rows from
    offset, at most limit) some other way.
    """
    offset, size = window(info, first, after, last, before)
    reader = info.context.reader
    async with reader.session() as session:
        if read is None:
            page = statement.offset(offset).limit(size + 1)
            rows = list(await session.scalars(page))
        else:
            rows = list(await read(session, offset, size + 1))
    more = len(rows) > size
    rows = rows[:size]

    async def count() -> int:
        counted = select(func.count()).select_from(statement.order_by(None).subquery())
        async with reader.session() as session:
            return int(await session.scalar(counted) or 0)

    edges = [
        Edge(cursor=_encode(offset + i), node=convert(row))
        for i, row in enumerate(rows)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more,
            has_previous_page=offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )
