"""Shared subscriptions: each event executed once for subscribers who see alike.

Thousands of sockets following one vessel call all ask the same question with
the same variables, and most of them see the same rows. Subscribers of one
document, operation, variables and visibility (what the tenancy scope lets
them see: staff, or one organisation) form a group. The group runs the
subscription once, with a context of its own, and serialises each result once;
each member's socket gets those bytes behind its own operation id.

Each subscriber is still authorised when it starts (its resolver runs as a
probe, schema.subscriptions.probing), and every event is reloaded through the
group's tenancy scope. A socket writes its frames in order through one
`Outbox`; a member a whole queue behind closes its socket with 4429, as an
unshared subscriber would. Only root fields whose whole result depends on the
viewer through the tenancy scope alone may be shared (`SHARED_FIELDS`).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from graphql import (
    FieldNode,
    GraphQLError,
    OperationType,
    get_operation_ast,
    parse,
)
from starlette.websockets import WebSocketDisconnect
from strawberry.schema.base import BaseSchema
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from domain.viewer import Viewer
from schema.context import Context, Services
from schema.subscriptions import (
    CREDENTIAL_LAPSED_CODE,
    SLOW_CONSUMER_CODE,
    SLOW_CONSUMER_REASON,
    TOKEN_EXPIRED,
    serving,
    visibility,
)

log = structlog.get_logger(__name__)

# Root fields whose results, down to every nested field, depend on the viewer
# only through the tenancy scope: no role checks, no viewer-signed links.
SHARED_FIELDS = frozenset({"vesselCallUpdated", "dischargeProgress"})
# Longer documents take the unshared path, under the schema's token limit.
MAX_SHARED_DOCUMENT_CHARS = 4_000
MAX_SHARED_DOCUMENT_TOKENS = 400

SendText = Callable[[str], Awaitable[None]]
Close = Callable[[int, str], Awaitable[None]]
Ended = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class GroupKey:
    """What makes two subscriptions one: document, operation, variables, view."""

    query: str
    operation_name: str | None
    variables: str
    visibility: Hashable


@functools.lru_cache(maxsize=256)
def shareable(query: str, operation_name: str | None) -> bool:
    """The document subscribes to one field of SHARED_FIELDS, and nothing else."""
    if len(query) > MAX_SHARED_DOCUMENT_CHARS:
        return False
    try:
        document = parse(query, no_location=True, max_tokens=MAX_SHARED_DOCUMENT_TOKENS)
    except GraphQLError:
        return False
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.SUBSCRIPTION:
        return False
    fields = operation.selection_set.selections
    return (
        len(fields) == 1
        and isinstance(fields[0], FieldNode)
        and fields[0].name.value in SHARED_FIELDS
    )


class Member:
    """One subscription (an operation id on one socket) in a group."""

    __slots__ = ("gone", "group", "id", "outbox", "pending", "prefix")

    def __init__(self, operation_id: str, outbox: Outbox) -> None:
        self.id = operation_id
        self.outbox = outbox
        self.pending = 0
        self.group: Group | None = None
        # Completed by the client or its socket closed: send it nothing more.
        self.gone = False
        # graphql-transport-ws `next`: the payload follows, then the closing brace.
        self.prefix = '{"id":' + json.dumps(operation_id) + ',"type":"next","payload":'

    def leave(self) -> None:
        """Stop receiving the group's results; the last member out ends the group."""
        self.gone = True
        group, self.group = self.group, None
        if group is not None:
            group.remove(self)


class Outbox:
    """One socket's frames of shared subscriptions, sent in order by one writer.

    The writer is a task only while frames wait, so an idle socket holds none.
    """

    __slots__ = (
        "_close",
        "_closer",
        "_ended",
        "_frames",
        "_send",
        "_writer",
        "closed",
        "lapses_at",
        "limit",
    )

    def __init__(self, send: SendText, close: Close, ended: Ended, limit: int) -> None:
        self._send = send
        self._close = close
        self._ended = ended
        self.limit = limit
        # A list, not a deque: usually empty or one frame, and a deque's first
        # block alone would outweigh the rest of a socket's shared state.
        self._frames: list[tuple[Member, str]] = []
        self._writer: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        # The socket went away or was dropped: frames are no longer taken.
        self.closed = False
        # When the socket's credential lapses (time.time()); None: never.
        self.lapses_at: float | None = None

    def push(self, member: Member, frame: str) -> None:
        """Queue a frame; drop the socket (4429) if the member is a queue behind."""
        if self.closed:
            return
        if self.lapses_at is not None and time.time() >= self.lapses_at:
            self.drop(CREDENTIAL_LAPSED_CODE, TOKEN_EXPIRED)
            return
        if member.pending >= self.limit:
            log.warning("subscription.slow_consumer", operation=member.id, shared=True)
            self.drop(SLOW_CONSUMER_CODE, SLOW_CONSUMER_REASON)
            return
        self._queue(member, frame)

    def finish(self, member: Member, frame: str) -> None:
        """Send the member's last frame (`complete` or `error`); its id is free."""
        self._ended(member.id)
        if not self.closed:
            self._queue(member, frame)

    def drop(self, code: int, reason: str) -> None:
        """Close the socket with `code`; queued frames are discarded."""
        if self.closed:
            return
        self.closed = True
        self._frames.clear()
        self._closer = asyncio.create_task(self._close_quietly(code, reason))

    def discard(self) -> None:
        """The socket is gone: stop writing and forget what waits."""
        self.closed = True
        self._frames.clear()
        if self._writer is not None:
            self._writer.cancel()

    def _queue(self, member: Member, frame: str) -> None:
        member.pending += 1
        self._frames.append((member, frame))
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._frames:
                batch, self._frames = self._frames, []
                for member, frame in batch:
                    member.pending -= 1
                    if not (self.closed or member.gone):
                        await self._send(frame)
        except (WebSocketDisconnect, RuntimeError, OSError):
            # The socket's handler sees the disconnect and ends its operations.
            self.closed = True
            self._frames.clear()
        finally:
            self._writer = None

    async def _close_quietly(self, code: int, reason: str) -> None:
        try:
            await self._close(code, reason)
        except (WebSocketDisconnect, RuntimeError, OSError):
            log.debug("subscription.close_after_disconnect", code=code)


