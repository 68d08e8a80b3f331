"""The data hub's API: resources on the shared router, the ingest endpoint beside it."""

from django.urls import path

from datahub.api import datasets, followups, resources, warnings
from datahub.api.aas import PlantAASView
from datahub.api.benchmarks import PlantBenchmarksView
from datahub.api.dashboard import PlantDashboardView
from datahub.api.ingest import IngestView
from datahub.api.observations import SeriesObservationsView


def register(router) -> None:
    """Viewsets of the data hub on the project's one router (hub/urls.py)."""
    router.register("kpi-definitions", resources.KpiDefinitionViewSet, basename="kpi-definition")
    router.register("data-sources", resources.DataSourceViewSet, basename="data-source")
    router.register("series", resources.SeriesViewSet, basename="series")
    router.register("consents", resources.ConsentViewSet, basename="consent")
    router.register("access-log", resources.AccessLogViewSet, basename="access-log")
    router.register("warnings", warnings.EarlyWarningViewSet, basename="warning")
    router.register("datasets", datasets.ResearchDatasetViewSet, basename="dataset")
    router.register("followups", followups.FollowUpViewSet, basename="followup")


# Paths outside the router, under /api/v1/ (the ingest endpoint, a series' observations).
urlpatterns: list = [
    path("ingest/", IngestView.as_view(), name="ingest"),
    path(
        "series/<int:pk>/observations/",
        SeriesObservationsView.as_view(),
        name="series-observations",
    ),
    path("plants/<int:pk>/aas/", PlantAASView.as_view(), name="plant-aas"),
    path("plants/<int:pk>/benchmarks/", PlantBenchmarksView.as_view(), name="plant-benchmarks"),
    path("plants/<int:pk>/dashboard/", PlantDashboardView.as_view(), name="plant-dashboard"),
]
