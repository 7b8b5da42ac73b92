"""Subscriptions: listen on a broadcaster channel, reload per event, authorise."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

import structlog
from broadcaster import Broadcast

from schema.context import Info, Loaders

T = TypeVar("T")
log = structlog.get_logger(__name__)

Load = Callable[[Loaders, dict[str, Any]], Awaitable[T | None]]


async def watch(info: Info, channel: str, load: Load[T]) -> AsyncGenerator[T, None]:
    """Yield what `load` makes of each message on `channel`.

    Each event gets a fresh read session and fresh data loaders (never the
    socket's), so it sees current data through the viewer's tenancy scope;
    an event whose object the viewer may not see is skipped.
    """
    broadcast: Broadcast = info.context.services.extras["broadcast"]
    async with broadcast.subscribe(channel) as subscriber:
        async for event in subscriber:  # type: ignore[union-attr]
            if event is None:
                continue
            message = json.loads(event.message)
            reader, loaders = info.context.fresh_loaders()
            try:
                item = await load(loaders, message)
            finally:
                await reader.close()
            if item is not None:
                yield item
