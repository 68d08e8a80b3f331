from programs.api import reports, views
from programs.api.progress import ProgressViewSet


def register(router) -> None:
    router.register("programs", views.ProgramViewSet, basename="program")
    router.register("projects", views.ProjectViewSet, basename="project")
    router.register("kpis", views.KPIViewSet, basename="kpi")
    router.register("progress", ProgressViewSet, basename="progress")
    router.register("reports", reports.ProgressReportViewSet, basename="report")
