"""Root fields of billing: invoices, finalising one, and editing tariffs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ValidationError
from domain.models import billing as models
from domain.money import Money
from domain.services import gate, invoices, storage_extensions, tariffs
from domain.services.shipments import load_shipment
from domain.tariff import (
    JAKARTA,
    DeliveryRate,
    NoonRule,
    SizeRates,
    StorageScheme,
    TariffBook,
    VatRule,
)
from domain.viewer import Viewer
from resolvers.transaction import run_use_case
from schema.billing import Invoice, InvoiceStatus, TariffVersion
from schema.context import Info
from schema.errors import USER_ERRORS, UserError
from schema.permissions import IsAdmin, IsAuthenticated
from schema.relay import Connection, SentID, paginate, parse_global_id


@strawberry.input(description="Which invoices to list.")
class InvoiceFilter:
    shipment_id: SentID | None = strawberry.field(
        default=None, description="Only this shipment's invoice."
    )
    status: InvoiceStatus | None = strawberry.field(
        default=None, description="Only invoices in this status."
    )


@strawberry.input(description="The shipment to invoice.")
class FinalizeInvoiceInput:
    shipment_id: SentID = strawberry.field(description="Global id.")


@strawberry.type(description="The invoice issued.")
class FinalizeInvoicePayload:
    invoice: Invoice | None = strawberry.field(description="The invoice.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="The shipment whose boxes stay longer.")
class ExtendStorageInput:
    shipment_id: SentID = strawberry.field(description="Global id.")


@strawberry.type(description="The storage extension issued.")
class ExtendStoragePayload:
    invoice: Invoice | None = strawberry.field(
        description="The extension: an invoice of its own, paid like the balance."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="One price for each size class, decimal strings.")
class SizeRatesInput:
    twenty: str = strawberry.field(description="For 20' boxes.")
    forty: str = strawberry.field(description="For 40' and 45' boxes.")


@strawberry.input(description="Storage days from..to (open if null) at a percent.")
class StoragePeriodInput:
    from_day: int = strawberry.field(description="First day, from 1.")
    to_day: int | None = strawberry.field(description="Last day; null for the last.")
    percent: str = strawberry.field(description="Percent of the base, e.g. 300.")


@strawberry.input(description="Delivery prices to one zone.")
class DeliveryRateInput:
    zone: str = strawberry.field(description="The zone's name.")
    rates: SizeRatesInput = strawberry.field(description="Price per size.")


@strawberry.input(
    description="A tariff version; the code names it (replaced if it exists)."
)
class SaveTariffVersionInput:
    code: str = strawberry.field(description="Unique code, e.g. IDTPP-2027.")
    port: str = strawberry.field(description="UN/LOCODE of the port.")
    valid_from: date = strawberry.field(description="First local day in force.")
    valid_to: date | None = strawberry.field(
        default=None, description="Last local day in force; null while open."
    )
    currency: str = strawberry.field(default="IDR", description="ISO 4217 code.")
    lift_on_off: SizeRatesInput = strawberry.field(description="Per lift.")
    storage_base: SizeRatesInput = strawberry.field(description="Per box per day.")
    storage_scheme: list[StoragePeriodInput] = strawberry.field(
        description="Progressive periods, contiguous from day 1."
    )
    noon_cutoff_hour: int | None = strawberry.field(
        default=12, description="Free time by discharge hour; null turns it off."
    )
    inspection: SizeRatesInput = strawberry.field(description="Per inspection.")
    reefer_power: SizeRatesInput = strawberry.field(description="Per block.")
    reefer_block_hours: int = strawberry.field(default=8, description="Block size.")
    admin_fee: str = strawberry.field(description="Per document.")
    delivery: list[DeliveryRateInput] = strawberry.field(description="By zone.")
    vat_rate_percent: str = strawberry.field(default="12", description="PPN rate.")


@strawberry.type(description="The tariff version saved.")
class SaveTariffVersionPayload:
    tariff_version: TariffVersion | None = strawberry.field(description="The version.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class BillingQuery:
    @strawberry.field(
        description="Invoices (consolidated and storage extensions), newest "
        "first (an operator sees all).",
        permission_classes=[IsAuthenticated],
    )
    async def invoices(
        self,
        info: Info,
        filter: InvoiceFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Invoice]:
        statement = select(models.Invoice).order_by(
            models.Invoice.issued_at.desc(), models.Invoice.id
        )
        if filter is not None and filter.shipment_id is not None:
            shipment_id = parse_global_id(filter.shipment_id, "Shipment")
            statement = statement.where(models.Invoice.shipment_id == shipment_id)
        if filter is not None and filter.status is not None:
            statement = statement.where(models.Invoice.status == filter.status)
        return await paginate(
            info,
            statement,
            Invoice.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.type
class BillingMutation:
    @strawberry.mutation(
        description="Issue the one consolidated invoice of a shipment: every "
        "service used, PPN, the initial payment credited and the balance due. "
        "Refused until the initial payment is paid (INITIAL_PAYMENT_DUE); a "
        "delivery is requested before it (requestDelivery).",
        permission_classes=[IsAuthenticated],
    )
    async def finalize_invoice(
        self, info: Info, input: FinalizeInvoiceInput
    ) -> FinalizeInvoicePayload:
        shipment_id = parse_global_id(input.shipment_id, "Shipment")

        async def use_case(session: AsyncSession, viewer: Viewer) -> Invoice:
            now = datetime.now(UTC)
            issued = await invoices.finalize_invoice(session, viewer, shipment_id, now)
            shipment = await load_shipment(session, shipment_id)
            await gate.refresh_readiness(session, viewer, shipment, now)
            return Invoice.from_model(issued.invoice)

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return FinalizeInvoicePayload(invoice=None, user_errors=result)
        return FinalizeInvoicePayload(invoice=result, user_errors=[])

    @strawberry.mutation(
        description="Invoice the storage of the boxes still in the yard beyond "
        "what they have paid for (Container.storagePaidThrough), up to the end "
        "of each box's booked pickup slot, or now without one: the storage days "
        "after the last day paid at their period's rate, reefer power blocks, "
        "PPN. The invoice is numbered like any other and paid like the balance "
        "(startPayment, purpose INVOICE); a gate pass for a slot ending after "
        "the storage paid is refused (STORAGE_EXTENSION_DUE) until then.",
        permission_classes=[IsAuthenticated],
    )
    async def extend_storage(
        self, info: Info, input: ExtendStorageInput
    ) -> ExtendStoragePayload:
        shipment_id = parse_global_id(input.shipment_id, "Shipment")

        async def use_case(session: AsyncSession, viewer: Viewer) -> Invoice:
            now = datetime.now(UTC)
            issued = await storage_extensions.extend_storage(
                session, viewer, shipment_id, now
            )
            return Invoice.from_model(issued.invoice)

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return ExtendStoragePayload(invoice=None, user_errors=result)
        return ExtendStoragePayload(invoice=result, user_errors=[])

    @strawberry.mutation(
        description="Create or replace a tariff version (administrators).",
        permission_classes=[IsAdmin],
    )
    async def save_tariff_version(
        self, info: Info, input: SaveTariffVersionInput
    ) -> SaveTariffVersionPayload:
        async def use_case(session: AsyncSession, viewer: Viewer) -> TariffVersion:
            row = await tariffs.save_version(session, viewer, _book(input))
            return TariffVersion.from_model(row)

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return SaveTariffVersionPayload(tariff_version=None, user_errors=result)
        return SaveTariffVersionPayload(tariff_version=result, user_errors=[])


def _book(data: SaveTariffVersionInput) -> TariffBook:
    """The pure book the input describes; its own rules validate the figures."""
    currency = data.currency

    def rates(value: SizeRatesInput) -> SizeRates:
        return SizeRates(
            Money.parse(value.twenty, currency), Money.parse(value.forty, currency)
        )

    try:
        return TariffBook(
            code=data.code.strip(),
            port=data.port.strip().upper(),
            valid_from=data.valid_from,
            valid_to=data.valid_to,
            lift_on_off=rates(data.lift_on_off),
            storage_base=rates(data.storage_base),
            storage_scheme=StorageScheme.from_rows(
                (p.from_day, p.to_day, p.percent) for p in data.storage_scheme
            ),
            noon_rule=NoonRule(
                enabled=data.noon_cutoff_hour is not None,
                cutoff_hour=(
                    12 if data.noon_cutoff_hour is None else data.noon_cutoff_hour
                ),
            ),
            inspection=rates(data.inspection),
            reefer_power=rates(data.reefer_power),
            admin_fee=Money.parse(data.admin_fee, currency),
            delivery=tuple(DeliveryRate(d.zone, rates(d.rates)) for d in data.delivery),
            vat=VatRule(rate_percent=Decimal(data.vat_rate_percent)),
            timezone=JAKARTA,
            currency=currency,
            reefer_block_hours=data.reefer_block_hours,
        )
    except DomainError:
        raise
    except ArithmeticError as error:
        raise ValidationError("a figure is not a decimal number") from error
