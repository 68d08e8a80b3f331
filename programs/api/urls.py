from programs.api import views


def register(router) -> None:
    router.register("programs", views.ProgramViewSet, basename="program")
    router.register("projects", views.ProjectViewSet, basename="project")
    router.register("kpis", views.KPIViewSet, basename="kpi")
