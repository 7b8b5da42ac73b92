"""The tenancy harness: a customer of another organisation gets nothing.

Every root query field, every Node type and every subscription needs a row
here; a field without one fails `test_every_root_field_has_a_row`, so a new
field cannot ship without its tenancy check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from graphql import GraphQLInterfaceType, build_schema
from starlette.applications import Starlette
from strawberry import relay

from tests.support.factories import Factory, Member

CREATE_KEY = 'mutation { createApiKey(input: {name: "k"}) { apiKey { id } } }'


def gid(type_name: str, key: object) -> str:
    return str(relay.GlobalID(type_name, str(key)))


@dataclass
class World:
    """Two customer organisations with one of everything each, and an operator."""

    owner: Member
    outsider: Member
    operator: Member
    ids: dict[str, str] = field(default_factory=dict)


@pytest.fixture
async def world(factory: Factory) -> World:
    owner = await factory.member()
    outsider = await factory.member()
    operator = await factory.operator()
    created = await owner.client.data(CREATE_KEY)
    world = World(owner, outsider, operator)
    world.ids = {
        "Organisation": gid("Organisation", owner.organisation_id),
        "User": gid("User", owner.user_id),
        "ApiKey": created["createApiKey"]["apiKey"]["id"],
    }
    return world


Probe = Callable[[Member, World], Awaitable[bool]]


async def sees_node(member: Member, world: World, type_name: str) -> bool:
    query = "query($id: ID!) { node(id: $id) { id } }"
    data = await member.client.data(query, {"id": world.ids[type_name]})
    return data["node"] is not None


async def _viewer(member: Member, world: World) -> bool:
    data = await member.client.data("{ viewer { organisation { id } } }")
    return data["viewer"]["organisation"]["id"] == world.ids["Organisation"]


async def _node(member: Member, world: World) -> bool:
    return await sees_node(member, world, "User")


async def _nodes(member: Member, world: World) -> bool:
    data = await member.client.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": list(world.ids.values())},
    )
    return any(node is not None for node in data["nodes"])


async def _api_keys(member: Member, world: World) -> bool:
    data = await member.client.data("{ apiKeys { totalCount edges { node { id } } } }")
    ids = [edge["node"]["id"] for edge in data["apiKeys"]["edges"]]
    return world.ids["ApiKey"] in ids or data["apiKeys"]["totalCount"] > 0


QUERY_ROWS: dict[str, Probe] = {
    "viewer": _viewer,
    "node": _node,
    "nodes": _nodes,
    "apiKeys": _api_keys,
}
NODE_TYPES = ["Organisation", "User", "ApiKey"]
SUBSCRIPTION_ROWS: dict[str, Probe] = {}


def test_every_root_field_has_a_row(app: Starlette) -> None:
    schema = build_schema(app.state.graphql_schema.as_str())
    node = schema.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    subscription = schema.subscription_type

    assert set(QUERY_ROWS) == set(schema.query_type.fields)  # type: ignore[union-attr]
    assert set(NODE_TYPES) == {t.name for t in schema.get_possible_types(node)}
    assert set(SUBSCRIPTION_ROWS) == set(subscription.fields if subscription else ())


@pytest.mark.parametrize("field_name", sorted(QUERY_ROWS))
async def test_query_shows_the_owner_its_data_and_the_outsider_nothing(
    world: World, field_name: str
) -> None:
    probe = QUERY_ROWS[field_name]

    assert await probe(world.owner, world) is True
    assert await probe(world.outsider, world) is False


@pytest.mark.parametrize("type_name", NODE_TYPES)
async def test_node_lookup_is_null_for_another_organisation(
    world: World, type_name: str
) -> None:
    assert await sees_node(world.owner, world, type_name) is True
    assert await sees_node(world.operator, world, type_name) is True
    assert await sees_node(world.outsider, world, type_name) is False


async def test_an_invisible_node_answers_exactly_as_a_missing_one(world: World) -> None:
    query = "query($id: ID!) { node(id: $id) { id } }"
    missing = gid("User", "00000000-0000-4000-8000-000000000000")

    hidden = await world.outsider.client.raw(query, {"id": world.ids["User"]})
    absent = await world.outsider.client.raw(query, {"id": missing})

    assert hidden == absent == {"data": {"node": None}}


async def test_revoking_another_organisations_key_is_not_found(world: World) -> None:
    mutation = """mutation($id: ID!) {
      revokeApiKey(input: {id: $id}) { apiKey { id } userErrors { code } } }"""

    data = await world.outsider.client.data(mutation, {"id": world.ids["ApiKey"]})

    assert data["revokeApiKey"]["userErrors"] == [{"code": "NOT_FOUND"}]
    assert await sees_node(world.owner, world, "ApiKey")
