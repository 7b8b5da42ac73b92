"""Shorter paths through strawberry for the fields a list shows many times.

For every resolver strawberry builds an Info, parses arguments and chains
field extensions; it finds an enum value's GraphQL name by comparing it with
each of the enum's values; a Node's id goes through a resolver that looks up
the type's name and id attribute on every call. A page of the dashboard has
about two hundred of each, a millisecond and a half in all, which strawberry
answering from memory pays for none of (its fields are plain attributes).
`install` gives graphql-core, once the schema is built, resolvers and enum
serialisers that do the same work directly. What the API answers is the
same; tests/test_fast_paths.py compares it with strawberry's own.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry
from graphql import GraphQLField, GraphQLObjectType
from strawberry.relay import GlobalID, Node
from strawberry.schema.schema_converter import (
    CustomGraphQLEnumType,
    GraphQLCoreConverter,
)
from strawberry.types.field import StrawberryField

F = TypeVar("F", bound=Callable[..., Any])
DIRECT = "__dermaga_direct__"
_NODE_ID = Node.__dict__["_id"].__func__
_DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF


def direct(resolver: F) -> F:
    """Mark a resolver that graphql-core may call itself, as `resolver(root, info)`.

    For fields of list items that only read the request's loaders: `info` is
    then graphql-core's, whose `context` is the request's Context, and only
    `info.context` may be used. The field must take no arguments and have no
    permission classes or extensions; `install` refuses it otherwise.
    """
    setattr(resolver, DIRECT, True)
    return resolver


def install(schema: strawberry.Schema) -> None:
    """Put the shorter paths into `schema`'s graphql-core types."""
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, CustomGraphQLEnumType):
            graphql_type.coerce_output_value = _enum_output(graphql_type)  # type: ignore[method-assign,assignment]
        elif isinstance(graphql_type, GraphQLObjectType):
            for name, field in graphql_type.fields.items():
                _shorten(graphql_type, name, field)


def _shorten(owner: GraphQLObjectType, name: str, field: GraphQLField) -> None:
    definition = (field.extensions or {}).get(_DEFINITION)
    if not isinstance(definition, StrawberryField) or definition.base_resolver is None:
        return
    function: Any = definition.base_resolver.wrapped_func
    if getattr(function, DIRECT, False):
        if definition.arguments or definition.extensions:
            raise TypeError(f"{owner.name}.{name} cannot be resolved directly")
        field.resolve = function
    elif getattr(function, "__func__", None) is _NODE_ID:
        node: Any = (owner.extensions or {})[_DEFINITION].origin
        if _inherited(node, "resolve_id") and _inherited(node, "resolve_typename"):
            field.resolve = _node_id(owner.name, node.resolve_id_attr())


def _inherited(node: type[Node], method: str) -> bool:
    """True when `node` keeps strawberry's `Node.<method>`."""
    mine: Any = getattr(node, method)
    return mine.__func__ is getattr(Node, method).__func__


def _node_id(type_name: str, attribute: str) -> Callable[..., GlobalID]:
    """Node._id for a type with the default `resolve_id` and `resolve_typename`."""

    def resolve(root: Any, info: Any) -> GlobalID:
        return GlobalID(type_name, str(getattr(root, attribute)))

    return resolve


def _enum_output(graphql_type: CustomGraphQLEnumType) -> Callable[[Any], Any]:
    """The enum's serialiser by one look-up; anything else as strawberry does it."""
    wrapped = cast(type[enum.Enum], graphql_type.wrapped_cls)
    names = {
        member: name
        for member in wrapped
        for name, value in graphql_type.values.items()
        if member.value == value.value
    }
    search = CustomGraphQLEnumType.coerce_output_value.__get__(graphql_type)

    def coerce_output_value(value: Any) -> Any:
        if isinstance(value, wrapped) and value in names:
            return names[value]
        return search(value)

    return coerce_output_value
