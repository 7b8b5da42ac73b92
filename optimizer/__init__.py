"""Pickup and discharge scheduling on OR-Tools: plain data in, plan out.

Times are integer minutes from an epoch the caller chooses; money is integer
rupiah. Nothing here touches the database or the network.
"""

from optimizer.discharge import DischargeMove, DischargePlan, plan_discharge
from optimizer.explain import explain
from optimizer.model import (
    Block,
    CapacityReduction,
    Container,
    Costs,
    DeviationTier,
    Instance,
    OverloadTier,
    Slot,
    StorageTariff,
    Stowage,
    TruckerQuota,
    VesselCall,
    Window,
)
from optimizer.plan import (
    Alternative,
    Assignment,
    CostBreakdown,
    Explanation,
    Plan,
    Unassigned,
    UnassignedReason,
)
from optimizer.readiness import Prepared, Readiness
from optimizer.replan import (
    BlockCapacityChanged,
    Change,
    CustomsHold,
    EtaMoved,
    QuotaChanged,
    apply_changes,
    improve,
    repair,
)
from optimizer.solve import SolveOptions, solve

__all__ = [
    "Alternative",
    "Assignment",
    "Block",
    "BlockCapacityChanged",
    "CapacityReduction",
    "Change",
    "Container",
    "CostBreakdown",
    "Costs",
    "CustomsHold",
    "DeviationTier",
    "DischargeMove",
    "DischargePlan",
    "EtaMoved",
    "Explanation",
    "Instance",
    "OverloadTier",
    "Plan",
    "Prepared",
    "QuotaChanged",
    "Readiness",
    "Slot",
    "SolveOptions",
    "StorageTariff",
    "Stowage",
    "TruckerQuota",
    "Unassigned",
    "UnassignedReason",
    "VesselCall",
    "Window",
    "apply_changes",
    "explain",
    "improve",
    "plan_discharge",
    "repair",
    "solve",
]
