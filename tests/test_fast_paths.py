"""The shorter paths answer exactly what strawberry's own would."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from dermaga.schema import build_schema
from dermaga.settings import Settings
from schema import fast_paths


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    """strawberry's own schema, and one with the shorter paths."""
    own, short = build_schema(Settings()), build_schema(Settings())
    fast_paths.install(short)
    return own, short


def test_every_enum_value_is_written_as_strawberry_writes_it() -> None:
    own, short = schemas()
    enums = [
        name
        for name, type_ in own._schema.type_map.items()
        if isinstance(type_, CustomGraphQLEnumType)
    ]
    assert {"ShipmentStatus", "ContainerStatus", "PaymentStatus"} <= set(enums)
    for name in enums:
        mine = short._schema.type_map[name]
        theirs = own._schema.type_map[name]
        assert isinstance(mine, CustomGraphQLEnumType)
        assert isinstance(theirs, CustomGraphQLEnumType)
        for member in mine.wrapped_cls:
            assert mine.coerce_output_value(member) == (
                theirs.coerce_output_value(member)
            )
        # A GraphQL name given as such still goes through strawberry's path.
        some = next(iter(theirs.values))
        assert mine.coerce_output_value(some) == theirs.coerce_output_value(some)


def test_node_ids_are_strawberrys_global_ids() -> None:
    _, short = schemas()
    key = uuid.uuid4()
    shortened = []
    for name, type_ in short._schema.type_map.items():
        if not isinstance(type_, GraphQLObjectType) or "id" not in type_.fields:
            continue
        resolve = type_.fields["id"].resolve
        if getattr(resolve, "__module__", None) != fast_paths.__name__:
            continue
        assert resolve is not None
        shortened.append(name)
        node = type_.extensions["strawberry-definition"].origin
        root = SimpleNamespace(**{node.resolve_id_attr(): str(key)})
        info: Any = None
        assert str(resolve(root, info)) == str(
            strawberry.relay.GlobalID(name, str(key))
        )
    assert {"Shipment", "VesselCall", "Payment", "Invoice"} <= set(shortened)


def test_direct_resolvers_are_graphql_cores_own() -> None:
    _, short = schemas()
    shipment = short._schema.type_map["Shipment"]
    assert isinstance(shipment, GraphQLObjectType)
    for field in ("vesselCall", "containers", "latestPayment", "invoice"):
        resolve = shipment.fields[field].resolve
        assert getattr(resolve, fast_paths.DIRECT, False), field


@strawberry.type
class Box:
    @strawberry.field
    @fast_paths.direct
    def weight(self, unit: str) -> int:
        return 1


@strawberry.type
class BoxQuery:
    @strawberry.field
    def box(self) -> Box:
        return Box()


def test_a_direct_resolver_with_arguments_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Box\.weight"):
        fast_paths.install(strawberry.Schema(query=BoxQuery))
