"""The data hub's pages, under /datahub/ (namespace "datahub")."""

from django.urls import path

from datahub.views import (
    benchmarks,
    consents,
    dashboard,
    datasets,
    followups,
    plant,
    sources,
    upload,
    warnings,
)

app_name = "datahub"

urlpatterns = [
    path("datahub/", plant.DataHubHomeView.as_view(), name="home"),
    path("datahub/plants/<int:plant_pk>/", plant.PlantDataView.as_view(), name="plant"),
    path(
        "datahub/plants/<int:plant_pk>/sources/new/",
        sources.SourceCreateView.as_view(),
        name="source_create",
    ),
    path(
        "datahub/sources/<int:pk>/token/",
        sources.SourceTokenView.as_view(),
        name="source_token",
    ),
    path(
        "datahub/sources/<int:pk>/rotate/",
        sources.TokenActionView.as_view(action="rotate"),
        name="token_rotate",
    ),
    path(
        "datahub/sources/<int:pk>/revoke/",
        sources.TokenActionView.as_view(action="revoke"),
        name="token_revoke",
    ),
    path(
        "datahub/sources/<int:pk>/series/new/",
        sources.SeriesCreateView.as_view(),
        name="series_create",
    ),
    path(
        "datahub/plants/<int:plant_pk>/consents/",
        consents.ConsentListView.as_view(),
        name="consents",
    ),
    path(
        "datahub/consents/<int:pk>/revoke/",
        consents.ConsentRevokeView.as_view(),
        name="consent_revoke",
    ),
    path(
        "datahub/consents/<int:pk>/odrl/",
        consents.ConsentOdrlView.as_view(),
        name="consent_odrl",
    ),
    path(
        "datahub/plants/<int:plant_pk>/access-log/",
        consents.AccessLogView.as_view(),
        name="access_log",
    ),
    path(
        "datahub/plants/<int:plant_pk>/template.<str:fmt>",
        upload.TemplateDownloadView.as_view(),
        name="upload_template",
    ),
    path("datahub/plants/<int:plant_pk>/upload/", upload.UploadView.as_view(), name="upload"),
    path(
        "datahub/plants/<int:plant_pk>/upload/<str:key>/",
        upload.UploadPreviewView.as_view(),
        name="upload_preview",
    ),
    path(
        "datahub/plants/<int:plant_pk>/monthly/",
        upload.MonthlyFormView.as_view(),
        name="monthly",
    ),
    path(
        "datahub/plants/<int:plant_pk>/monthly/follow-up-series/",
        upload.FollowUpSeriesAddView.as_view(),
        name="follow_up_series_add",
    ),
    path("datahub/warnings/", warnings.WarningQueueView.as_view(), name="warnings"),
    path("datahub/warnings/<int:pk>/", warnings.WarningDetailView.as_view(), name="warning"),
    path("datahub/datasets/", datasets.DatasetListView.as_view(), name="datasets"),
    path(
        "datahub/datasets/<int:pk>/download/<str:fmt>/",
        datasets.DatasetDownloadView.as_view(),
        name="dataset_download",
    ),
    path(
        "datahub/plants/<int:plant_pk>/benchmarks/",
        benchmarks.PlantBenchmarksView.as_view(),
        name="benchmarks",
    ),
    path("datahub/benchmarks/", benchmarks.PeerTableView.as_view(), name="benchmark_table"),
    path(
        "datahub/plants/<int:plant_pk>/dashboard/",
        dashboard.PlantDashboardView.as_view(),
        name="dashboard",
    ),
    path("datahub/follow-up/", followups.FollowUpQueueView.as_view(), name="followups"),
    path(
        "datahub/plants/<int:plant_pk>/follow-up/",
        followups.PlantFollowUpView.as_view(),
        name="followups_plant",
    ),
]
