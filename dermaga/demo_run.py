"""Run the demo: the simulators, the server and the seed, in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import structlog
import uvicorn
from rich.console import Console
from starlette.applications import Starlette
from strawberry.http.ides import get_graphql_ide_html

from dermaga.app import create_app, graphiql_store
from dermaga.demo import (
    DEMO_USERS,
    ExampleOperation,
    example_operations,
    is_loopback,
    log_console,
    print_welcome,
    progress,
    seed_identity,
    sign_in_operation,
    welcome_notes,
)
from dermaga.demo_client import DemoClient
from dermaga.demo_seed import DemoSeeder, SeedReport
from dermaga.demo_world import Simulators, running_simulators
from dermaga.graphiql import (
    EXAMPLES_KEY,
    GUIDE,
    TOKEN_PLACEHOLDER,
    ExampleSource,
    ExampleTab,
    bearer_headers,
)
from dermaga.graphiql_assets import fetch_missing
from dermaga.logging import configure_logging
from dermaga.settings import Settings
from domain.services import feed_cursors, identity, tariffs
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from integrations.terminal.client import TerminalClient, build_terminal_http
from schema.context import Services

log = structlog.get_logger(__name__)

STARTUP_TIMEOUT_S = 300.0
# Within the terminal client's read timeout (5 s).
HOLD_BACK_MS = 4500
PASSWORD_PLACEHOLDER = "<the password dermaga demo printed>"
QUIET_WHILE_HELD = ("integrations.feeds", "dermaga.sync")


@dataclass
class RunningDemo:
    """A demo while it runs: where it answers, and what it seeded."""

    base_url: str
    app: Starlette
    simulators: Simulators
    settings: Settings
    password: str
    report: SeedReport | None = None
    examples: tuple[ExampleOperation, ...] = ()
    # Off loopback, GraphiQL's tabs carry no live token: anyone may open them.
    loopback: bool = True

    @property
    def database(self) -> Database:
        services: Services = self.app.state.runtime.require()
        return services.database

    async def seed(self, console: Console) -> SeedReport:
        """Seed through the API (again: nothing changes) and publish the examples."""
        with progress(console, "seeding the port through the API") as update:
            self.report = await _seed(self, update)
        call = self.report.watch_call
        assert call is not None, "a seed always names a call to watch"
        live = self.report.shipments[ShipmentStatus.IN_SERVICE]
        same = call.id == self.report.calls[ShipmentStatus.IN_SERVICE]
        self.examples = example_operations(live, call.id, same_call=same)
        extras = self.app.state.runtime.extras
        extras[EXAMPLES_KEY] = graphiql_examples(self)
        return self.report


class _Server(uvicorn.Server):
    """The demo's server; the demo itself handles Ctrl-C for everything it runs."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def running_demo(
    settings: Settings, host: str, port: int, password: str, console: Console
) -> AsyncIterator[RunningDemo]:
    """Simulators, then the server on `port` (migrated, users and tariffs seeded)."""
    if settings.log_format == "auto":
        # The demo's visitor reads its log, even when it goes to a file.
        settings = settings.model_copy(update={"log_format": "console"})
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    base_url = f"http://{host}:{port}"
    async with running_simulators(settings, base_url) as sims:
        wired = settings.model_copy(
            update={
                "finance_url": sims.finance_url,
                "vessels_url": sims.vessels_url,
                "terminal_url": sims.terminal_url,
                "vessel_poll_seconds": 2.0,
                "terminal_poll_seconds": 2.0,
                "reconcile_interval_seconds": 600.0,
            }
        )
        app = create_app(wired, on_startup=[_seed_basics(password)])
        server = _Server(_config(app, wired, host, port))
        async with _terminal_after_vessels(app, sims):
            serving = asyncio.create_task(server.serve())
            try:
                with progress(console, "starting PostgreSQL, migrating, serving"):
                    await _started(server, serving)
            except BaseException:
                server.should_exit = True
                await asyncio.gather(serving, return_exceptions=True)
                raise
        try:
            yield RunningDemo(
                base_url, app, sims, wired, password, loopback=is_loopback(host)
            )
        finally:
            server.should_exit = True
            await asyncio.gather(serving, return_exceptions=True)


async def run_demo(
    settings: Settings, host: str, port: int, password: str, console: Console
) -> None:
    """Serve the seeded demo until Ctrl-C; everything started here stops with it."""
    console = log_console(console)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running_demo(settings, host, port, password, console) as demo:
            seeding = asyncio.create_task(_seed_and_welcome(demo, console))
            await stop.wait()
            # A second Ctrl-C interrupts the shutdown itself.
            loop.remove_signal_handler(signal.SIGINT)
            console.print("stopping the server, the simulators and PostgreSQL ...")
            seeding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await seeding
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def fetch_ide_assets(settings: Settings, console: Console) -> bool:
    """Store GraphiQL's scripts; False (and a note) if some could not be had."""
    page = get_graphql_ide_html(graphql_ide="graphiql")
    store = graphiql_store(settings)
    with progress(console, f"GraphiQL's scripts from {settings.npm_registry}"):
        report = await fetch_missing(page, store, settings.npm_registry)
    if report.failed:
        console.print(
            f"[yellow]GraphiQL's scripts[/]: {len(report.failed)} not fetched from "
            f"{settings.npm_registry}; the page loads them from unpkg.com"
        )
        return False
    done = "stored" if report.stored else "already stored"
    console.print(f"[green]GraphiQL's scripts {done}[/] in {store.directory}")
    return True


