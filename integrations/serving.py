"""Serve an ASGI app on a real uvicorn server inside a running event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import structlog
import uvicorn
from starlette.types import ASGIApp

log = structlog.get_logger(__name__)

STARTUP_TIMEOUT_S = 10.0


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves SIGINT and SIGTERM to the host process."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serve_app(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    graceful_shutdown_s: int = 5,
) -> AsyncIterator[str]:
    """Run `app` until the block exits and yield its base URL.

    Port 0 lets the kernel pick a free port; the URL carries the bound one. The
    app's lifespan runs on entry and exit, and requests still in flight get
    `graceful_shutdown_s` seconds to finish before they are cancelled.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=graceful_shutdown_s,
    )
    server = _EmbeddedServer(config)
    task = asyncio.create_task(_run(server))
    try:
        await _wait_started(server, task)
        bound_port = server.servers[0].sockets[0].getsockname()[1]
        base_url = f"http://{host}:{bound_port}"
        log.info("serving.started", base_url=base_url)
        yield base_url
    finally:
        server.should_exit = True
        if not task.done():
            await task
        log.info("serving.stopped", host=host)


async def _run(server: uvicorn.Server) -> None:
    try:
        await server.serve()
    except SystemExit as exc:
        # uvicorn exits the process when the app's lifespan startup fails;
        # inside a host's event loop that must be an ordinary error instead.
        raise RuntimeError("the app failed to start") from exc


async def _wait_started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    async with asyncio.timeout(STARTUP_TIMEOUT_S):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the server stopped before it started")
            await asyncio.sleep(0.01)
