"""What a careless or hostile client sends: control characters, huge bodies."""

from __future__ import annotations

import httpx
import pytest

from tests.support.factories import Member
from tests.support.graphql import GraphQLClient, error_codes
from tests.support.pre_service import CREATE

NUL = "\u0000"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param(
            """mutation($e: String!) { signIn(input: {email: $e, password: "x"})
               { token userErrors { code } } }""",
            {"e": f"a{NUL}@b.c"},
            id="variable",
        ),
        pytest.param(
            'mutation { signIn(input: {email: "a\\u0000@b.c", password: "x"})'
            " { token userErrors { code } } }",
            None,
            id="inline literal",
        ),
        pytest.param(
            '{ shipmentByReference(reference: "\\u0000abc") { id } }',
            None,
            id="argument literal",
        ),
        pytest.param(
            "query($f: ShipmentFilter) { shipments(filter: $f) { totalCount } }",
            {"f": {"reference": f"a{NUL}"}},
            id="nested input variable",
        ),
        pytest.param(
            """mutation($i: CreateShipmentInput!) { createShipment(input: $i)
               { userErrors { code } } }""",
            {"i": {"notes": "ok\x07bell"}},
            id="other C0 character",
        ),
        pytest.param(
            """mutation($i: CreateShipmentInput!) { createShipment(input: $i)
               { userErrors { code } } }""",
            {"i": {"notes": "paid \u202efdp.exe"}},
            id="bidirectional override",
        ),
    ],
)
async def test_control_characters_are_refused_before_execution(
    owner: Member, query: str, variables: dict[str, object] | None
) -> None:
    body = await owner.client.raw(query, variables)

    assert body.get("data") is None
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "control characters" in body["errors"][0]["message"]


async def test_tab_and_line_breaks_are_ordinary_text(owner: Member) -> None:
    data = await owner.client.data(
        CREATE, {"input": {"notes": "line one\r\n\tline two"}}
    )

    assert data["createShipment"]["userErrors"] == []


async def test_configure_slots_names_the_terminal_variable_at_fault(
    operator: Member,
) -> None:
    body = await operator.client.raw(
        """mutation($i: ConfigureSlotsInput!) { configureSlots(input: $i)
           { userErrors { code } } }""",
        {
            "i": {
                "terminal": f"KOJA{NUL}",
                "from": "2030-01-01T00:00:00Z",
                "to": "2030-01-01T02:00:00Z",
                "slotMinutes": 60,
                "quota": 3,
            }
        },
    )

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["variable"] == ["i", "terminal"]


async def test_a_body_over_the_limit_is_refused_with_413(
    http: httpx.AsyncClient,
) -> None:
    padding = "x" * (1024 * 1024 + 1)
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { kind } }", "variables": {"pad": padding}},
    )

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"


async def test_a_chunked_body_over_the_limit_is_refused_too(
    http: httpx.AsyncClient,
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"query": "{ viewer { kind } }", "variables": {"pad": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}}'

    response = await http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


async def test_a_body_under_the_limit_is_served(client: GraphQLClient) -> None:
    body = await client.raw("{ viewer { kind } }", {"pad": "x" * 500_000})

    assert body.get("errors") is None


async def test_a_subscription_sent_by_post_is_told_to_use_a_websocket(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": 'subscription { vesselCallUpdated(port: "IDTPP") { id } }'},
    )

    assert response.status_code == 400
    assert "graphql-transport-ws" in response.text


async def test_an_upload_over_its_own_cap_is_refused_before_parsing(
    http: httpx.AsyncClient,
) -> None:
    operations = '{"query": "mutation { __typename }", "variables": {}}'
    response = await http.post(
        "/graphql",
        data={"operations": operations, "map": "{}"},
        files={
            "0": ("big.pdf", b"%PDF" + b"0" * (12 * 1024 * 1024), "application/pdf")
        },
    )

    assert response.status_code == 413


async def test_a_document_of_two_operations_must_name_the_one_to_run(
    owner: Member,
) -> None:
    two = (
        "mutation Open { createShipment(input: {}) { userErrors { code } } } "
        "query Look { viewer { id } }"
    )

    unnamed = await owner.client.raw(two)
    named = await owner.client.http.post(
        "/graphql",
        json={"query": two, "operationName": "Look"},
        headers={"authorization": f"Bearer {owner.client.token}"},
    )

    assert unnamed.get("data") is None
    assert error_codes(unnamed) == ["BAD_USER_INPUT"]
    assert "operationName" in unnamed["errors"][0]["message"]
    assert named.json()["data"]["viewer"]["id"]
