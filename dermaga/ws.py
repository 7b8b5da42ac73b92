"""The graphql-transport-ws handler: shared subscriptions beside strawberry's own.

A subscription the process may share (dermaga.shared_subscriptions) starts as
strawberry's would, but only as a probe: its resolver authorises the viewer,
and errors reach the client exactly as they would unshared. Then, instead of
a task and a stream of its own, it joins its group and keeps only a small
`Member`; the socket's `Outbox` writes the group's frames. Every other
operation takes strawberry's path unchanged.
"""

from __future__ import annotations

import asyncio
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
from schema.context import Context
from schema.subscriptions import probing

DEFAULT_QUEUE_SIZE = 256


class SharedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with shared subscriptions: one writer per socket."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._members: dict[str, Member] = {}
        self._outbox: Outbox | None = None

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
        await super().shutdown()
        for member in list(self._members.values()):
            member.leave()
        self._members.clear()
        if self._outbox is not None:
            self._outbox.discard()

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
