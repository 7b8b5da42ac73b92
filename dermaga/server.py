"""Run the app under uvicorn with WebSocket pings and a graceful shutdown."""

from __future__ import annotations

from collections.abc import Sequence

import uvicorn

from dermaga.app import StartupHook, create_app
from dermaga.settings import Settings


def uvicorn_config(
    settings: Settings, host: str, port: int, on_startup: Sequence[StartupHook] = ()
) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(settings, on_startup=on_startup),
        host=host,
        port=port,
        lifespan="on",
        log_config=None,
        access_log=False,
        proxy_headers=True,
        ws_ping_interval=settings.ws_ping_interval_seconds,
        # Subscription frames are a few hundred bytes; per-connection deflate
        # state costs ~48 KiB a socket and forbids sending one frame to all.
        ws_per_message_deflate=False,
        ws_ping_timeout=settings.ws_ping_interval_seconds,
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
    )


def serve(
    settings: Settings, host: str, port: int, on_startup: Sequence[StartupHook] = ()
) -> None:
    uvicorn.Server(uvicorn_config(settings, host, port, on_startup)).run()
