"""The one GraphQL schema, with its limits and caches."""

from __future__ import annotations

from pathlib import Path

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from dermaga.settings import Settings
from resolvers.root import NODE_TYPE_LIST, Mutation, Query, Subscription
from schema.extensions import CloseRequestResources, MaskUnexpectedErrors
from schema.scalars import SCALAR_MAP

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def build_schema(settings: Settings) -> strawberry.Schema:
    # The limit rules are made once: the validation cache keys on the rule
    # classes, and a class made per request would never hit it.
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    return strawberry.Schema(
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
            MaskUnexpectedErrors,
            CloseRequestResources,
        ],
    )


def export_schema(settings: Settings) -> str:
    return build_schema(settings).as_str() + "\n"
