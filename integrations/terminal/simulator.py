"""A simulated terminal operating system: container events of the port's terminals.

API (needs X-Api-Key): GET /v1/container-events?since=<seq>&limit=<n> and
GET /v1/vessel-calls/{call_ref}/manifest. Control (no key): POST
/_control/manifest ({call_ref, containers: [{number, size_type, stowage}]} or
{call_ref, count}), POST /_control/containers/{number}/hold, /release,
/gate-in or /gate-out, POST /_control/inspections ({share}), POST
/_control/config, POST /_control/clock, GET /_control/state. It shares its
PortWorld, and so its clock, with the Phinnisi simulator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.ports.terminal import ContainerEvent, Stowage
from integrations.clock import SimClock
from integrations.simulation import (
    SimulatedService,
    clock_json,
    exception_handlers,
    json_body,
    page_bounds,
)
from integrations.terminal.wire import (
    event_to_json,
    manifest_to_json,
    page_to_json,
    stowage_from_json,
)
from integrations.terminal.yard import TerminalOptions, TerminalYard
from integrations.vessels.simulator import create_vessel_simulator
from integrations.vessels.world import PortWorld, WorldOptions

DEFAULT_API_KEY = "terminal-sim-key"
MAX_GENERATED = 5000


def create_terminal_simulator(
    world: PortWorld,
    seed: int = 7,
    *,
    options: TerminalOptions | None = None,
    api_key: str = DEFAULT_API_KEY,
) -> Starlette:
    """The terminal simulator over a PortWorld shared with the Phinnisi simulator."""
    yard = TerminalYard(world, seed, options)
    service = SimulatedService("terminal", api_key, seed)
    actions: dict[str, Callable[[str], ContainerEvent]] = {
        "hold": yard.hold,
        "release": yard.release,
        "gate-in": yard.gate_in,
        "gate-out": yard.gate_out,
    }

    async def container_events(request: Request) -> Response:
        since, limit = page_bounds(request)
        yard.advance()
        events, has_more = yard.events_after(since, limit)
        return JSONResponse(page_to_json(events, since, has_more))

    async def manifest(request: Request) -> Response:
        call_ref = request.path_params["call_ref"]
        return JSONResponse(manifest_to_json(call_ref, yard.manifest(call_ref)))

    async def register_manifest(request: Request) -> Response:
        body = await json_body(request)
        call_ref = str(body.get("call_ref", ""))
        if "count" in body:
            entries = yard.generate_manifest(call_ref, _count(body["count"]))
        else:
            entries = yard.register_manifest(call_ref, _containers(body))
        return JSONResponse(manifest_to_json(call_ref, entries), 201)

    async def container_action(request: Request) -> Response:
        action = actions.get(request.path_params["action"])
        if action is None:
            raise HTTPException(404, "unknown container action")
        event = action(request.path_params["number"])
        return JSONResponse(event_to_json(event))

    async def inspections(request: Request) -> Response:
        share = (await json_body(request)).get("share")
        if isinstance(share, bool) or not isinstance(share, int | float):
            raise HTTPException(422, "share must be a number")
        if not 0 <= share <= 1:
            raise HTTPException(422, "share must lie between 0 and 1")
        yard.inspection_share = float(share)
        return JSONResponse({"share": yard.inspection_share})

    async def state(request: Request) -> Response:
        yard.advance()
        return JSONResponse(_state(yard, service, world))

    routes = [
        Route("/v1/container-events", service.guarded(container_events)),
        Route("/v1/vessel-calls/{call_ref}/manifest", service.guarded(manifest)),
        Route("/_control/manifest", register_manifest, methods=["POST"]),
        Route(
            "/_control/containers/{number}/{action}", container_action, methods=["POST"]
        ),
        Route("/_control/inspections", inspections, methods=["POST"]),
        Route("/_control/state", state),
        *service.control_routes(world.clock),
    ]
    app = Starlette(routes=routes, exception_handlers=exception_handlers())
    app.state.yard = yard
    return app


def create_port_simulators(
    clock: SimClock,
    seed: int = 7,
    *,
    world_options: WorldOptions | None = None,
    terminal_options: TerminalOptions | None = None,
) -> tuple[Starlette, Starlette]:
    """Phinnisi and the terminal over one new PortWorld, with their default keys."""
    world = PortWorld(clock, seed, world_options)
    vessels = create_vessel_simulator(clock, seed, world=world)
    return vessels, create_terminal_simulator(world, seed, options=terminal_options)


def _state(
    yard: TerminalYard, service: SimulatedService, world: PortWorld
) -> dict[str, Any]:
    calls: list[dict[str, Any]] = []
    for call_ref, numbers in yard.manifests.items():
        boxes = [yard.boxes[n] for n in numbers]
        plan = world.calls[call_ref]
        calls.append(
            {
                "call_ref": call_ref,
                "terminal": plan.call.terminal,
                "moves_per_hour": plan.moves_per_hour,
                "ops_started_at": plan.ops_started_at.isoformat()
                if plan.ops_started_at
                else None,
                "boxes": len(boxes),
                "discharged": sum(b.discharged_at is not None for b in boxes),
                "on_hold": sum(b.on_hold for b in boxes),
                "available": sum(b.available for b in boxes),
                "gated_out": sum(b.gated_out for b in boxes),
            }
        )
    return {
        "clock": clock_json(world.clock),
        "config": service.config(),
        "inspection_share": yard.inspection_share,
        "events": yard.event_count,
        "calls": calls,
    }


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise HTTPException(422, "count must be a whole number")
    if not 1 <= value <= MAX_GENERATED:
        raise HTTPException(422, f"count must lie between 1 and {MAX_GENERATED}")
    return value


def _containers(body: Mapping[str, Any]) -> list[tuple[str, str, Stowage | None]]:
    containers = body.get("containers")
    if not isinstance(containers, list) or not containers:
        raise HTTPException(422, "containers must be a non-empty list")
    try:
        return [
            (str(c["number"]), str(c["size_type"]), stowage_from_json(c.get("stowage")))
            for c in containers
        ]
    except (KeyError, TypeError, AttributeError) as exc:
        raise HTTPException(422, f"malformed container: {exc}") from exc
