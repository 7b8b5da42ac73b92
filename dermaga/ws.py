"""The graphql-transport-ws handler: shared subscriptions beside strawberry's own.

A subscription the process may share (dermaga.shared_subscriptions) starts as
strawberry's would, but only as a probe: its resolver authorises the viewer,
and errors reach the client exactly as they would unshared. Then, instead of
a task and a stream of its own, it joins its group and keeps only a small
`Member`; the socket's `Outbox` writes the group's frames. Every other
operation takes strawberry's path unchanged.

The socket lives no longer than the credential it opened with: the first
event after its token expired closes it with 4401 instead of being sent, and
so does its API key's revocation as soon as it is announced; nothing of any
operation is sent after that. (A timer per socket would cost memory on every
one of thousands of sockets; an expired socket that hears nothing sends
nothing anyway.)
"""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import suppress
from typing import Any

from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.utils.aio import aclosing

from dermaga.shared_subscriptions import GroupKey, Member, Outbox, SharedSubscriptions
from domain.events import api_key_channel
from domain.services.identity import api_key_active
from domain.viewer import SYSTEM, PrincipalKind
from schema.context import Context
from schema.subscriptions import (
    CREDENTIAL_LAPSED_CODE,
    RESYNC,
    TOKEN_EXPIRED,
    EventHub,
    probing,
)

DEFAULT_QUEUE_SIZE = 256
KEY_REVOKED = "the API key was revoked"


class SharedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with shared subscriptions: one writer per socket."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._members: dict[str, Member] = {}
        self._outbox: Outbox | None = None
        self._lapsed = False
        self._lapses_at: float | None = None
        self._revocation: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        shared = self._shared()
        key = None if shared is None else self._key(shared, operation)
        if shared is None or key is None:
            await super().run_operation(operation)
            return
        try:
            if await self._authorised(operation):
                self._join(shared, key, operation)
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message(
                    {"id": operation.id, "type": "complete"}
                )
            self.operations.pop(operation.id, None)
            raise

    async def handle_connection_init(self, message: Any) -> None:
        watching = self.connection_acknowledged
        await super().handle_connection_init(message)
        if self.connection_acknowledged and not watching:
            self._watch_credential()

    async def handle_subscribe(self, message: Any) -> None:
        if not _well_formed(message.get("payload")):
            # The protocol's answer to a message of the wrong shape.
            await self.websocket.close(code=4400, reason="Invalid subscribe payload")
            return
        await super().handle_subscribe(message)

    async def send_message(self, message: Any) -> None:
        if message.get("type") == "next" and self._expired():
            self._lapse(TOKEN_EXPIRED)
        if self._lapsed:
            return
        await super().send_message(message)

    def on_request_accepted(self) -> None:
        super().on_request_accepted()
        timeout = self.connection_init_timeout_task
        if timeout is not None:
            timeout.add_done_callback(self._release_init_timeout)

    async def cleanup_operation(self, operation_id: str) -> None:
        member = self._members.pop(operation_id, None)
        if member is None:
            await super().cleanup_operation(operation_id)
            return
        # A member's start task is over; only its place in the group remains.
        member.leave()
        self.operations.pop(operation_id, None)

    async def shutdown(self) -> None:
        if self._revocation is not None:
            self._revocation.cancel()
        await super().shutdown()
        for member in list(self._members.values()):
            member.leave()
        self._members.clear()
        if self._outbox is not None:
            self._outbox.discard()

    def _watch_credential(self) -> None:
        """Close the socket when its token expires or its API key is revoked."""
        viewer = self.context.viewer
        if viewer is None:
            return
        if viewer.expires_at is not None:
            self._lapses_at = viewer.expires_at.timestamp()
        hub = self.context.services.extras.get("broadcast")
        if viewer.kind is PrincipalKind.API_KEY and hub is not None:
            self._revocation = asyncio.create_task(
                self._follow_revocation(hub, viewer.principal_id),
                name="api-key-revocation",
            )

    async def _follow_revocation(self, hub: EventHub, key_id: uuid.UUID) -> None:
        async with hub.subscribe(api_key_channel(key_id)) as messages:
            async for message in messages:
                # After the broker came back, the announcement may be lost.
                if message == RESYNC and await self._key_active(key_id):
                    continue
                self._lapse(KEY_REVOKED)
                return

    async def _key_active(self, key_id: uuid.UUID) -> bool:
        async with self.context.services.database.reading(SYSTEM) as session:
            return await api_key_active(session, key_id)

    def _expired(self) -> bool:
        return self._lapses_at is not None and time.time() >= self._lapses_at

    def _lapse(self, reason: str) -> None:
        """The credential is over: nothing more is sent, and the socket closes."""
        if self._lapsed:
            return
        self._lapsed = True
        outbox = self._outbox
        if outbox is not None:
            outbox.drop(CREDENTIAL_LAPSED_CODE, reason)
        else:
            self._closing = asyncio.create_task(self._close(reason))

    async def _close(self, reason: str) -> None:
        with suppress(Exception):
            await self.websocket.close(code=CREDENTIAL_LAPSED_CODE, reason=reason)

    def _shared(self) -> SharedSubscriptions | None:
        shared = getattr(self.view, "shared_subscriptions", None)
        if not isinstance(shared, SharedSubscriptions):
            return None
        if not isinstance(self.websocket, ASGIWebSocketAdapter):
            return None
        return shared

    def _key(
        self, shared: SharedSubscriptions, operation: Operation[Context, None]
    ) -> GroupKey | None:
        return shared.key_for(
            operation.query,
            operation.operation_name,
            operation.variables,
            self.context.viewer,
        )

    async def _authorised(self, operation: Operation[Context, None]) -> bool:
        """Run the subscription up to its `watch`; its errors go to the client."""
        with probing() as probe:
            stream = await self.schema.subscribe(
                operation.query,
                variable_values=operation.variables,
                context_value=self.context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(stream):
                await self._send_result_stream(operation, stream)
        if operation.completed:
            return False
        if not probe.reached:
            # It ended without listening: complete, as an unshared one would.
            await operation.send_operation_message(
                {"id": operation.id, "type": "complete"}
            )
            return False
        return True

    def _join(
        self,
        shared: SharedSubscriptions,
        key: GroupKey,
        operation: Operation[Context, None],
    ) -> None:
        viewer = self.context.viewer
        assert viewer is not None
        member = Member(operation.id, self._outbox_of_socket())
        self._members[operation.id] = member
        shared.join(
            key,
            member,
            services=self.context.services,
            viewer=viewer,
            variables=operation.variables,
        )
        # This is the start task's last step: let it go once it returns.
        operation.task = None

    def _outbox_of_socket(self) -> Outbox:
        if self._outbox is None:
            assert isinstance(self.websocket, ASGIWebSocketAdapter)
            socket = self.websocket.ws
            hub = self.context.services.extras.get("broadcast")
            limit = getattr(hub, "queue_size", DEFAULT_QUEUE_SIZE)
            self._outbox = Outbox(
                socket.send_text, self.websocket.close, self._ended, limit
            )
            self._outbox.lapses_at = self._lapses_at
        return self._outbox

    def _release_init_timeout(self, task: asyncio.Task[None]) -> None:
        # A finished timer held for the socket's whole life is memory per socket.
        if self.connection_init_timeout_task is task:
            self.connection_init_timeout_task = None

    def _ended(self, operation_id: str) -> None:
        """The group ended this operation: free its id, as `complete` would."""
        self._members.pop(operation_id, None)
        operation = self.operations.get(operation_id)
        if operation is not None:
            operation.completed = True
            self.forget_id(operation_id)


def _well_formed(payload: object) -> bool:
    """A subscribe payload: a query string, optional name, variables and extensions."""
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return False
    name = payload.get("operationName")
    variables = payload.get("variables")
    extensions = payload.get("extensions")
    return (
        (name is None or isinstance(name, str))
        and (variables is None or isinstance(variables, dict))
        and (extensions is None or isinstance(extensions, dict))
    )
