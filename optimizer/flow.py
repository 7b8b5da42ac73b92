"""The pickup plan as a min-cost network flow: exact and fast, no side constraints.

Each placeable container sends one unit of flow to the sink, either through
a (yard block, slot) node, capped by the block's moves in that slot, then a
slot node, capped by the slot's truck quota, or straight to the sink at the
price of leaving it unassigned. The load above a slot's soft target is a
convex piecewise cost, modelled as parallel slot-to-sink arcs of increasing
unit cost, so the whole problem stays a flow and is solved exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from optimizer.costs import overload_step
from optimizer.readiness import Prepared


@dataclass(slots=True)
class _Network:
    """Arc lists under construction; node 0 is the sink."""

    tails: list[int] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    caps: list[int] = field(default_factory=list)
    costs: list[int] = field(default_factory=list)
    nodes: int = 1

    def node(self) -> int:
        self.nodes += 1
        return self.nodes - 1

    def arc(self, tail: int, head: int, cap: int, cost: int) -> None:
        self.tails.append(tail)
        self.heads.append(head)
        self.caps.append(cap)
        self.costs.append(cost)


@dataclass(frozen=True, slots=True)
class FlowResult:
    """Optimal slot per container (unplaced ones absent) and the flow's cost."""

    assignment: dict[str, int]
    objective: int


Options = Mapping[str, list[tuple[int, int]]]
Flows = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Held:
    """Load of the boxes held where they are while the others are re-solved.

    The free boxes get the room the held ones leave: trucks per slot, moves
    per (block, slot), trucks per (trucker, slot). When the free boxes share
    a limit the network cannot nest (all one company's, or all in one
    block), `room` caps their trucks per slot by it.
    """

    trucks: Mapping[int, int]
    moves: Mapping[tuple[str, int], int]
    fleet: Mapping[tuple[str, int], int]
    room: Mapping[int, int] | None = None


def solve_flow(
    prepared: Prepared,
    options: Options,
    through: str = "block",
    unplaced: Mapping[str, int] | None = None,
    held: Held | None = None,
) -> FlowResult:
    """Solve the plan exactly; `options` gives (slot, cost) per placeable container.

    `through` names the capacity a box meets on its way to the slot: its
    yard block's moves ("block"), or its trucking company's trucks per slot
    ("trucker", yard blocks dropped: a relaxation that gives a bound).
    `unplaced` overrides what leaving a unit out costs (a twin pair
    travelling as one unit costs what both boxes would). With `held`, only the boxes in
    `options` are placed, in the room the held boxes leave.
    """
    net, supplies, first_arc = _build(prepared, options, through, unplaced, held)
    return _run(net, supplies, options, first_arc)


@dataclass(frozen=True, slots=True)
class Cycle:
    """One cycle of the change from one flow to another: a unit more on `up`
    arcs, a unit less on `down` arcs, what it changes in cost and moved boxes."""

    up: tuple[int, ...]
    down: tuple[int, ...]
    cost: int
    moves: int


