"""The data hub's API: resources on the shared router, the ingest endpoint beside it."""

from django.urls import path

from datahub.api.ingest import IngestView


def register(router) -> None:
    """Viewsets of the data hub on the project's one router (hub/urls.py)."""


# Paths outside the router, under /api/v1/ (the ingest endpoint).
urlpatterns: list = [
    path("ingest/", IngestView.as_view(), name="ingest"),
]
