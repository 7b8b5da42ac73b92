"""The one GraphQL schema, with its limits and caches."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import strawberry
from graphql import (
    ASTValidationRule,
    GraphQLError,
    GraphQLSyntaxError,
    ValidationContext,
)
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from dermaga.settings import Settings
from resolvers.root import NODE_TYPE_LIST, Mutation, Query, Subscription
from schema.extensions import (
    CloseRequestResources,
    MaskUnexpectedErrors,
    NamedOperation,
    log_errors,
)
from schema.scalars import SCALAR_MAP
from schema.text_input import NoControlCharacters, RefuseControlCharacterVariables

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"

# graphql-core's own words for a document over the token limit.
TOKEN_LIMIT_MARK = "tokens. Parsing aborted."


class SubscriptionOverHTTPError(InvalidOperationTypeError):
    """A subscription sent as a plain HTTP request, which cannot carry its events."""

    def __init__(self) -> None:
        super().__init__(OperationType.SUBSCRIPTION)

    def as_http_error_reason(self, method: str) -> str:
        return (
            f"Subscriptions cannot be sent by {method}: open a WebSocket on "
            "/graphql with the graphql-transport-ws protocol."
        )


class DermagaSchema(strawberry.Schema):
    """The schema, with one place that codes and logs every error it returns."""

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # A subscription runs through subscribe (WebSocket) or stream
        # (multipart HTTP); executed once like a query it fails inside
        # graphql-core with a TypeError about its non-null root field.
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        allowed.discard(OperationType.SUBSCRIPTION)
        try:
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed,
                operation_extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                raise SubscriptionOverHTTPError from error
            raise

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        for error in errors:
            if error.extensions:
                continue
            if isinstance(error, GraphQLSyntaxError):
                limited = TOKEN_LIMIT_MARK in error.message
                error.extensions = {
                    "code": "QUERY_TOO_LONG" if limited else "GRAPHQL_PARSE_FAILED"
                }
            elif isinstance(error, ValidationAbortedError):
                # graphql-core gave up (too many errors, or too many fields
                # for its recursion): no limit of ours, but still the client's.
                error.extensions = {"code": "GRAPHQL_VALIDATION_FAILED"}
        log_errors(errors)


def coded(rule: type[ASTValidationRule], code: str) -> type[ASTValidationRule]:
    """The rule, its errors carrying an extensions code a client can switch on.

    strawberry's limit rules report through the context they are given (some
    while still in __init__), so the rule gets a context that adds the code.
    """

    def __init__(self: ASTValidationRule, context: ValidationContext) -> None:
        rule.__init__(self, cast("ValidationContext", _CodingContext(context, code)))

    return type(rule.__name__, (rule,), {"__init__": __init__})


class _CodingContext:
    def __init__(self, context: ValidationContext, code: str) -> None:
        self._context = context
        self._code = code

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": self._code}
        self._context.report_error(error)


def build_schema(settings: Settings) -> strawberry.Schema:
    # The limit rules are made once: the validation cache keys on the rule
    # classes, and a class made per request would never hit it.
    depth = QueryDepthLimiter(max_depth=settings.max_query_depth)
    aliases = MaxAliasesLimiter(max_alias_count=settings.max_aliases)
    limit_rules = [
        *(coded(rule, "QUERY_TOO_DEEP") for rule in depth.validation_rules),
        *(coded(rule, "TOO_MANY_ALIASES") for rule in aliases.validation_rules),
        NoControlCharacters,
    ]
    return DermagaSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPE_LIST,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        # Factories: each request gets fresh extension objects; the parser
        # and validation caches live at module level and are shared.
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            lambda: ParserCache(maxsize=512),
            lambda: AddValidationRules(limit_rules),
            lambda: ValidationCache(maxsize=512),
            # After the cache: it adds to the errors validation found.
            RefuseControlCharacterVariables,
            NamedOperation,
            MaskUnexpectedErrors,
            CloseRequestResources,
        ],
    )


def export_schema(settings: Settings) -> str:
    return build_schema(settings).as_str() + "\n"
