"""SQLAlchemy mappings of the domain; importing this registers every table."""

from domain.models.base import Base, Identified, OrganisationOwned
from domain.models.billing import (
    Invoice,
    InvoiceLine,
    InvoiceNumberCounter,
    InvoiceStatus,
    TariffVersion,
)
from domain.models.documents import Document, DocumentCheck
from domain.models.gate import (
    Delivery,
    DeliveryStatus,
    GateEvent,
    GateEventKind,
    GatePass,
    GatePassStatus,
    Punctuality,
)
from domain.models.identity import (
    ApiKey,
    Organisation,
    OrganisationKind,
    Representation,
    Role,
    User,
)
from domain.models.outbox import OutboxEvent
from domain.models.payments import Payment, PaymentPurpose, PaymentStatus
from domain.models.port import Vessel, VesselCall
from domain.models.scheduling import (
    BookingStatus,
    PickupPlan,
    PickupPlanItem,
    PickupSlot,
    PlanReason,
    SlotConfiguration,
    TruckBooking,
    YardBlock,
)
from domain.models.shipments import (
    Container,
    ContainerStatus,
    ServiceKind,
    Shipment,
    ShipmentStatusChange,
)
from domain.models.tracking import (
    ContainerEventRow,
    DischargeManifest,
    FeedCursor,
    PortCallTimestampRow,
)

__all__ = [
    "ApiKey",
    "Base",
    "BookingStatus",
    "Container",
    "ContainerEventRow",
    "ContainerStatus",
    "Delivery",
    "DeliveryStatus",
    "DischargeManifest",
    "Document",
    "DocumentCheck",
    "FeedCursor",
    "GateEvent",
    "GateEventKind",
    "GatePass",
    "GatePassStatus",
    "Identified",
    "Invoice",
    "InvoiceLine",
    "InvoiceNumberCounter",
    "InvoiceStatus",
    "Organisation",
    "OrganisationKind",
    "OrganisationOwned",
    "OutboxEvent",
    "Payment",
    "PaymentPurpose",
    "PaymentStatus",
    "PickupPlan",
    "PickupPlanItem",
    "PickupSlot",
    "PlanReason",
    "PortCallTimestampRow",
    "Punctuality",
    "Representation",
    "Role",
    "ServiceKind",
    "Shipment",
    "ShipmentStatusChange",
    "SlotConfiguration",
    "TariffVersion",
    "TruckBooking",
    "User",
    "Vessel",
    "VesselCall",
    "YardBlock",
]
