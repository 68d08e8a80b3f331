from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("programs/", views.ProgramListView.as_view(), name="program_list"),
    path("programs/new/", views.ProgramCreateView.as_view(), name="program_create"),
    path("programs/<int:pk>/", views.ProgramDetailView.as_view(), name="program_detail"),
    path("programs/<int:pk>/edit/", views.ProgramUpdateView.as_view(), name="program_update"),
    path(
        "programs/<int:pk>/commitments/",
        views.CommitmentSetView.as_view(),
        name="commitment_set",
    ),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project_create"),
    path("projects/import/", views.ProjectImportView.as_view(), name="project_import"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("projects/<int:pk>/edit/", views.ProjectUpdateView.as_view(), name="project_update"),
    path("projects/<int:pk>/advance/", views.ProjectAdvanceView.as_view(), name="project_advance"),
    path("projects/<int:pk>/kpis/", views.KPIRecordView.as_view(), name="kpi_record"),
    path("kpis/import/", views.KPIImportView.as_view(), name="kpi_import"),
    path("ledger/", views.LedgerView.as_view(), name="ledger"),
    path("portfolio/", views.PortfolioView.as_view(), name="portfolio"),
]
