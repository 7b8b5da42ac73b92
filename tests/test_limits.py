"""Abuse limits: depth, tokens, aliases, page size; unexpected errors masked."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from dermaga.schema import build_schema
from dermaga.settings import Settings
from schema.extensions import MaskUnexpectedErrors, is_unexpected
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient, error_codes


async def test_a_query_deeper_than_the_limit_is_refused() -> None:
    # The schema so far nests three levels; a limit of two shows the rule bites.
    schema = build_schema(Settings(max_query_depth=2))

    deep = await schema.execute("{ viewer { user { organisation { id } } } }")
    shallow = await schema.execute("{ __typename }")

    assert deep.errors is not None
    assert "exceeds maximum operation depth of 2" in deep.errors[0].message
    assert deep.errors[0].extensions == {"code": "QUERY_TOO_DEEP"}
    assert shallow.errors is None


async def test_too_many_aliases_are_refused(client: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{i}: viewer {{ kind }}" for i in range(25)) + " }"

    body = await client.raw(query)

    assert "aliases found" in body["errors"][0]["message"]
    assert error_codes(body) == ["TOO_MANY_ALIASES"]


async def test_too_many_tokens_are_refused(client: GraphQLClient) -> None:
    query = "{ viewer { " + "kind " * 5000 + "} }"

    body = await client.raw(query)

    assert "more than 4000 tokens" in body["errors"][0]["message"]
    assert error_codes(body) == ["QUERY_TOO_LONG"]


async def test_a_page_larger_than_the_cap_is_refused(factory: Factory) -> None:
    member = await factory.member()

    body = await member.client.raw("{ apiKeys(first: 101) { totalCount } }")
    ok = await member.client.raw("{ apiKeys(first: 100) { totalCount } }")

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "between 0 and 100" in body["errors"][0]["message"]
    assert ok.get("errors") is None


async def test_a_forged_cursor_is_a_clear_error(factory: Factory) -> None:
    member = await factory.member()

    body = await member.client.raw('{ apiKeys(after: "bm9wZQ==") { totalCount } }')

    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_protected_fields_need_a_token(client: GraphQLClient) -> None:
    body = await client.raw("{ apiKeys { totalCount } }")

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_an_unexpected_error_is_masked_for_the_client() -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def boom(self) -> str:
            raise RuntimeError("password=hunter2 leaked from a bug")

    schema = strawberry.Schema(query=Query, extensions=[MaskUnexpectedErrors])

    result = await schema.execute("{ boom }")

    assert result.errors is not None
    assert result.errors[0].message == "Internal error."
    assert result.errors[0].extensions == {"code": "INTERNAL_SERVER_ERROR"}


def test_expected_errors_are_not_masked() -> None:
    validation = GraphQLError("Cannot query field 'x'")
    coded = GraphQLError(
        "no",
        path=["a"],
        original_error=ValueError("no"),
        extensions={"code": "FORBIDDEN"},
    )
    bug = GraphQLError("no", path=["a"], original_error=KeyError("k"))
    hook = GraphQLError("no", original_error=KeyError("k"))

    assert [is_unexpected(e) for e in (validation, coded, bug, hook)] == [
        False,
        False,
        True,
        True,
    ]
