"""The app factory: starlette, the GraphQL view, health checks and the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog
from cross_web import HTTPException
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from dermaga.auth import (
    AuthenticationError,
    authenticate,
    bearer_from,
    bearer_from_params,
    required_viewer,
)
from dermaga.body_limit import RequestBodyLimit
from dermaga.broadcast import EventHub, create_backend
from dermaga.collector import CollectorPolicy, managed_collection
from dermaga.database import create_engine, database_url
from dermaga.graphiql import DEFAULT_TABS, EXAMPLES_KEY, graphiql_html
from dermaga.graphiql_assets import ROUTE as IDE_ASSETS_ROUTE
from dermaga.graphiql_assets import AssetStore
from dermaga.logging import configure_logging
from dermaga.metrics import metrics_endpoint
from dermaga.migrate import upgrade
from dermaga.post_downloads import post_service_routes
from dermaga.pre_service import KEY as PRE_SERVICE
from dermaga.pre_service import late_endpoint, pre_service
from dermaga.relay import OutboxRelay, running
from dermaga.replanner import Replanner, replanning
from dermaga.schema import build_schema
from dermaga.settings import Settings
from dermaga.shared_subscriptions import SharedSubscriptions
from dermaga.sync import running_syncs
from dermaga.ws import SharedTransportWSHandler
from domain.unit_of_work import Database
from schema import fast_paths
from schema.context import Context, Services

log = structlog.get_logger(__name__)


@dataclass
class Runtime:
    """What the lifespan opens and the requests share."""

    services: Services | None = None
    broadcast: EventHub | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def hub(self) -> EventHub | None:
        return self.broadcast

    def require(self) -> Services:
        if self.services is None:
            raise RuntimeError("the app is not started")
        return self.services


class DermagaGraphQL(GraphQL[Context, None]):
    """The GraphQL endpoint: builds each request's context and viewer."""

    graphql_transport_ws_handler_class = SharedTransportWSHandler

    def __init__(self, runtime: Runtime, settings: Settings) -> None:
        self.ide_assets = graphiql_store(settings)
        schema = build_schema(settings)
        fast_paths.install(schema)
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=False,
            multipart_uploads_enabled=True,
            max_subscriptions_per_connection=settings.max_subscriptions_per_socket,
            allowed_origins=settings.cors_origins,
            connection_init_wait_timeout=timedelta(seconds=10),
        )
        self.runtime = runtime
        self.shared_subscriptions = SharedSubscriptions(self.schema)

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        """An upload whose `map` does not fit its operations is the client's 400.

        Each file goes to one variable: a stream read by one mutation would
        reach the next one empty, which half-writes the request.
        """
        try:
            form = await request.get_form_data()
        except ValueError as error:
            raise HTTPException(400, "Unable to parse the multipart body") from error
        _check_files_map(form.form.get("map", "{}"))
        try:
            return await super().parse_multipart(request)
        except (TypeError, AttributeError, IndexError) as error:
            raise HTTPException(
                400, "The multipart map does not fit the operations"
            ) from error

    async def get_context(self, request: Any, response: Any) -> Context:
        services = self.runtime.require()
        if isinstance(request, WebSocket):
            # The token arrives later, in connection_init (on_ws_connect).
            return Context(services, None, request=request, response=response)
        try:
            token = bearer_from(request.headers)
            viewer = (
                await authenticate(services.database, services.signing_key, token)
                if token
                else None
            )
        except AuthenticationError as error:
            return Context(
                services,
                None,
                request=request,
                response=response,
                auth_error=str(error),
            )
        if viewer is not None:
            structlog.contextvars.bind_contextvars(principal=str(viewer.principal_id))
        return Context(services, viewer, request=request, response=response)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL, opening with example operations (the demo's, when it runs)."""
        examples = self.runtime.extras.get(EXAMPLES_KEY)
        tabs = await examples() if examples is not None else DEFAULT_TABS
        page = self.ide_assets.localised(self.graphql_ide_html)
        return HTMLResponse(graphiql_html(page, tabs))

    async def on_ws_connect(self, context: Context) -> None:
        services = self.runtime.require()
        try:
            viewer = await required_viewer(
                services.database,
                services.signing_key,
                bearer_from_params(context.connection_params),
                "send {authorization: 'Bearer <token>'}",
            )
        except AuthenticationError as error:
            log.info("websocket.rejected", reason=str(error))
            raise ConnectionRejectionError({"message": str(error)}) from error
        context.set_viewer(viewer)


def graphiql_store(settings: Settings) -> AssetStore:
    """Where GraphiQL's scripts are kept once fetched (dermaga fetch-graphiql)."""
    return AssetStore(settings.data_dir / "graphiql")


class RequestId:
    """Bind a request id to every log line of a request, and echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        request_id = given if given.isprintable() and given else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, path=scope["path"]
        )

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)


StartupHook = Callable[[Services], Awaitable[None]]


def create_app(
    settings: Settings,
    *,
    migrate: bool = True,
    on_startup: Sequence[StartupHook] = (),
) -> Starlette:
    """A Dermaga server; with no database configured, an embedded one starts."""
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    for warning in settings.check():
        log.warning("settings.insecure", detail=warning)
    runtime = Runtime()
    graphql = DermagaGraphQL(runtime, settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with _open_runtime(runtime, settings, migrate=migrate):
            for hook in on_startup:
                await hook(runtime.require())
            policy = CollectorPolicy(
                settle_seconds=settings.gc_settle_seconds,
                reclaim_seconds=60 * settings.gc_reclaim_minutes,
            )
            async with managed_collection(policy):
                yield

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        checks = await _readiness(runtime)
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint(runtime.require, runtime.hub)),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route(
                f"{IDE_ASSETS_ROUTE}/{{key:path}}",
                graphql.ide_assets.endpoint(graphql.graphql_ide_html),
            ),
            WebSocketRoute("/graphql", graphql),
            Route(
                "/webhooks/praya",
                late_endpoint(runtime.extras, "webhook"),
                methods=["POST"],
            ),
            Route(
                "/files/{token}",
                late_endpoint(runtime.extras, "downloads"),
                methods=["GET"],
            ),
            *post_service_routes(runtime.require),
        ],
        middleware=[
            Middleware(RequestId),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["authorization", "content-type", "x-request-id"],
                expose_headers=["x-request-id"],
                allow_credentials=False,
                max_age=600,
            ),
            # Inside CORS, so a browser can read the 413.
            Middleware(
                RequestBodyLimit,
                path="/graphql",
                max_bytes=settings.max_request_bytes,
                multipart_max_bytes=settings.upload_max_bytes
                + settings.max_request_bytes,
            ),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.graphql_schema = graphql.schema
    app.state.shared_subscriptions = graphql.shared_subscriptions
    return app


@contextlib.asynccontextmanager
async def _open_runtime(
    runtime: Runtime, settings: Settings, *, migrate: bool
) -> AsyncIterator[None]:
    with database_url(settings.database_url, settings.data_dir) as url:
        engine = create_engine(url, hide_parameters=not settings.log_sql_parameters)
        broadcast = EventHub(
            create_backend(settings.broadcast_url, prefix=settings.broadcast_prefix),
            queue_size=settings.subscriber_queue_size,
        )
        try:
            if migrate:
                await upgrade(engine)
            await broadcast.connect()
            runtime.broadcast = broadcast
            database = Database(engine)
            relay = OutboxRelay(database, broadcast)
            database.after_commit(relay.wake)
            runtime.extras["relay"] = relay
            runtime.services = Services(
                database=database,
                signing_key=settings.signing_key,
                token_ttl=timedelta(minutes=settings.token_ttl_minutes),
                max_page_size=settings.max_page_size,
                extras={
                    "broadcast": broadcast,
                    "sync_stale_after": timedelta(seconds=settings.sync_stale_seconds),
                },
            )
            log.info("app.started", database=engine.url.render_as_string())
            replanner = Replanner(database, broadcast)
            runtime.extras["replanner"] = replanner
            async with (
                running(relay),
                replanning(replanner),
                running_syncs(database, settings) as syncs,
                pre_service(database, settings) as opened,
            ):
                runtime.extras["syncs"] = syncs
                runtime.extras[PRE_SERVICE] = opened
                runtime.services.extras.update(opened.service_extras(settings))
                yield
        finally:
            runtime.services = None
            with contextlib.suppress(Exception):
                await broadcast.disconnect()
            await engine.dispose()
            log.info("app.stopped")


async def _readiness(runtime: Runtime) -> dict[str, bool]:
    services = runtime.services
    if services is None:
        return {"database": False, "broadcast": False}
    try:
        async with asyncio.timeout(2):
            async with services.database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        database_ok = True
    except Exception:
        log.warning("readiness.database_unreachable", exc_info=True)
        database_ok = False
    broadcast_ok = runtime.broadcast is not None and runtime.broadcast.connected
    return {"database": database_ok, "broadcast": broadcast_ok}


def _check_files_map(raw: object) -> None:
    """The multipart `map`: each file named once, to one variable path."""
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except ValueError:
            return  # strawberry answers a map that is not JSON
    if not isinstance(raw, dict) or not all(
        isinstance(paths, list) and len(paths) == 1 and isinstance(paths[0], str)
        for paths in raw.values()
    ):
        raise HTTPException(
            400, "The multipart map names each file once, with one variable path"
        )
