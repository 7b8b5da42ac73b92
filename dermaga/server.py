"""Run the app under uvicorn with WebSocket pings and a graceful shutdown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette

from dermaga.app import StartupHook, create_app
from dermaga.settings import ConfigurationError, Settings, get_settings

APP_FACTORY = "dermaga.server:app_from_environment"


def _options(settings: Settings) -> dict[str, Any]:
    return {
        "lifespan": "on",
        "log_config": None,
        "access_log": False,
        "proxy_headers": True,
        "ws_ping_interval": settings.ws_ping_interval_seconds,
        # Subscription frames are a few hundred bytes; per-connection deflate
        # state costs ~48 KiB a socket and forbids sending one frame to all.
        "ws_per_message_deflate": False,
        "ws_ping_timeout": settings.ws_ping_interval_seconds,
        "timeout_graceful_shutdown": settings.graceful_shutdown_seconds,
    }


def uvicorn_config(
    settings: Settings, host: str, port: int, on_startup: Sequence[StartupHook] = ()
) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(settings, on_startup=on_startup),
        host=host,
        port=port,
        **_options(settings),
    )


def app_from_environment() -> Starlette:
    """The app of one worker process, configured from the environment."""
    return create_app(get_settings())


def serve(
    settings: Settings,
    host: str,
    port: int,
    on_startup: Sequence[StartupHook] = (),
    *,
    workers: int = 1,
) -> None:
    """Serve in this process, or in `workers` processes sharing one socket.

    Each worker is a whole Dermaga process (see README, several processes):
    they need a database server and a broadcaster they all share.
    """
    if workers <= 1:
        uvicorn.Server(uvicorn_config(settings, host, port, on_startup)).run()
        return
    if not settings.database_url or settings.broadcast_url == "memory://":
        raise ConfigurationError(
            "several workers need DERMAGA_DATABASE_URL and a shared "
            "DERMAGA_BROADCAST_URL (redis://... or postgres://...)"
        )
    if on_startup:
        raise ConfigurationError("start-up hooks run in a single process only")
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **_options(settings),
    )
