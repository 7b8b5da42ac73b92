"""Schema extensions: masking of unexpected errors, request resource cleanup."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator

import structlog
from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import MaskErrors, SchemaExtension

log = structlog.get_logger(__name__)


def is_unexpected(error: GraphQLError) -> bool:
    """An error from a bug, not from the request: its cause must not leak.

    Parse and validation errors carry no original exception; errors we raise
    on purpose carry an extensions code. A variable's coercion error points
    at the document (nodes) but has no path; a bug in a resolver has a path,
    one in an extension hook has neither.
    """
    cause = error.original_error
    if cause is None or isinstance(cause, GraphQLError):
        return False
    if (error.extensions or {}).get("code"):
        return False
    return error.path is not None or not error.nodes


def log_errors(errors: Iterable[GraphQLError]) -> None:
    """Log each error of an operation once, by whose mistake it was.

    A client's mistake (a bad document, a refused permission, a coded error)
    is routine for the server: a DEBUG line, no traceback. A bug is logged at
    ERROR with its traceback; the request id comes from the bound context.
    """
    for error in errors:
        if is_unexpected(error):
            log.error(
                "graphql.unexpected_error",
                path=error.path,
                exc_info=error.original_error,
            )
        else:
            log.debug(
                "graphql.client_error",
                message=error.message,
                code=(error.extensions or {}).get("code"),
                path=error.path,
            )


class MaskUnexpectedErrors(MaskErrors):
    """Hand the client a bland error in place of an unexpected one.

    The schema's error hook has already logged the original (see log_errors).
    """

    def __init__(self) -> None:
        super().__init__(
            should_mask_error=is_unexpected, error_message="Internal error."
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
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


class NamedOperation(SchemaExtension):
    """A document of several operations runs only the one the request names.

    strawberry runs the first operation when none is named; the GraphQL
    specification (GetOperation) asks for an error, and a client that sent
    two operations by mistake should learn it before either runs.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # The name as the request gave it; `operation_name` falls back to the
        # first operation's.
        named = getattr(context, "_provided_operation_name", None)
        if document is not None and named is None:
            operations = sum(
                isinstance(d, OperationDefinitionNode) for d in document.definitions
            )
            if operations > 1:
                error = GraphQLError(
                    "The document holds several operations: name the one to run "
                    "(operationName).",
                    extensions={"code": "BAD_USER_INPUT"},
                )
                context.pre_execution_errors = [
                    *(context.pre_execution_errors or []),
                    error,
                ]
        yield
