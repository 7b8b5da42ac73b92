"""Fixtures of the API tests: members of three organisations, Praya's controls."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.factories import Factory, Member


@pytest.fixture
async def owner(factory: Factory) -> Member:
    return await factory.member()


@pytest.fixture
async def outsider(factory: Factory) -> Member:
    return await factory.member()


@pytest.fixture
async def operator(factory: Factory) -> Member:
    return await factory.operator()


@pytest.fixture
async def praya(praya_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The simulator's control API; its switches are reset after each test."""
    async with httpx.AsyncClient(base_url=praya_url, timeout=5.0) as control:
        yield control
        await control.post(
            "/_control/config",
            json={
                "outage": False,
                "error_rate": 0,
                "duplicate_callbacks": 0,
                "drop_callbacks": False,
                "auto_pay_after_s": None,
                "callback_url": None,
            },
        )