async def _seed_and_welcome(demo: RunningDemo, console: Console) -> None:
    await fetch_ide_assets(demo.settings, console)
    try:
        report = await demo.seed(console)
    except Exception:
        log.exception("demo.seed.failed")
        console.print("[red]seeding failed[/]; the server keeps running")
        return
    made = f"{report.created} new" if report.created else "all found from last time"
    console.print(f"[green]seeded[/] {len(report.shipments)} requests ({made})")
    print_welcome(
        console,
        demo.base_url,
        demo.password,
        demo.examples,
        demo.settings.data_dir,
        notes=_notes(demo),
        signed_in=demo.loopback,
    )


def _notes(demo: RunningDemo) -> list[str]:
    call = demo.report.watch_call if demo.report else None
    return welcome_notes(
        demo.simulators.clock,
        call,
        demo.base_url,
        loopback=demo.loopback,
        public_key=demo.settings.secret_key is None,
    )


# The server


def _config(app: Starlette, settings: Settings, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_config=None,
        access_log=False,
        ws_ping_interval=settings.ws_ping_interval_seconds,
        ws_ping_timeout=settings.ws_ping_interval_seconds,
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
    )


@contextlib.asynccontextmanager
async def _terminal_after_vessels(
    app: Starlette, sims: Simulators
) -> AsyncIterator[None]:
    """Hold the terminal's feed back until the vessel calls it names are synced.

    The terminal sync links each event to its call when it stores it; events
    read before their call is known would stay unlinked. Until the vessel feed
    is read to its end the terminal simulator is down, and slow to say so: a
    read that waits long enough finds it up again and fails nothing.
    """
    async with httpx.AsyncClient(base_url=sims.terminal_url, timeout=10.0) as http:
        free = {"latency_ms": 0, "outage": False}
        # The terminal's refusals while it is held back are the demo's doing.
        quiet = [logging.getLogger(name) for name in QUIET_WHILE_HELD]

        async def release() -> None:
            await _vessels_synced(app, sims)
            await http.post("/_control/config", json=free)
            for logger in quiet:
                logger.setLevel(logging.NOTSET)

        held = {"latency_ms": HOLD_BACK_MS, "outage": True}
        await http.post("/_control/config", json=held)
        for logger in quiet:
            logger.setLevel(logging.ERROR)
        releasing = asyncio.create_task(release())
        try:
            yield
            await releasing
        finally:
            releasing.cancel()
            await http.post("/_control/config", json=free)
            for logger in quiet:
                logger.setLevel(logging.NOTSET)


async def _vessels_synced(app: Starlette, sims: Simulators) -> None:
    """Wait for the app to open, then for its vessel sync to read the feed through."""
    runtime = app.state.runtime
    async with asyncio.timeout(STARTUP_TIMEOUT_S):
        while runtime.services is None:
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=sims.vessels_url) as http:
            changes = int((await http.get("/_control/state")).json()["changes"])
        database: Database = runtime.services.database
        while True:
            async with database.transaction(SYSTEM) as session:
                cursor = await feed_cursors.current_cursor(
                    session, feed_cursors.VESSELS
                )
            if int(cursor or 0) >= changes:
                log.info("demo.vessels_synced", changes=changes)
                return
            await asyncio.sleep(0.05)


async def _started(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    async with asyncio.timeout(STARTUP_TIMEOUT_S):
        while not server.started:
            if serving.done():
                with contextlib.suppress(SystemExit):
                    serving.result()
                raise RuntimeError("the demo server did not start (see the log)")
            await asyncio.sleep(0.1)


def _seed_basics(password: str) -> Callable[[Services], Awaitable[None]]:
    """Users and tariffs, before the first request: the API cannot make them."""

    async def hook(services: Services) -> None:
        await seed_identity(services.database, password)
        async with services.database.transaction(SYSTEM) as session:
            await tariffs.seed_published(session)

    return hook


async def _seed(demo: RunningDemo, progress: Callable[[str], None]) -> SeedReport:
    sims = demo.simulators
    async with (
        httpx.AsyncClient(base_url=demo.base_url, timeout=60.0) as api,
        build_terminal_http(sims.terminal_url) as terminal_http,
        httpx.AsyncClient(base_url=sims.finance_url, timeout=10.0) as finance,
    ):
        terminal = TerminalClient(
            terminal_http, demo.settings.terminal_api_key.get_secret_value()
        )
        seeder = DemoSeeder(
            DemoClient(api), demo.database, terminal, finance, demo.password
        )
        return await seeder.seed(progress)


# GraphiQL


def graphiql_examples(demo: RunningDemo) -> ExampleSource:
    """GraphiQL's tabs: signIn, then each example signed in as the importer."""
    token: list[tuple[str, datetime]] = []

    async def fresh_token() -> str:
        # One token while it has an hour left, so GraphiQL keeps its tabs.
        if token and token[0][1] - datetime.now(UTC) > timedelta(hours=1):
            return token[0][0]
        async with demo.database.transaction(SYSTEM) as session:
            signed = await identity.sign_in(
                session,
                email=DEMO_USERS[0].email,
                password=demo.password,
                key=demo.settings.signing_key,
                ttl=timedelta(minutes=demo.settings.token_ttl_minutes),
            )
        token[:] = [(signed.token, signed.expires_at)]
        return signed.token

    async def tabs() -> Sequence[ExampleTab]:
        # Anyone who reaches a server off loopback may open this page.
        token = await fresh_token() if demo.loopback else TOKEN_PLACEHOLDER
        password = demo.password if demo.loopback else PASSWORD_PLACEHOLDER
        headers = bearer_headers(token)
        first = ExampleTab(GUIDE + "\n" + sign_in_operation(password) + "\n")
        examples = [
            ExampleTab(f"# {e.title}\n{e.document}\n", headers=headers)
            for e in demo.examples
        ]
        return [first, *examples]

    return tabs
