from assessments.api import views


def register(router) -> None:
    router.register("frameworks", views.FrameworkViewSet, basename="framework")
    router.register("assessments", views.AssessmentViewSet, basename="assessment")
