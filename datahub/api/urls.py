"""The data hub's API: resources on the shared router, the ingest endpoint beside it."""

from django.urls import path

from datahub.api import followups, resources
from datahub.api.ingest import IngestView
from datahub.api.observations import SeriesObservationsView


def register(router) -> None:
    """Viewsets of the data hub on the project's one router (hub/urls.py)."""
    router.register("kpi-definitions", resources.KpiDefinitionViewSet, basename="kpi-definition")
    router.register("data-sources", resources.DataSourceViewSet, basename="data-source")
    router.register("series", resources.SeriesViewSet, basename="series")
    router.register("consents", resources.ConsentViewSet, basename="consent")
    router.register("access-log", resources.AccessLogViewSet, basename="access-log")
    router.register("followups", followups.FollowUpViewSet, basename="followup")


# Paths outside the router, under /api/v1/ (the ingest endpoint, a series' observations).
urlpatterns: list = [
    path("ingest/", IngestView.as_view(), name="ingest"),
    path(
        "series/<int:pk>/observations/",
        SeriesObservationsView.as_view(),
        name="series-observations",
    ),
]
