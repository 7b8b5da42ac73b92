"""A simulated Phinnisi: the port's vessel schedule as a change feed, on a SimClock.

API (needs X-Api-Key): GET /v1/changes?since=<seq>&limit=<n>, the append-only
change log after a sequence number. Control (no key): POST /_control/config
(latency_ms, error_rate, outage), POST /_control/clock (speed,
advance_minutes), POST /_control/calls/{call_ref}/eta (delta_minutes),
POST /_control/calls (a carrier's announced call: vessel {name, imo, call_sign,
flag}, voyage, terminal, berth, eta, cranes, moves_per_crane_hour, load_moves),
GET /_control/state. The app's `state.world` is the PortWorld it serves, for a
terminal simulator to share.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.vessel_events import current_times
from integrations.clock import SimClock
from integrations.simulation import (
    SimulatedService,
    clock_json,
    error_response,
    exception_handlers,
    json_body,
    page_bounds,
)
from integrations.vessels.wire import announced_call_from_json, page_to_json
from integrations.vessels.world import CallPlan, PortWorld, WorldOptions

DEFAULT_API_KEY = "phinnisi-sim-key"


def create_vessel_simulator(
    clock: SimClock,
    seed: int = 7,
    *,
    world: PortWorld | None = None,
    options: WorldOptions | None = None,
    api_key: str = DEFAULT_API_KEY,
) -> Starlette:
    """The Phinnisi simulator over `world`, or over a new one built from the seed."""
    if world is None:
        world = PortWorld(clock, seed, options)
    elif world.clock is not clock:
        raise ValueError("the world must run on the simulator's clock")
    service = SimulatedService("phinnisi", api_key, seed)
    port_world = world

    async def changes(request: Request) -> Response:
        since, limit = page_bounds(request)
        port_world.advance()
        page, has_more = port_world.changes_after(since, limit)
        return JSONResponse(page_to_json(page, since, has_more))

    async def move_eta(request: Request) -> Response:
        body = await json_body(request)
        minutes = body.get("delta_minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            return error_response(422, "INVALID", "delta_minutes must be a number")
        call_ref = request.path_params["call_ref"]
        stamp = port_world.move_eta(call_ref, timedelta(minutes=minutes))
        return JSONResponse(
            {"event_id": stamp.event_id, "eta": stamp.event_time.isoformat()}
        )

    async def add_call(request: Request) -> Response:
        plan = port_world.add_call(announced_call_from_json(await json_body(request)))
        return JSONResponse(_call_state(plan), 201)

    async def state(request: Request) -> Response:
        port_world.advance()
        return JSONResponse(
            {
                "clock": clock_json(clock),
                "config": service.config(),
                "changes": port_world.change_count,
                "calls": [_call_state(p) for p in port_world.calls.values()],
            }
        )

    routes = [
        Route("/v1/changes", service.guarded(changes), methods=["GET"]),
        Route("/_control/calls", add_call, methods=["POST"]),
        Route("/_control/calls/{call_ref}/eta", move_eta, methods=["POST"]),
        Route("/_control/state", state, methods=["GET"]),
        *service.control_routes(clock),
    ]
    app = Starlette(routes=routes, exception_handlers=exception_handlers())
    app.state.world = world
    return app


def _call_state(plan: CallPlan) -> dict[str, Any]:
    times = current_times(plan.timestamps)
    return {
        "call_ref": plan.call.call_ref,
        "vessel_imo": plan.call.vessel_imo,
        "voyage": plan.call.voyage,
        "terminal": plan.call.terminal,
        "berth": plan.call.berth,
        "status": times.status.value,
        "eta": _iso(times.eta),
        "etb": _iso(times.etb),
        "ata": _iso(times.ata),
        "atb": _iso(times.atb),
        "etd": _iso(times.etd),
        "atd": _iso(times.atd),
        "ops_started_at": _iso(plan.ops_started_at),
        "cranes": plan.cranes,
        "moves_per_hour": plan.moves_per_hour,
        "discharge_moves": plan.discharge_moves,
        "load_moves": plan.load_moves,
    }


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()
