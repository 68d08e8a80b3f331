from django.urls import path

from progress.views import dashboard, reports

app_name = "progress"

urlpatterns = [
    path("progress/", dashboard.ProgressDashboardView.as_view(), name="dashboard"),
    path("progress/targets/", dashboard.TargetListView.as_view(), name="target_list"),
    path("progress/targets/<int:pk>/", dashboard.TargetUpdateView.as_view(), name="target_update"),
    path("reports/", reports.ReportListView.as_view(), name="report_list"),
    path("reports/<int:pk>/", reports.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/status/", reports.ReportStatusView.as_view(), name="report_status"),
    path(
        "reports/<int:pk>/download/", reports.ReportDownloadView.as_view(), name="report_download"
    ),
]
