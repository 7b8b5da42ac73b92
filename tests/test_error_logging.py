"""Errors in the logs: a client's mistake is no alarm, a bug is logged once."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.applications import Starlette

from domain.services import identity
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

CREATE_KEY = """
mutation { createApiKey(input: {name: "ci"}) { secret userErrors { code } } }"""


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ apiKeys { totalCount } }", id="anonymous protected field"),
        pytest.param("{ apiKeys(first: 1000) { totalCount } }", id="page too large"),
        pytest.param("{ viewer { nope } }", id="unknown field"),
        pytest.param(
            "{ shipments(orderBy: SIDEWAYS) { totalCount } }", id="bad enum value"
        ),
        pytest.param("{ viewer { kind ", id="syntax error"),
        pytest.param("{ viewer " + "{ user " * 14 + "}" * 15, id="too deep"),
    ],
)
async def test_a_clients_mistake_logs_no_error(
    client: GraphQLClient, caplog: pytest.LogCaptureFixture, query: str
) -> None:
    caplog.set_level(logging.DEBUG)

    body = await client.raw(query)

    assert body["errors"]
    assert errors_logged(caplog) == []


async def test_an_unexpected_error_is_logged_once_with_its_traceback(
    factory: Factory,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member = await factory.member()

    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("a bug in key issuing")

    monkeypatch.setattr(identity, "create_api_key", broken)
    caplog.set_level(logging.DEBUG)

    body = await member.client.raw(CREATE_KEY)

    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    (record,) = errors_logged(caplog)
    # structlog hands the event to the stdlib formatter, which renders the
    # traceback of exc_info.
    assert isinstance(record.msg, dict)
    assert record.msg["event"] == "graphql.unexpected_error"
    assert isinstance(record.msg["exc_info"], RuntimeError)
    assert record.msg["request_id"]


def test_the_engine_keeps_sql_parameters_out_of_logs(app: Starlette) -> None:
    engine = app.state.runtime.require().database.engine

    assert engine.sync_engine.hide_parameters is True
