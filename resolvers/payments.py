"""Root fields of payments: start paying a shipment, idempotent on a client key."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import strawberry
import structlog

from domain.errors import DomainError, PermissionDeniedError
from domain.models.payments import PaymentPurpose
from domain.ports.finance import FinanceSystem
from domain.services import payments as service
from schema.context import Info
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.payments import Payment
from schema.permissions import IsAuthenticated
from schema.relay import SentID, parse_global_id

log = structlog.get_logger(__name__)


@strawberry.input(
    description="Begin paying a shipment; repeat it safely with the same key."
)
class StartPaymentInput:
    shipment_id: SentID = strawberry.field(description="The shipment.")
    client_key: str = strawberry.field(
        description="The client's idempotency key (1-100 characters): the same key "
        "returns the same payment; with another amount it is IDEMPOTENCY_CONFLICT."
    )
    purpose: PaymentPurpose = strawberry.field(
        default=PaymentPurpose.INITIAL,
        description="INITIAL (the proforma estimate); INVOICE comes with invoices.",
    )
    expected_amount: Decimal | None = strawberry.field(
        default=None,
        description="The amount shown to the client; refused unless it is due.",
    )


@strawberry.type(
    description="The payment, billed to a virtual account. On FINANCE_UNAVAILABLE "
    "the payment is kept unbilled: repeat the request with the same client key."
)
class StartPaymentPayload:
    payment: Payment | None = strawberry.field(description="The payment.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class PaymentMutation:
    @strawberry.mutation(
        description="Begin paying a shipment's initial payment, or the balance of "
        "its issued invoice, through the finance system; idempotent on the client "
        "key. Once the invoice is issued the initial payment is refused "
        "(ALREADY_INVOICED): pay the invoice's balance.",
        permission_classes=[IsAuthenticated],
    )
    async def start_payment(
        self, info: Info, input: StartPaymentInput
    ) -> StartPaymentPayload:
        viewer = info.context.viewer
        if viewer is None:
            error = PermissionDeniedError("sign in first", code="UNAUTHENTICATED")
            return StartPaymentPayload(payment=None, user_errors=user_errors(error))
        services = info.context.services
        finance: FinanceSystem = services.extras["finance"]
        command = service.StartPayment(
            shipment_id=parse_global_id(input.shipment_id, "Shipment"),
            client_key=input.client_key,
            purpose=input.purpose,
            expected_amount=input.expected_amount,
        )
        # Two transactions around one call to Praya (see domain.services.payments).
        try:
            payment = await service.start_payment(
                services.database, viewer, finance, command, datetime.now(UTC)
            )
        except DomainError as error:
            log.info("use_case.refused", code=error.code, field=error.field)
            return StartPaymentPayload(payment=None, user_errors=user_errors(error))
        return StartPaymentPayload(payment=Payment.from_model(payment), user_errors=[])
