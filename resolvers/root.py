"""The root types: Query, Mutation and Subscription, merged from each area."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry import relay

from resolvers.analytics import AnalyticsQuery
from resolvers.billing import BillingMutation, BillingQuery
from resolvers.documents import DocumentMutation
from resolvers.gate import GateMutation, GateQuery
from resolvers.identity import IdentityMutation, IdentityQuery
from resolvers.nodes import NODE_TYPES, resolve_nodes
from resolvers.payments import PaymentMutation
from resolvers.pickup_plans import PlanMutation, PlanQuery, PlanSubscription
from resolvers.port import PortQuery, PortSubscription
from resolvers.scheduling import SchedulingMutation, SchedulingQuery
from resolvers.shipments import (
    ShipmentMutation,
    ShipmentQuery,
    ShipmentSubscription,
)
from schema.context import Info
from schema.relay import SentID


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by its global id; null if it does not exist "
        "or the viewer may not see it."
    )
    async def node(self, info: Info, id: SentID) -> relay.Node | None:
        (node,) = await resolve_nodes(info, [id])
        return node

    @strawberry.field(
        description="Objects by global id, in the order given; null where "
        "one does not exist or may not be seen."
    )
    async def nodes(self, info: Info, ids: list[SentID]) -> list[relay.Node | None]:
        if len(ids) > info.context.services.max_page_size:
            raise GraphQLError(
                f"at most {info.context.services.max_page_size} ids at once",
                extensions={"code": "BAD_USER_INPUT"},
            )
        return await resolve_nodes(info, ids)


@strawberry.type(description="Everything a client can read.")
class Query(
    NodeQuery,
    IdentityQuery,
    ShipmentQuery,
    PortQuery,
    BillingQuery,
    GateQuery,
    AnalyticsQuery,
    SchedulingQuery,
    PlanQuery,
):
    pass


@strawberry.type(description="Everything a client can change; one transaction each.")
class Mutation(
    IdentityMutation,
    ShipmentMutation,
    DocumentMutation,
    PaymentMutation,
    BillingMutation,
    GateMutation,
    SchedulingMutation,
    PlanMutation,
):
    pass


@strawberry.type(description="Everything a client can follow live, over a WebSocket.")
class Subscription(ShipmentSubscription, PortSubscription, PlanSubscription):
    pass


NODE_TYPE_LIST = list(NODE_TYPES.values())
