"""schema.graphql is the contract clients are generated from: it must be current."""

from __future__ import annotations

from dermaga.schema import SCHEMA_FILE, export_schema
from dermaga.settings import Settings


def test_the_checked_in_schema_matches_the_code() -> None:
    exported = export_schema(Settings())

    assert SCHEMA_FILE.read_text() == exported, (
        "schema.graphql is stale: run `dermaga export-schema` and commit it"
    )


def test_every_type_and_field_is_described() -> None:
    from graphql import GraphQLObjectType, build_schema

    schema = build_schema(SCHEMA_FILE.read_text())
    missing = [
        f"{name}.{field}"
        for name, type_ in schema.type_map.items()
        if isinstance(type_, GraphQLObjectType) and not name.startswith("__")
        for field, definition in type_.fields.items()
        if not definition.description
    ]
    undescribed_types = [
        name
        for name, type_ in schema.type_map.items()
        if not name.startswith("__")
        and not type_.description
        and name not in {"String", "Boolean", "Int", "Float", "ID"}
    ]

    assert missing == []
    assert undescribed_types == []
