"""A cap on the size of a GraphQL request body."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLargeError(Exception):
    """The client sent more bytes than the limit while the app was reading."""


class RequestBodyLimit:
    """Answer 413 to a POST on the path whose body is over its limit.

    A JSON body may hold `max_bytes`. A multipart body (a file upload) may
    hold `multipart_max_bytes`, room for the file under its own, larger
    limit; without this cap the form parser would spool any size to disk
    before the upload's check ran. A declared Content-Length is checked
    before anything is read; a chunked body is counted as it arrives.
    """

    def __init__(
        self, app: ASGIApp, *, path: str, max_bytes: int, multipart_max_bytes: int
    ) -> None:
        self.app = app
        self.path = path
        self.max_bytes = max_bytes
        self.multipart_max_bytes = multipart_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, limit)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLargeError:
            if started:
                raise
            await _refuse(scope, receive, send, limit)

    def _limit(self, scope: Scope) -> int | None:
        """The cap for this request, or None when it has no body to cap."""
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        if scope["path"] != self.path:
            return None
        content_type = Headers(scope=scope).get("content-type", "")
        if content_type.startswith("multipart/"):
            return self.multipart_max_bytes
        return self.max_bytes


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    error = {
        "message": f"The request body is larger than {limit} bytes.",
        "extensions": {"code": "BODY_TOO_LARGE"},
    }
    response = JSONResponse(
        {"errors": [error]}, status_code=413, headers={"connection": "close"}
    )
    await response(scope, receive, send)