class Group:
    """Subscribers of one key: one stream, one execution and one payload per event.

    Each event is read afresh, so two events in quick succession (a box off
    and the call's stage moving with it) can read the same state: a payload
    equal to the last one goes only to members who joined since, never twice
    to the same socket.
    """

    def __init__(
        self,
        owner: SharedSubscriptions,
        key: GroupKey,
        context: Context,
        variables: dict[str, Any] | None,
    ) -> None:
        self.key = key
        self._owner = owner
        self._context = context
        self._variables = variables
        self._members: dict[Member, None] = {}
        self._last: str | None = None
        self._joined_since: dict[Member, None] = {}
        # A context of its own: no socket's log bindings or event scope leak in.
        self._task = asyncio.create_task(
            self._run(), name="shared-subscription", context=contextvars.Context()
        )

    def __len__(self) -> int:
        return len(self._members)

    def add(self, member: Member) -> None:
        member.group = self
        self._members[member] = None
        self._joined_since[member] = None

    def remove(self, member: Member) -> None:
        self._members.pop(member, None)
        self._joined_since.pop(member, None)
        if not self._members:
            self._stop()

    def drop_slow(self) -> None:
        """The group fell a whole queue behind its channel: drop every socket."""
        members, self._members = list(self._members), {}
        self._joined_since = {}
        for member in members:
            member.group = None
            member.outbox.drop(SLOW_CONSUMER_CODE, SLOW_CONSUMER_REASON)
        self._stop()

    def _stop(self) -> None:
        self._owner.forget(self)
        self._task.cancel()

    async def _run(self) -> None:
        seen = self.key.visibility
        structlog.contextvars.bind_contextvars(shared_subscription=repr(seen))
        ended: Callable[[str], str] = _complete
        try:
            ended = await self._serve()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("subscription.shared.failed")
        self._end(ended)

    async def _serve(self) -> Callable[[str], str]:
        with serving(self):
            stream = await self._owner.schema.subscribe(
                self.key.query,
                variable_values=self._variables,
                context_value=self._context,
                operation_name=self.key.operation_name,
            )
            async with aclosing(stream):
                async for result in stream:
                    if isinstance(result, PreExecutionError):
                        return functools.partial(_error, payload=_errors(result))
                    if isinstance(result, ExecutionResult):
                        self._fan_out(_encode(_next_payload(result)))
        return _complete

    def _fan_out(self, payload: str) -> None:
        receivers = self._joined_since if payload == self._last else self._members
        self._last, self._joined_since = payload, {}
        frame_end = payload + "}"
        for member in list(receivers):
            member.outbox.push(member, member.prefix + frame_end)

    def _end(self, frame_for: Callable[[str], str]) -> None:
        self._owner.forget(self)
        members, self._members = list(self._members), {}
        log.info("subscription.shared.ended", members=len(members))
        for member in members:
            member.group = None
            member.outbox.finish(member, frame_for(member.id))


class SharedSubscriptions:
    """The process's groups of shared subscriptions, by key."""

    def __init__(self, schema: BaseSchema) -> None:
        self.schema = schema
        self._groups: dict[GroupKey, Group] = {}

    def key_for(
        self,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, object] | None,
        viewer: Viewer | None,
    ) -> GroupKey | None:
        """The group a subscription would join, or None if it runs on its own."""
        seen = visibility(viewer)
        if seen is None or not shareable(query, operation_name):
            return None
        try:
            canonical = json.dumps(
                variables or {}, sort_keys=True, separators=(",", ":")
            )
        except (TypeError, ValueError):
            return None
        return GroupKey(query, operation_name, canonical, seen)

    def join(
        self,
        key: GroupKey,
        member: Member,
        *,
        services: Services,
        viewer: Viewer,
        variables: dict[str, Any] | None,
    ) -> None:
        """Add an authorised subscriber to its group, starting the group if new."""
        group = self._groups.get(key)
        if group is None:
            # Any member's viewer will do: the key holds all the group may see.
            context = Context(services, viewer)
            group = self._groups[key] = Group(self, key, context, variables)
            log.info("subscription.shared.started", groups=len(self._groups))
        group.add(member)

    def forget(self, group: Group) -> None:
        if self._groups.get(group.key) is group:
            del self._groups[group.key]

    @property
    def group_count(self) -> int:
        """Groups running now: one stream each."""
        return len(self._groups)

    @property
    def member_count(self) -> int:
        """Subscriptions served by the groups."""
        return sum(len(group) for group in self._groups.values())


def _next_payload(result: ExecutionResult) -> dict[str, object]:
    payload: dict[str, object] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload


def _errors(result: PreExecutionError) -> list[object]:
    return [error.formatted for error in result.errors or ()]


def _encode(message: object) -> str:
    # As strawberry's views encode every other message (compact separators).
    return json.dumps(message, separators=(",", ":"))


def _complete(operation_id: str) -> str:
    return _encode({"id": operation_id, "type": "complete"})


def _error(operation_id: str, *, payload: list[object]) -> str:
    return _encode({"id": operation_id, "type": "error", "payload": payload})
