"""/metrics in the Prometheus text format, for operators.

Every figure is read when the scraper asks (a few gauges and two small
queries), so serving requests costs nothing extra. The scraper presents an
operator's bearer token or API key, as Prometheus' `authorization` setting
sends it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dermaga.auth import AuthenticationError, bearer_from, required_viewer
from dermaga.broadcast import EventHub
from domain.models.identity import Role
from domain.models.outbox import OutboxEvent
from domain.models.tracking import FeedCursor
from domain.viewer import SYSTEM
from schema.context import Services


class _Snapshot:
    """A collector that hands out figures already read."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


def metrics_endpoint(
    services: Callable[[], Services], hub: Callable[[], EventHub | None]
) -> Callable[[Request], Awaitable[Response]]:
    async def metrics(request: Request) -> Response:
        refused = await _refusal(services(), request)
        if refused is not None:
            return refused
        registry = CollectorRegistry(auto_describe=False)
        ProcessCollector(registry=registry)
        registry.register(_Snapshot(await _families(services(), hub())))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


async def _refusal(services: Services, request: Request) -> Response | None:
    try:
        viewer = await required_viewer(
            services.database,
            services.signing_key,
            bearer_from(request.headers),
            "send `Authorization: Bearer <token>`",
        )
    except AuthenticationError as error:
        return JSONResponse({"error": str(error)}, status_code=401)
    if not viewer.has(Role.OPERATOR):
        return JSONResponse({"error": "for operators only"}, status_code=403)
    return None


async def _families(services: Services, hub: EventHub | None) -> list[Metric]:
    subscriptions = GaugeMetricFamily(
        "dermaga_subscriptions",
        "Live GraphQL subscriptions of this process (WebSocket subscribers).",
        value=hub.subscriber_count() if hub is not None else 0,
    )
    pool = GaugeMetricFamily(
        "dermaga_db_pool_in_use",
        "Database connections of this process checked out of its pool.",
        value=_checked_out(services),
    )
    async with services.database.reading(SYSTEM) as session:
        waiting = await session.scalar(
            select(func.count()).where(OutboxEvent.published_at.is_(None))
        )
        feeds = (
            await session.execute(select(FeedCursor.source, FeedCursor.last_synced_at))
        ).all()
    outbox = GaugeMetricFamily(
        "dermaga_outbox_waiting",
        "Committed events not yet relayed to the broadcaster (all processes).",
        value=int(waiting or 0),
    )
    age = GaugeMetricFamily(
        "dermaga_feed_sync_age_seconds",
        "Seconds since each outside feed was last read to its end.",
        labels=["feed"],
    )
    now = datetime.now(UTC)
    for source, synced_at in feeds:
        if synced_at is not None:
            age.add_metric([source], (now - synced_at).total_seconds())
    return [subscriptions, pool, outbox, age]


def _checked_out(services: Services) -> int:
    checked_out = getattr(services.database.engine.pool, "checkedout", None)
    return int(checked_out()) if callable(checked_out) else 0