class PricedMoves:
    """One network for many prices of a move: the re-plan's budget search.

    Built once for `options` (each box's slots at their cost) and `before`
    (each box's previous slot); `solve(price)` is the exact flow in which a
    box placed elsewhere than before, or left out, pays `price`, so each
    price costs only the solve, not the building of the network. The arcs
    are kept as arrays: a price is one vector sum, not a Python loop.
    """

    def __init__(
        self, prepared: Prepared, options: Options, before: Mapping[str, int]
    ) -> None:
        self._options = options
        net, supplies, self._first_arc = _build(prepared, options, "block", None, None)
        moving = [0] * len(net.costs)
        for cid, previous in before.items():
            start = self._first_arc.get(cid)
            if start is None:
                continue
            for offset, (slot, _) in enumerate(options[cid]):
                moving[start + offset] = int(slot != previous)
            # Leaving the box out moves its booking too.
            moving[start + len(options[cid])] = 1
        self._tails = np.array(net.tails, dtype=np.int32)
        self._heads = np.array(net.heads, dtype=np.int32)
        self._caps = np.array(net.caps, dtype=np.int64)
        self._costs = np.array(net.costs, dtype=np.int64)
        self._moving = np.array(moving, dtype=np.int64)
        self._nodes = np.arange(net.nodes, dtype=np.int32)
        self._supplies = np.array(
            [supplies.get(n, 0) for n in range(net.nodes)], dtype=np.int64
        )
        self._arcs = np.arange(len(net.tails), dtype=np.int32)

    def solve(self, price: int) -> tuple[FlowResult, Flows]:
        """The exact optimum of cost + `price` x moved boxes, and its arc flows."""
        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(
            self._tails, self._heads, self._caps, self._costs + price * self._moving
        )
        solver.set_nodes_supplies(self._nodes, self._supplies)
        status = solver.solve()
        if status != solver.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed with status {status}")
        flows: Flows = solver.flows(self._arcs)
        assignment = self._assignment(flows)
        return FlowResult(assignment, int(solver.optimal_cost())), flows

    def cycles(self, base: Flows, other: Flows) -> list[Cycle]:
        """The change from flow `base` to flow `other` as conforming cycles.

        Each cycle moves every arc it uses toward its value in `other`, so
        `base` with any subset of the cycles applied is a feasible flow, and
        its cost and moves change by the sum of theirs.
        """
        change = other - base
        out: dict[int, list[tuple[int, int, bool]]] = {}
        for arc in np.flatnonzero(change).tolist():
            step = int(change[arc])
            up = step > 0
            tail, head = int(self._tails[arc]), int(self._heads[arc])
            if not up:
                tail, head = head, tail
            out.setdefault(tail, []).extend([(head, arc, up)] * abs(step))
        found: list[Cycle] = []
        for start in list(out):
            path, arcs, seen = [start], [], {start: 0}
            while out.get(path[-1]):
                head, arc, up = out[path[-1]].pop()
                arcs.append((arc, up))
                if head in seen:
                    cut = seen[head]
                    found.append(self._cycle(arcs[cut:]))
                    for node in path[cut + 1 :]:
                        del seen[node]
                    del path[cut + 1 :], arcs[cut:]
                else:
                    seen[head] = len(path)
                    path.append(head)
        return found

    def apply(self, base: Flows, cycles: list[Cycle]) -> tuple[dict[str, int], Flows]:
        """The plan and flows of flow `base` with `cycles` applied."""
        flows = base.copy()
        for cycle in cycles:
            flows[list(cycle.up)] += 1
            flows[list(cycle.down)] -= 1
        return self._assignment(flows), flows

    def _assignment(self, flows: Flows) -> dict[str, int]:
        """The slot of each box whose option arc carries its unit."""
        used = set(np.flatnonzero(flows).tolist())
        assignment: dict[str, int] = {}
        for cid, row in self._options.items():
            start = self._first_arc[cid]
            for offset, (slot, _) in enumerate(row):
                if start + offset in used:
                    assignment[cid] = slot
                    break
        return assignment

    def _cycle(self, arcs: list[tuple[int, bool]]) -> Cycle:
        up = tuple(arc for arc, forward in arcs if forward)
        down = tuple(arc for arc, forward in arcs if not forward)
        costs, moving = self._costs, self._moving
        return Cycle(
            up,
            down,
            int(costs[list(up)].sum() - costs[list(down)].sum()),
            int(moving[list(up)].sum() - moving[list(down)].sum()),
        )


def _build(
    prepared: Prepared,
    options: Options,
    through: str,
    unplaced: Mapping[str, int] | None,
    held: Held | None,
) -> tuple[_Network, dict[int, int], dict[str, int]]:
    """The network, each node's supply, and each box's first option arc."""
    net = _Network()
    slot_nodes = {slot: net.node() for slot in range(len(prepared.slots))}
    _slot_arcs(prepared, net, slot_nodes, held)
    if through == "trucker":
        group_nodes = _trucker_arcs(prepared, net, slot_nodes, options, held)
    else:
        group_nodes = _block_arcs(prepared, net, slot_nodes, options, held)
    group = _group_key(prepared, through)
    first_arc: dict[str, int] = {}
    supplies: dict[int, int] = {}
    for cid in sorted(options):
        node = net.node()
        supplies[node] = 1
        key = group(cid)
        first_arc[cid] = len(net.tails)
        row = options[cid]
        net.tails.extend([node] * len(row))
        net.heads.extend([group_nodes[(key, slot)] for slot, _ in row])
        net.caps.extend([1] * len(row))
        net.costs.extend([cost for _, cost in row])
        left_out = unplaced.get(cid) if unplaced is not None else None
        if left_out is None:
            left_out = unplaced_cost(prepared, cid)
        net.arc(node, 0, 1, left_out)
    supplies[0] = -len(options)
    return net, supplies, first_arc


