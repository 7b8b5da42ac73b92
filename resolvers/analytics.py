"""Root field of analytics: the dashboard's report, and its CSV link."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from graphql import GraphQLError

from domain import models
from domain.errors import DomainError
from domain.services import analytics as service
from resolvers.gate import id_of
from schema.analytics import (
    ANALYTICS_DOWNLOAD_PATH,
    AnalyticsReport,
    DateRangeInput,
    GroupBy,
    csv_params,
    csv_query_id,
)
from schema.billing import signed_path
from schema.context import Info
from schema.permissions import IsAuthenticated


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        description="The services received over a period, computed by the "
        "database from recorded events: the viewer's own figures, and the "
        "terminal's for staff (who may narrow to one organisation).",
        permission_classes=[IsAuthenticated],
    )
    async def analytics(
        self,
        info: Info,
        range: DateRangeInput,
        group_by: GroupBy = GroupBy.MONTH,
        organisation_id: strawberry.ID | None = None,
    ) -> AnalyticsReport:
        viewer = info.context.viewer
        assert viewer is not None, "IsAuthenticated let the request in"
        organisation = id_of(organisation_id)
        if organisation_id is not None and (
            organisation is None
            or await info.context.loaders.of(models.Organisation).load(organisation)
            is None
        ):
            # Answered as for one that does not exist, whether or not it does.
            raise GraphQLError("no such organisation", extensions={"code": "NOT_FOUND"})
        query = service.ReportQuery(
            start=range.start,
            end=range.end,
            group_by=group_by,
            organisation_id=organisation,
        )
        database = info.context.services.database
        try:
            report = await service.report(
                lambda: database.reading(viewer),
                query,
                staff=viewer.is_staff,
                now=datetime.now(UTC),
            )
        except DomainError as error:
            raise GraphQLError(
                error.message, extensions={"code": "BAD_USER_INPUT"}
            ) from error
        link = signed_path(info, csv_query_id(query), ANALYTICS_DOWNLOAD_PATH, ".csv")
        url = f"{link}?{csv_params(query)}" if link else None
        return AnalyticsReport.from_domain(report, group_by, url)
