"""/metrics: a few gauges read at scrape time, for operators only."""

from __future__ import annotations

import httpx

from tests.support.factories import Factory


async def test_metrics_need_an_operator(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    customer = await factory.member()

    anonymous = await http.get("/metrics")
    refused = await http.get(
        "/metrics", headers={"authorization": f"Bearer {customer.client.token}"}
    )

    assert anonymous.status_code == 401
    assert refused.status_code == 403


async def test_metrics_show_the_process_gauges(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    operator = await factory.operator()

    response = await http.get(
        "/metrics", headers={"authorization": f"Bearer {operator.client.token}"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    for gauge in (
        "dermaga_subscriptions",
        "dermaga_db_pool_in_use",
        "dermaga_outbox_waiting",
    ):
        assert any(line.startswith(f"{gauge} ") for line in lines), gauge
    assert "# TYPE dermaga_feed_sync_age_seconds gauge" in lines
