"""SQLAlchemy mappings of the domain; importing this registers every table."""

from domain.models.base import Base, Identified, OrganisationOwned
from domain.models.identity import (
    ApiKey,
    Organisation,
    OrganisationKind,
    Representation,
    Role,
    User,
)
from domain.models.outbox import OutboxEvent
from domain.models.port import Vessel, VesselCall
from domain.models.shipments import (
    Container,
    ContainerStatus,
    ServiceKind,
    Shipment,
    ShipmentStatusChange,
)

__all__ = [
    "ApiKey",
    "Base",
    "Container",
    "ContainerStatus",
    "Identified",
    "Organisation",
    "OrganisationKind",
    "OrganisationOwned",
    "OutboxEvent",
    "Representation",
    "Role",
    "ServiceKind",
    "Shipment",
    "ShipmentStatusChange",
    "User",
    "Vessel",
    "VesselCall",
]
