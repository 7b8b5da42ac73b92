"""Subscriptions: listen on a channel, reload per event, authorise, drop the slow.

The process's event hub (dermaga.broadcast) fans each channel out to bounded
per-subscriber queues. A subscriber that falls a whole queue behind is
dropped: its socket closes with 4429 "slow consumer" and the client
reconnects, rather than the server holding an ever longer backlog for it.

Subscribers who see alike may share one execution (dermaga.shared_subscriptions):
each one's start is then only a probe (`probing`), which authorises it and stops
at `watch`, and one stream, run for their whole `audience`, listens and reloads.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterator,
)
from contextlib import AbstractAsyncContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

import structlog
from starlette.websockets import WebSocket

from domain.unit_of_work import Reader
from domain.viewer import Viewer
from schema.context import Info, Loaders, bind_event_scope

T = TypeVar("T")
log = structlog.get_logger(__name__)

Load = Callable[[Loaders, dict[str, Any]], Awaitable[T | None]]

SLOW_CONSUMER_CODE = 4429
SLOW_CONSUMER_REASON = "slow consumer"
# A socket whose token expired or whose API key was revoked.
CREDENTIAL_LAPSED_CODE = 4401
TOKEN_EXPIRED = "the token expired: sign in again and reconnect"
# Sent to every subscriber after the hub lost its backend for a while: events
# of the gap may be missing, so each subscriber reloads what it shows.
RESYNC = json.dumps({"kind": "resync"})


class SlowConsumerError(Exception):
    """The subscriber's queue overflowed; it was dropped from its channel."""


class EventHub(Protocol):
    """Channels of small JSON messages, each subscriber with a bounded queue."""

    def subscribe(
        self, channel: str, audience: Audience | None = None
    ) -> AbstractAsyncContextManager[AsyncIterator[str]]:
        """Messages on `channel` from now on; raises SlowConsumerError if dropped."""
        ...


class Audience(Protocol):
    """The subscribers one shared execution serves: it counts them, drops them."""

    def __len__(self) -> int: ...

    def drop_slow(self) -> None:
        """The shared queue fell a whole queue behind: drop every subscriber."""
        ...


class Probe:
    """A subscription's start check: did its resolver authorise it up to `watch`?"""

    __slots__ = ("reached",)

    def __init__(self) -> None:
        self.reached = False


_PROBE: ContextVar[Probe | None] = ContextVar("dermaga_probe", default=None)
_AUDIENCE: ContextVar[Audience | None] = ContextVar("dermaga_audience", default=None)


@contextmanager
def probing() -> Iterator[Probe]:
    """Run a subscription only to its `watch`: the start checks, no listening."""
    probe = Probe()
    token = _PROBE.set(probe)
    try:
        yield probe
    finally:
        _PROBE.reset(token)


@contextmanager
def serving(audience: Audience) -> Iterator[None]:
    """Make the subscriptions run here listen once for the whole `audience`."""
    token = _AUDIENCE.set(audience)
    try:
        yield
    finally:
        _AUDIENCE.reset(token)


async def watch(info: Info, channel: str, load: Load[T]) -> AsyncGenerator[T, None]:
    """Yield what `load` makes of each message on `channel`.

    Each event gets a fresh read session and fresh data loaders (never the
    socket's), and the fields of what it yields resolve through them too, so
    an event sees current data through the viewer's tenancy scope; an event
    whose object the viewer may not see is skipped. Subscribers of one event
    who see the same rows (staff, or one organisation) share that session and
    its loaders, so a thousand sockets on one vessel call cost one read.
    """
    probe = _PROBE.get()
    if probe is not None:
        # The resolver's start checks passed; the shared stream does the rest.
        probe.reached = True
        return
    hub: EventHub = info.context.services.extras["broadcast"]
    audience = _AUDIENCE.get()
    try:
        async with hub.subscribe(channel, audience) as messages:
            async for raw in messages:
                scope = _SCOPES.enter(info, raw)
                try:
                    item = await load(scope.loaders, json.loads(raw))
                    if item is not None:
                        yield item
                finally:
                    await _SCOPES.leave(scope)
    except SlowConsumerError:
        await _drop_slow_consumer(info, channel, audience)


class _EventScope:
    """The read session and loaders of one event for subscribers alike in view."""

    def __init__(self, key: Hashable, raw: str, reader: Reader, loaders: Loaders):
        self.key = key
        # Held so the message's identity, part of the key, is not reused.
        self.raw = raw
        self.reader = reader
        self.loaders = loaders
        self.users = 0


class _SharedScopes:
    """Event scopes by (message, visibility), closed when their last user is done."""

    def __init__(self) -> None:
        self._open: dict[Hashable, _EventScope] = {}

    def enter(self, info: Info, raw: str) -> _EventScope:
        key = (id(raw), _visibility(info))
        scope = self._open.get(key) if key[1] is not None else None
        if scope is None:
            reader, loaders = info.context.fresh_loaders()
            scope = _EventScope(key, raw, reader, loaders)
            if key[1] is not None:
                self._open[key] = scope
        scope.users += 1
        bind_event_scope((scope.reader, scope.loaders))
        return scope

    async def leave(self, scope: _EventScope) -> None:
        bind_event_scope(None)
        scope.users -= 1
        if scope.users == 0:
            if self._open.get(scope.key) is scope:
                del self._open[scope.key]
            await scope.reader.close()


def visibility(viewer: Viewer | None) -> Hashable | None:
    """What the tenancy scope lets `viewer` see: all (staff) or one organisation's."""
    # Tenancy scoping reads only these two facts of the viewer (domain.tenancy).
    if viewer is None:
        return None
    return ("staff",) if viewer.is_staff else ("organisation", viewer.organisation_id)


def _visibility(info: Info) -> Hashable | None:
    return visibility(info.context.viewer)


_SCOPES = _SharedScopes()


async def _drop_slow_consumer(
    info: Info, channel: str, audience: Audience | None
) -> None:
    log.warning("subscription.slow_consumer", channel=channel, shared=bool(audience))
    socket = info.context.request
    if audience is not None:
        audience.drop_slow()
    elif isinstance(socket, WebSocket):
        await socket.close(code=SLOW_CONSUMER_CODE, reason=SLOW_CONSUMER_REASON)
    # The socket's handler (or the shared stream's owner) cancels this operation.
    await asyncio.Event().wait()