def unplaced_cost(prepared: Prepared, cid: str) -> int:
    """What leaving the box without a slot costs the plan."""
    # A kept fixed booking outranks any free container for scarce room.
    fixed = prepared.containers[cid].booked_slot is not None
    return prepared.costs.unassigned * (2 if fixed else 1)


def _block_arcs(
    prepared: Prepared,
    net: _Network,
    slot_nodes: Mapping[int, int],
    options: Mapping[str, list[tuple[int, int]]],
    held: Held | None,
) -> dict[tuple[str, int], int]:
    """One node per (yard block, slot) in use, capped by the block's moves."""
    keys = sorted(
        {
            (prepared.containers[cid].block, slot)
            for cid in options
            for slot, _ in options[cid]
        }
    )
    block_nodes: dict[tuple[str, int], int] = {}
    for block, slot in keys:
        block_nodes[(block, slot)] = net.node()
        cap = prepared.block_capacity(block, slot)
        if held is not None:
            cap = max(0, cap - held.moves.get((block, slot), 0))
        net.arc(block_nodes[(block, slot)], slot_nodes[slot], cap, 0)
    return block_nodes


def _group_key(prepared: Prepared, through: str) -> Callable[[str], str]:
    """The capacity group a box passes: its block, or its limited trucker."""
    boxes = prepared.containers
    if through == "block":
        return lambda cid: boxes[cid].block
    limited = prepared.trucker_limit
    return lambda cid: (
        (boxes[cid].trucker or "") if boxes[cid].trucker in limited else ""
    )


def _trucker_arcs(
    prepared: Prepared,
    net: _Network,
    slot_nodes: Mapping[int, int],
    options: Mapping[str, list[tuple[int, int]]],
    held: Held | None,
) -> dict[tuple[str, int], int]:
    """One node per (limited trucker, slot) capped by its limit; "" is uncapped."""
    key = _group_key(prepared, "trucker")
    keys = sorted({(key(cid), slot) for cid in options for slot, _ in options[cid]})
    nodes: dict[tuple[str, int], int] = {}
    for trucker, slot in keys:
        nodes[(trucker, slot)] = net.node()
        cap = prepared.trucker_limit.get(trucker, prepared.slots[slot].quota)
        if held is not None:
            cap = max(0, cap - held.fleet.get((trucker, slot), 0))
        net.arc(nodes[(trucker, slot)], slot_nodes[slot], cap, 0)
    return nodes


def _slot_arcs(
    prepared: Prepared,
    net: _Network,
    slot_nodes: Mapping[int, int],
    held: Held | None,
) -> None:
    """Slot-to-sink arcs: free up to the soft target, then tiers of rising cost."""
    for slot, node in slot_nodes.items():
        load = 0 if held is None else held.trucks.get(slot, 0)
        room = prepared.slots[slot].quota - load
        if held is not None and held.room is not None:
            room = min(room, held.room.get(slot, 0))
        target = prepared.slots[slot].soft_target
        if target is None:
            net.arc(node, 0, max(room, 0), 0)
            continue
        # Trucks of one marginal price share an arc; the prices rise, so the
        # flow fills the cheap arcs first and stays exact. Past the last
        # tier's start every truck costs the same: one arc takes the rest.
        steady = target + sum(t.trucks for t in prepared.costs.overload[:-1])
        price, width, k = 0, 0, 0
        while k < room and load + k <= steady:
            step = overload_step(prepared, slot, load + k)
            if step != price and width:
                net.arc(node, 0, width, price)
                width = 0
            price, width, k = step, width + 1, k + 1
        if width:
            net.arc(node, 0, width, price)
        if k < room:
            net.arc(node, 0, room - k, overload_step(prepared, slot, load + k))


def _run(
    net: _Network,
    supplies: Mapping[int, int],
    options: Mapping[str, list[tuple[int, int]]],
    first_arc: Mapping[str, int],
) -> FlowResult:
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        net.tails, net.heads, net.caps, net.costs
    )
    nodes = list(range(net.nodes))
    solver.set_nodes_supplies(nodes, [supplies.get(n, 0) for n in nodes])
    status = solver.solve()
    if status != solver.OPTIMAL:
        # Every container has an arc straight to the sink, so the network
        # always has a feasible flow; anything else is a solver fault.
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = solver.flows(list(range(len(net.tails)))).tolist()
    assignment: dict[str, int] = {}
    for cid, slot_options in options.items():
        start = first_arc[cid]
        for offset, (slot, _) in enumerate(slot_options):
            if flows[start + offset]:
                assignment[cid] = slot
                break
    return FlowResult(assignment, int(solver.optimal_cost()))
