"""The demo's simulated port: Praya, Phinnisi and the terminal on their own clock.

The simulated port keeps its own time. A new demo port starts ten hours
behind the wall clock and replays them sixty times faster, so vessels berth
and discharge within minutes; once it reaches the wall clock it runs in real
time, so every time the server records lies in the past, as the rules for
pickups and invoices expect. Where the port stood is kept under the data
directory: the next `dermaga demo` rebuilds the same port (same seed, same
start) and resumes it there, so the feeds it replays match what was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog

from dermaga.settings import Settings
from integrations.clock import SimClock
from integrations.finance.simulator import (
    FinanceSimulatorSettings,
    create_finance_simulator,
)
from integrations.serving import serve_app
from integrations.terminal.simulator import create_port_simulators
from integrations.vessels.world import WorldOptions

log = structlog.get_logger(__name__)

DEMO_CLOCK_SPEED = 60.0
DEMO_SEED = 7
WORLD_FILE = "demo-world.json"
CATCH_UP = timedelta(hours=10)
# A port stopped for longer than this skips ahead rather than replay it all.
MAX_REPLAY = timedelta(hours=12)
# A call every five hours for about a week from the first start.
DEMO_WORLD = WorldOptions(call_count=36, call_spacing=timedelta(hours=5))
SAVE_EVERY_S = 5.0


@dataclass(frozen=True, slots=True)
class Simulators:
    """Where Praya, Phinnisi and the terminal answer, and the port's clock."""

    finance_url: str
    vessels_url: str
    terminal_url: str
    clock: SimClock


@dataclass(frozen=True, slots=True)
class WorldState:
    """Where the simulated port began (its schedule's anchor) and where it stood."""

    anchor: datetime
    reached: datetime

    @classmethod
    def load(cls, path: Path, wall: datetime) -> WorldState:
        if not path.exists():
            return cls(wall - CATCH_UP, wall - CATCH_UP)
        data = json.loads(path.read_text())
        return cls(
            datetime.fromisoformat(data["anchor"]),
            datetime.fromisoformat(data["reached"]),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"anchor": self.anchor.isoformat(), "reached": self.reached.isoformat()}
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data) + "\n")
        temporary.replace(path)


@contextlib.asynccontextmanager
async def running_simulators(
    settings: Settings, server_url: str
) -> AsyncIterator[Simulators]:
    """Praya, Phinnisi and the terminal on loopback ports of their own."""
    path = settings.data_dir / WORLD_FILE
    state = WorldState.load(path, datetime.now(UTC))
    # Stopped while the port is built, so the schedule hangs off its anchor.
    clock = SimClock(state.anchor, 0.0)
    vessels, terminal = create_port_simulators(
        clock, DEMO_SEED, world_options=DEMO_WORLD
    )
    resume_clock(clock, state.reached, datetime.now(UTC))
    finance = create_finance_simulator(
        FinanceSimulatorSettings(
            api_key=settings.finance_api_key.get_secret_value(),
            webhook_secret=settings.finance_webhook_secret.get_secret_value().encode(),
            callback_url=f"{server_url}/webhooks/praya",
            seed=DEMO_SEED,
        )
    )
    async with (
        serve_app(finance) as finance_url,
        serve_app(vessels) as vessels_url,
        serve_app(terminal) as terminal_url,
    ):
        pacing = asyncio.create_task(_pace(clock, state.anchor, path))
        try:
            yield Simulators(finance_url, vessels_url, terminal_url, clock)
        finally:
            pacing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pacing
            WorldState(state.anchor, clock.now()).save(path)


def resume_clock(clock: SimClock, reached: datetime, wall: datetime) -> None:
    """Move the new clock to where the port stood, then run it towards the wall."""
    target = max(reached, wall - MAX_REPLAY)
    if target > clock.now():
        clock.advance(target - clock.now())
    clock.set_speed(DEMO_CLOCK_SPEED if clock.now() < wall else 1.0)


async def _pace(clock: SimClock, anchor: datetime, path: Path) -> None:
    """Drop to real time at the wall clock; note where the port stands."""
    saved = 0.0
    while True:
        if clock.speed > 1.0 and clock.now() >= datetime.now(UTC):
            clock.set_speed(1.0)
            log.info("demo.port.real_time", now=clock.now().isoformat())
        saved += 1.0
        if saved >= SAVE_EVERY_S:
            WorldState(anchor, clock.now()).save(path)
            saved = 0.0
        await asyncio.sleep(1.0)
