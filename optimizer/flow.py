"""The pickup plan as a min-cost network flow: exact and fast, no side constraints.

Each placeable container sends one unit of flow to the sink, either through
a (yard block, slot) node, capped by the block's moves in that slot, then a
slot node, capped by the slot's truck quota, or straight to the sink at the
price of leaving it unassigned. The load above a slot's soft target is a
convex piecewise cost, modelled as parallel slot-to-sink arcs of increasing
unit cost, so the whole problem stays a flow and is solved exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.graph.python import min_cost_flow

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


def solve_flow(
    prepared: Prepared, options: Mapping[str, list[tuple[int, int]]]
) -> FlowResult:
    """Solve the plan exactly; `options` gives (slot, cost) per placeable container."""
    net = _Network()
    slot_nodes = {slot: net.node() for slot in range(len(prepared.slots))}
    _slot_arcs(prepared, net, slot_nodes)
    block_nodes = _block_arcs(prepared, net, slot_nodes, options)
    first_arc: dict[str, int] = {}
    supplies: dict[int, int] = {}
    unassigned = prepared.costs.unassigned
    for cid in sorted(options):
        node = net.node()
        supplies[node] = 1
        block = prepared.containers[cid].block
        first_arc[cid] = len(net.tails)
        row = options[cid]
        net.tails.extend([node] * len(row))
        net.heads.extend([block_nodes[(block, slot)] for slot, _ in row])
        net.caps.extend([1] * len(row))
        net.costs.extend([cost for _, cost in row])
        # A kept fixed booking outranks any free container for scarce room.
        fixed = prepared.containers[cid].booked_slot is not None
        net.arc(node, 0, 1, unassigned * (2 if fixed else 1))
    supplies[0] = -len(options)
    return _run(net, supplies, options, first_arc)


def _block_arcs(
    prepared: Prepared,
    net: _Network,
    slot_nodes: Mapping[int, int],
    options: Mapping[str, list[tuple[int, int]]],
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
        net.arc(block_nodes[(block, slot)], slot_nodes[slot], cap, 0)
    return block_nodes


def _slot_arcs(
    prepared: Prepared, net: _Network, slot_nodes: Mapping[int, int]
) -> None:
    """Slot-to-sink arcs: free up to the soft target, then tiers of rising cost."""
    for slot, node in slot_nodes.items():
        s = prepared.slots[slot]
        if s.soft_target is None or s.soft_target >= s.quota:
            net.arc(node, 0, s.quota, 0)
            continue
        net.arc(node, 0, max(s.soft_target, 0), 0)
        left = s.quota - max(s.soft_target, 0)
        tiers = prepared.costs.overload
        for i, tier in enumerate(tiers):
            width = left if i == len(tiers) - 1 else min(left, tier.trucks)
            if width > 0:
                net.arc(node, 0, width, tier.cost_per_truck)
            left -= width


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
