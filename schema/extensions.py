"""Schema extensions: masking of unexpected errors, request resource cleanup."""

from __future__ import annotations

from collections.abc import AsyncIterator

import structlog
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

log = structlog.get_logger(__name__)


def is_unexpected(error: GraphQLError) -> bool:
    """An error from a bug, not from the request: its cause must not leak.

    Parse, validation and variable errors carry no original exception or no
    path; errors we raise on purpose carry an extensions code.
    """
    cause = error.original_error
    if cause is None or error.path is None or isinstance(cause, GraphQLError):
        return False
    return not (error.extensions or {}).get("code")


class MaskUnexpectedErrors(MaskErrors):
    """Log an unexpected error with its cause, then hand the client a bland one."""

    def __init__(self) -> None:
        super().__init__(
            should_mask_error=is_unexpected, error_message="Internal error."
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        log.error(
            "graphql.unexpected_error",
            path=error.path,
            exc_info=error.original_error,
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked


class CloseRequestResources(SchemaExtension):
    """Return the request's read session to the pool when the operation ends."""

    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context.context
        reader = getattr(context, "reader", None)
        if reader is not None:
            await reader.close()
